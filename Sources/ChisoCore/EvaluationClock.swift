import Foundation

/// Where "now" comes from, decided once (by the configuration's `as_of`) and handed to everything
/// that needs it: the refresher, the alert service and the one-shot commands. Tests inject a
/// fixed instant or a wall clock of their own.
public struct EvaluationClock: Sendable {
    /// The fixed evaluation instant (`--as-of`), or nil: the wall clock at each pass.
    public let fixedInstant: Date?
    private let wallClock: @Sendable () -> Date

    public init(asOf: Date? = nil, wallClock: @escaping @Sendable () -> Date = { Date() }) {
        fixedInstant = asOf
        self.wallClock = wallClock
    }

    /// T: the instant a pass evaluates at (what "as of" means on the page, in the metrics, in mail).
    public func evaluationInstant() -> Date { fixedInstant ?? wallClock() }

    /// The wall clock: when a snapshot was made, how stale the page is.
    public func now() -> Date { wallClock() }
}

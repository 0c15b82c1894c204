import ChisoCore
import Foundation

/// Read → evaluate: the one way a snapshot is made, shared by the refresher, `chiso snapshot`
/// and `chiso backfill-history`. Reading is bounded by `timeout` (PostgresNIO waits for a
/// connection while the database is away, rather than failing).
public struct SnapshotPipeline: Sendable {
    /// A snapshot and where its time went.
    public struct Outcome: Sendable {
        public var snapshot: Snapshot
        public var readSeconds: Double
        public var evaluateSeconds: Double
        /// How the source read the inputs (full or incremental).
        public var pass: RefreshPass?
    }

    public let source: any KPISource
    public let evaluator: Evaluator
    public let timeout: Duration

    public init(source: any KPISource, evaluator: Evaluator, timeout: Duration) {
        self.source = source
        self.evaluator = evaluator
        self.timeout = timeout
    }

    /// The snapshot as of `instant`, stamped `refreshedAt` (the wall clock when it was made).
    public func snapshot<C: Clock>(
        asOf instant: Date, refreshedAt: @Sendable () -> Date, clock: C, operation: String = "the refresh"
    ) async throws -> Outcome where C.Duration == Duration {
        let started = clock.now
        let source = self.source, calendar = evaluator.calendar
        let inputs = try await withDeadline(timeout, clock: clock, operation: operation) {
            try await source.loadInputs(asOf: instant, calendar: calendar)
        }
        let read = clock.now
        let snapshot = evaluator.evaluate(inputs, asOf: instant, refreshedAt: refreshedAt())
        return Outcome(
            snapshot: snapshot, readSeconds: started.duration(to: read).seconds,
            evaluateSeconds: read.duration(to: clock.now).seconds, pass: inputs.pass)
    }
}

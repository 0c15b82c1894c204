import Foundation

/// Where a refresh reads its inputs from: PostgreSQL in production, an in-memory fake in core tests.
public protocol KPISource: Sendable {
    /// Reads everything one snapshot needs, as of `asOf`, in one consistent view.
    func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs
}

/// Where successful snapshots are kept for trends (the database's snapshot history).
public protocol SnapshotHistory: Sendable {
    func append(_ snapshot: Snapshot) async throws
}

/// A `KPISource` that returns fixed inputs: for tests of everything above storage.
public struct InMemoryKPISource: KPISource {
    public var inputs: KPIInputs
    public init(inputs: KPIInputs) { self.inputs = inputs }
    public func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs { inputs }
}

import Foundation

/// Where a refresh reads its inputs from: PostgreSQL in production (`PostgresKPISource`), fixed
/// inputs in tests (`InMemoryKPISource`, in the test targets).
public protocol KPISource: Sendable {
    /// Reads everything one snapshot needs, as of `asOf`, in one consistent view.
    func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs
    /// The upkeep a pass left for after its snapshot is published (trimming the change log):
    /// the figures are not kept waiting for it. Failures are the source's to log.
    func housekeep() async
}

extension KPISource {
    public func housekeep() async {}
}

/// Builds a month's QĐ 766 publication (`QD766Publication`) from the database: `chiso qd766`,
/// `GET /qd766` (PostgreSQL in production; in tests, the real one too).
public protocol QD766Publishing: Sendable {
    /// `unit`: nil for the root; `now`: the instant the running month is evaluated at.
    func publication(month: LocalDate, unit: String?, now: Date) async throws -> Result<QD766Publication, QD766Publication.Problem>
}

/// Where successful snapshots are kept for trends (the database's snapshot history).
public protocol SnapshotHistory: Sendable {
    func append(_ snapshot: Snapshot) async throws
    /// The stored year-to-date figures of `year` for these units, for the days before `before`
    /// (today's point comes from the live snapshot).
    func trend(year: Int, units: [String], before: LocalDate) async throws -> TrendHistory
}

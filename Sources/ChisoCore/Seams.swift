import Foundation
import Synchronization

/// Where a refresh reads its inputs from: PostgreSQL in production, an in-memory fake in core tests.
public protocol KPISource: Sendable {
    /// Reads everything one snapshot needs, as of `asOf`, in one consistent view.
    func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs
}

/// Where successful snapshots are kept for trends (the database's snapshot history).
public protocol SnapshotHistory: Sendable {
    func append(_ snapshot: Snapshot) async throws
    /// The stored year-to-date figures of `year` for these units, for the days before `before`
    /// (today's point comes from the live snapshot).
    func trend(year: Int, units: [String], before: LocalDate) async throws -> TrendHistory
}

/// A `SnapshotHistory` in memory (one snapshot per local day, like the real one): for tests.
public final class InMemorySnapshotHistory: SnapshotHistory {
    private let days = Mutex<[LocalDate: Snapshot]>([:])

    public init() {}

    public func append(_ snapshot: Snapshot) async throws {
        let day = PlanCalendar(timeZone: snapshot.timeZone).localDate(of: snapshot.asOf)
        days.withLock { $0[day] = snapshot }
    }

    public func trend(year: Int, units: [String], before: LocalDate) async throws -> TrendHistory {
        let wanted = Set(units)
        var history = TrendHistory()
        for (day, snapshot) in days.withLock({ $0 }).sorted(by: { $0.key < $1.key }) where day.year == year && day < before {
            for result in snapshot.results where result.period == .year && wanted.contains(result.unitID) {
                history.append(indicator: result.indicator, unit: result.unitID,
                               point: HistoryPoint(day: day, numerator: result.tally.numerator, denominator: result.tally.denominator))
            }
        }
        return history
    }
}

/// A `KPISource` that returns fixed inputs: for tests of everything above storage.
public struct InMemoryKPISource: KPISource {
    public var inputs: KPIInputs
    public init(inputs: KPIInputs) { self.inputs = inputs }
    public func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs { inputs }
}

import Foundation

/// The monthly publication the plan orders (part I.2, appendix task II.10): a unit's QĐ 766 result
/// for one month, beside the month before, and the units (and officials, where the data names
/// them) whose late dossiers and overdue tasks cost points, with their counts.
///
/// Pure: built from the snapshots evaluated at the month's end and the month before's, the
/// month's own-unit tallies, and the late dossiers per official that storage counted.
public struct QD766Publication: Sendable, Equatable {
    /// A unit whose own late dossiers (active in the month and late, `dossiers_on_time`'s
    /// complement) or overdue plan tasks (at the month's end, as lead unit) count against it.
    public struct UnitDelay: Sendable, Equatable {
        public var unitID: String
        public var name: String
        public var lateDossiers: Int
        /// What its late dossiers cost the published unit's 2.1 (each one M / the unit's active dossiers), half-up to 2 decimals.
        public var pointsLost: Decimal
        public var overdueTasks: Int
    }

    /// An official named by `dossiers.late_official` on late dossiers of the month.
    public struct OfficialDelay: Sendable, Equatable {
        public var official: String
        public var unitID: String
        public var unitName: String
        public var lateDossiers: Int

        public init(official: String, unitID: String, unitName: String, lateDossiers: Int) {
            self.official = official
            self.unitID = unitID
            self.unitName = unitName
            self.lateDossiers = lateDossiers
        }
    }

    public var unitID: String
    public var unitName: String
    /// The month's first day.
    public var month: LocalDate
    /// The instant the month was evaluated at: its last instant, or now while it runs.
    public var asOf: Date
    /// Whether the month is over (false: the month to date).
    public var complete: Bool
    public var timeZone: TimeZone
    public var table: QD766Table
    public var result: QD766Result
    public var previous: QD766Result?
    /// Most late dossiers first, then most overdue tasks, then by id; units with neither are left out.
    public var units: [UnitDelay]
    /// Most late dossiers first; empty when no dossier names its official.
    public var officials: [OfficialDelay]

    /// Why a month cannot be published.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notBegun(LocalDate)
        case unknownUnit(String)
        public var description: String {
            switch self {
            case .notBegun(let month): "the month \(month.year)-\(LocalDate.pad(month.month, 2)) has not begun"
            case .unknownUnit(let id): "no unit '\(id)'"
            }
        }
    }

    /// The 2.1 sub-indicator's maximum (the points late dossiers cost).
    static let onTimeID = "qd766.on_time"

    /// `current`: evaluated at the month's end (its `.month` period is the month); `ownTallies`:
    /// that evaluation's own-unit tallies (late dossiers per unit); `previous`: the month before's.
    public static func build(
        unitID: String, month: LocalDate, current: Snapshot, ownTallies: [TallyKey: Tally], previous: Snapshot?,
        officials: [OfficialDelay], complete: Bool
    ) -> QD766Publication? {
        guard let table = current.qd766Table, let result = current.qd766(unit: unitID, period: .month) else { return nil }
        let tree = UnitTree(current.units)
        let subtree = tree.subtree(of: unitID)
        let names = Dictionary(current.units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let onTime = result.indicators.first { $0.id == onTimeID }
        let maximum = table.indicators.first { $0.id == onTimeID }?.max ?? 0
        var tasks: [String: Int] = [:]
        for entry in current.overdueTasks { tasks[entry.task.leadUnitID, default: 0] += 1 }
        var units: [UnitDelay] = []
        for unit in subtree {
            let tally = ownTallies[TallyKey(unitID: unit.id, period: .month, indicator: .dossiersOnTime)] ?? Tally()
            let late = NSDecimalNumber(decimal: tally.denominator - tally.numerator).intValue
            let overdue = tasks[unit.id] ?? 0
            guard late > 0 || overdue > 0 else { continue }
            // The published 2.1 counts the subtree's active dossiers; a manual 2.1 replaces the count, and then nothing is "lost" by chiso's.
            let active = onTime?.source == .computed ? onTime?.denominator ?? 0 : 0
            let lost = active > 0 ? QD766Rules.roundHalfUp(maximum * Decimal(late) / active) : 0
            units.append(UnitDelay(unitID: unit.id, name: unit.name, lateDossiers: late, pointsLost: lost, overdueTasks: overdue))
        }
        units.sort { ($1.lateDossiers, $1.overdueTasks, $0.unitID) < ($0.lateDossiers, $0.overdueTasks, $1.unitID) }
        let inside = Set(subtree.map(\.id))
        let named = officials.filter { inside.contains($0.unitID) && $0.lateDossiers > 0 }.map { official in
            var copy = official
            copy.unitName = names[official.unitID] ?? official.unitID
            return copy
        }
        return QD766Publication(
            unitID: unitID, unitName: names[unitID] ?? unitID, month: month, asOf: current.asOf, complete: complete,
            timeZone: current.timeZone, table: table,
            result: result, previous: previous?.qd766(unit: unitID, period: .month),
            units: units,
            officials: named.sorted { ($1.lateDossiers, $0.official, $0.unitID) < ($0.lateDossiers, $1.official, $1.unitID) })
    }

    /// The instant a month is evaluated at: its last instant, or `now` while it runs; nil for a
    /// month that has not begun.
    public static func evaluationInstant(month: LocalDate, now: Date, calendar: PlanCalendar) -> (at: Date, complete: Bool)? {
        let start = calendar.startOfDay(LocalDate(year: month.year, month: month.month, day: 1))
        let next = calendar.startOfDay(LocalDate(year: month.year, month: month.month, day: 1).adding(days: 32).firstOfMonth)
        guard now >= start else { return nil }
        return now >= next ? (next.addingTimeInterval(-0.001), true) : (now, false)
    }
}

extension LocalDate {
    /// The first day of this day's month.
    public var firstOfMonth: LocalDate { LocalDate(year: year, month: month, day: 1) }
}

import ChisoCore
import Foundation

/// What the pages of one unit are made of, so that the page files are written again only where a
/// figure changed (a province has 750 of them, and most refreshes change a few communes).
///
/// Kept next to the page model on purpose: a part of the page that starts reading something new
/// must be named here too. `PageInputsTests` renders every page before and after random changes
/// and checks that a page said unchanged renders the same.
public enum PageInputs {
    /// Whether what every page reads is the same in both: the local day, the catalogue, the units
    /// (names, tree, links), the overdue and due-soon tasks, the digest problems.
    public static func sameFrame(_ old: Snapshot, alerts oldAlerts: AlertSummary?, _ new: Snapshot, alerts newAlerts: AlertSummary?) -> Bool {
        let calendar = PlanCalendar(timeZone: new.timeZone)
        return old.timeZone == new.timeZone && calendar.localDate(of: old.asOf) == calendar.localDate(of: new.asOf)
            && old.catalogue == new.catalogue && old.units == new.units && old.qd766Table == new.qd766Table
            && old.overdueTasks == new.overdueTasks && old.dueSoonTasks == new.dueSoonTasks && oldAlerts == newAlerts
    }

    /// Whether the pages of `unit` read the same figures in both (with `sameFrame` true): its own
    /// and its children's results, overdue counts and trend lines, and its own QĐ 766 estimate.
    public static func sameFigures(
        unit: String, children: [String], _ old: Snapshot, history oldHistory: TrendHistory, _ new: Snapshot, history newHistory: TrendHistory
    ) -> Bool {
        let indicators = new.catalogue.indicators.map(\.id)
        guard PeriodKind.allCases.allSatisfy({ old.qd766(unit: unit, period: $0) == new.qd766(unit: unit, period: $0) }) else { return false }
        for id in [unit] + children {
            guard old.results(of: id) == new.results(of: id),
                old.dossiersOverdueByUnit[id] == new.dossiersOverdueByUnit[id],
                old.tasksOverdueByUnit[id] == new.tasksOverdueByUnit[id],
                indicators.allSatisfy({ oldHistory.series(indicator: $0, unit: id) == newHistory.series(indicator: $0, unit: id) })
            else { return false }
        }
        return true
    }

    /// Each unit's direct children, in tree order.
    public static func children(_ units: [ChisoCore.Unit]) -> [String: [String]] {
        var children: [String: [String]] = [:]
        for unit in units { if let parent = unit.parentID { children[parent, default: []].append(unit.id) } }
        return children
    }
}

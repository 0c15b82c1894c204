import ChisoCore
import Foundation

/// The overdue and due-soon task tables: tasks led by this unit or a unit below it. A province
/// has thousands: a table lists the first `rowsPerTable`, then says how many more.
enum TasksModel {
    struct Tables {
        var overdue: [StatusPageView.TaskRow]
        var dueSoon: [StatusPageView.TaskRow]
        var overdueTotal: Int
        var moreOverdue: String?
        var moreDueSoon: String?
    }

    /// Rows of the overdue and due-soon tables at most (a province's page stays readable).
    static let rowsPerTable = 50

    static func tables(_ page: PageContext) -> Tables {
        let allOverdue = page.snapshot.overdueTasks.filter { page.subtree.contains($0.task.leadUnitID) }
        let allDueSoon = page.snapshot.dueSoonTasks.filter { page.subtree.contains($0.task.leadUnitID) }
        let overdue = allOverdue.prefix(rowsPerTable).map { row($0.task, days: $0.daysOverdue, page) }
        let dueSoon = allDueSoon.prefix(rowsPerTable).map { row($0.task, days: $0.daysLeft, page) }
        return Tables(
            overdue: overdue, dueSoon: dueSoon, overdueTotal: allOverdue.count,
            moreOverdue: more(allOverdue.count, overdue.count, page.lang), moreDueSoon: more(allDueSoon.count, dueSoon.count, page.lang))
    }

    static func row(_ task: OpenTask, days: Int, _ page: PageContext) -> StatusPageView.TaskRow {
        .init(
            id: task.id, title: task.title, planRef: task.planRef.flatMap { $0.isEmpty ? nil : $0 },
            lead: page.name(task.leadUnitID),
            monitoring: task.monitoringUnitID.map { page.name($0) },
            due: Format.date(task.dueDate, page.lang), days: Format.integer(days, page.lang))
    }

    /// "… và 123 nhiệm vụ khác" under a cut table.
    static func more(_ total: Int, _ shown: Int, _ lang: Format.Language) -> String? {
        guard total > shown else { return nil }
        return lang == .vi
            ? "… và \(Format.integer(total - shown, lang)) nhiệm vụ khác: xem trang của từng đơn vị."
            : "… and \(Format.integer(total - shown, lang)) more: see each unit's page."
    }
}

import ChisoCore
import Foundation

/// Everything the status page template shows, already formatted and escaped-by-template:
/// plain strings, booleans and arrays, so the mustache template holds no logic. Each field is
/// declared once, here: the template reads it by name (ChisoWeb encodes the view for mustache),
/// so a new field is this declaration, the line of the model that fills it, and the template.
public struct StatusPageView: Sendable, Encodable {
    public struct Link: Sendable, Encodable { public var label: String; public var href: String; public var current: Bool }
    public struct Summary: Sendable, Encodable {
        public var met: String, atRisk: String, missed: String, noData: String, total: String
    }
    public struct Projection: Sendable, Encodable {
        public var projected: String
        public var projectedStatusClass: String
        public var requirement: String
    }
    public struct Spark: Sendable, Encodable {
        public var points: String, lastX: String, lastY: String, targetY: String, description: String
        public var hasLine: Bool
        /// "02/01: 95,1 %", "mục tiêu ≥ 98 % (- - -)", "28/11: 97,4 %": written under the line.
        public var firstLabel: String, targetLabel: String, lastLabel: String
    }
    public struct Card: Sendable, Encodable {
        public var id: String, planRef: String, name: String
        /// `counts`: "n / N", nil when there is no data (a card says "no data", not "0 / 0").
        public var value: String, target: String, gap: String?, counts: String?
        public var statusClass: String, statusLabel: String
        public var manual: Bool
        /// The lead unit the catalogue names ("Chủ trì"), nil when it names none.
        public var lead: String?
        public var spark: Spark?
        public var projection: Projection?
    }
    public struct Section: Sendable, Encodable {
        public var ref: String, title: String, anchor: String
        public var cards: [Card]
        public var met: String, total: String
    }
    public struct Cell: Sendable, Hashable, Encodable {
        public var text: String; public var mark: String; public var statusClass: String; public var statusLabel: String
    }
    public struct Column: Sendable, Encodable { public var short: String; public var name: String }
    /// One table of the units section: a plan section's indicators (at most `UnitsModel.columnsPerTable`).
    public struct UnitTable: Sendable, Encodable {
        public var caption: String
        public var headings: [Column]
        public var rows: [UnitTableRow]
        /// The first table also has the overdue-task column.
        public var withTasks: Bool
    }
    public struct UnitTableRow: Sendable, Hashable, Encodable {
        public var name: String, href: String
        /// The unit's overdue tasks, in the first table only.
        public var tasksCell: String?
        public var cells: [Cell]
    }
    /// A unit on a phone: its worst figures and what it has overdue.
    public struct UnitBlock: Sendable, Encodable {
        public var name: String, href: String, counts: String
        public var worst: [BlockFigure]
        public var overdue: String
        public var statusClass: String
    }
    public struct BlockFigure: Sendable, Encodable {
        public var name: String, text: String, mark: String, statusClass: String, statusLabel: String
    }
    /// One line of "Cần chỉ đạo": a target missed or at risk, or an overdue plan task.
    public struct AttentionLine: Sendable, Encodable {
        public var statusClass: String
        /// "Chưa đạt", "Có nguy cơ", "Quá hạn 12 ngày".
        public var badge: String
        public var ref: String?
        public var title: String
        /// Where the line's details are on this page (its card, the task table).
        public var href: String
        /// "60,2 %, mục tiêu ≥ 100 %" or "hạn 15/01/2026".
        public var figure: String?
        /// What closes it: "cần thêm 134 văn bản xin lỗi; nhiều nhất ở Phòng Kinh tế: 40".
        public var action: String?
        public var lead: String?
        public var leadHref: String?
    }
    public struct Attention: Sendable, Encodable {
        public var lines: [AttentionLine]
        /// "Còn 3 chỉ tiêu … khác" when more than `AttentionList.limit` lines would be needed.
        public var more: String?
        public var empty: Bool
    }
    public struct TaskRow: Sendable, Encodable {
        /// `planRef` and `monitoring` are nil when the task has none: the template then gives the
        /// cell no label (a phone shows no empty "Mục KH:").
        public var id: String, title: String, planRef: String?, lead: String, monitoring: String?, due: String, days: String
    }
    /// One of the six QĐ 766 groups in the panel's chart: `width` is the bar's length out of 100.
    public struct QD766Bar: Sendable, Encodable {
        public var name: String, score: String, max: String, width: String
        /// "chiso ước tính 5,2" where the portal's published figures replaced chiso's own in the group.
        public var estimate: String?
    }
    public struct QD766Panel: Sendable, Encodable {
        public var score: String, band: String, bandClass: String
        public var bars: [QD766Bar]
        /// "đồng bộ thêm 10 hồ sơ lên Cổng DVCQG: +0,6 điểm", most points first.
        public var actions: [String]
        public var hasActions: Bool
        /// Which inputs were entered by hand, inherited, or are missing.
        public var sources: [String]
    }
    public struct AlertRow: Sendable, Encodable { public var unit: String, day: String, status: String, reason: String }
    public struct DossierRow: Sendable, Encodable {
        public var name: String, href: String?, overdue: String, lateWithoutApology: String, total: Bool
    }

    public var lang: String
    public var title: String
    public var heading: String
    public var plan: String
    public var breadcrumb: [Link]
    public var hasBreadcrumb: Bool
    public var asOf: String
    public var stale: String?
    public var periodTabs: [Link]
    public var languageLink: Link
    public var periodName: String
    public var summary: Summary
    /// "Cần chỉ đạo", right under the tiles.
    public var attention: Attention
    /// The QĐ 766 estimate of the unit and period shown (nil: not estimated).
    public var qd766: QD766Panel?
    public var sections: [Section]
    public var unitTables: [UnitTable]
    public var unitBlocks: [UnitBlock]
    public var hasUnitRows: Bool
    public var overdueTasks: [TaskRow]
    public var hasOverdueTasks: Bool
    public var overdueCount: String
    /// "… và 123 nhiệm vụ khác" when a table shows only the first `TasksModel.rowsPerTable`.
    public var moreOverdueTasks: String?
    public var moreDueSoonTasks: String?
    public var dueSoonTasks: [TaskRow]
    public var hasDueSoonTasks: Bool
    public var dossierRows: [DossierRow]
    /// Digests that reached nobody (no address) or failed for good, last 7 days: never silently dropped.
    public var alertProblems: [AlertRow]
    public var hasAlertProblems: Bool
    /// Whether chiso serves this page (the JSON and metrics links work) rather than a file on disk.
    public var served: Bool
    /// The A4 page header (`@page @top-left`), as a CSS string literal: every character but letters,
    /// digits and spaces is a CSS escape, so no text can leave the string or the style element.
    public var printHeader: String
    public var jsonHref: String
    public var metricsHref: String
    public var generatedAt: String
    public var labels: PageLabels
}

extension IndicatorStatus {
    /// A one-character mark that, with the colour, tells the status in dense tables (legend below them).
    public var mark: String {
        switch self {
        case .met: "✓"
        case .atRisk: "!"
        case .missed: "✗"
        case .noData: ""
        }
    }

    /// The CSS class of a status (colour is never the only signal: the label is always printed).
    public var cssClass: String {
        switch self {
        case .met: "met"
        case .atRisk: "at-risk"
        case .missed: "missed"
        case .noData: "no-data"
        }
    }
}

import Foundation

/// Which page: the language, the period of the figures and the unit (nil: the root, the commune).
public struct PageRequest: Sendable, Hashable {
    public var language: Format.Language
    public var period: PeriodKind
    public var unitID: String?

    public init(language: Format.Language = .vi, period: PeriodKind = .year, unitID: String? = nil) {
        self.language = language
        self.period = period
        self.unitID = unitID
    }
}

/// How pages link to each other: served by chiso (`/?lang=en&period=quarter`) or as files in the
/// output directory (`en/quarter.html`), so that the copy on disk works opened from a folder.
public enum PageLinks: Sendable {
    case query
    case files
}

/// Why the page warns that its figures may be out of date.
public struct Staleness: Sendable, Equatable {
    /// When refreshing started to fail (or, for a silent daemon, the last success).
    public var since: Date?
    public init(since: Date?) { self.since = since }
}

/// Where each page of the static site lives, relative to the output directory.
///
/// `index.html`, `quarter.html`, `month.html`; the same under `en/`; a unit's pages under
/// `units/<slug>.html`, `units/<slug>.quarter.html`, `units/<slug>.month.html`.
public struct SiteLayout: Sendable {
    /// File-name-safe, unique names for the units (ids may hold `/` or other characters).
    public let slugs: [String: String]

    public init(units: [Unit]) {
        var slugs: [String: String] = [:]
        var taken: Set<String> = []
        for unit in units {
            let base = String(unit.id.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
            var slug = base.isEmpty ? "unit" : base
            var counter = 2
            while !taken.insert(slug).inserted {
                slug = "\(base)-\(counter)"
                counter += 1
            }
            slugs[unit.id] = slug
        }
        self.slugs = slugs
    }

    /// The page's path relative to the output directory; nil for an unknown unit.
    public func path(_ request: PageRequest, rootID: String?) -> String? {
        var path = request.language == .en ? "en/" : ""
        let suffix = request.period == .year ? "" : ".\(request.period.rawValue)"
        if let unit = request.unitID, unit != rootID {
            guard let slug = slugs[unit] else { return nil }
            path += "units/\(slug)\(suffix).html"
        } else {
            path += request.period == .year ? "index.html" : "\(request.period.rawValue).html"
        }
        return path
    }

    /// A link from the page at `from` to the page at `to`, both relative to the output directory.
    public static func relative(from: String, to: String) -> String {
        let depth = from.split(separator: "/").count - 1
        return String(repeating: "../", count: depth) + to
    }
}

/// Everything the status page template shows, already formatted and escaped-by-template:
/// plain strings, booleans and arrays, so the mustache template holds no logic.
public struct StatusPageView: Sendable {
    public struct Link: Sendable { public var label: String; public var href: String; public var current: Bool }
    public struct Summary: Sendable {
        public var met: String, atRisk: String, missed: String, noData: String, total: String
    }
    public struct Projection: Sendable {
        public var projected: String
        public var projectedStatusClass: String
        public var requirement: String
    }
    public struct Spark: Sendable {
        public var points: String, lastX: String, lastY: String, targetY: String, description: String
        public var hasLine: Bool
    }
    public struct Card: Sendable {
        public var id: String, planRef: String, name: String
        public var value: String, target: String, gap: String?, counts: String
        public var statusClass: String, statusLabel: String
        public var manual: Bool
        public var spark: Spark?
        public var projection: Projection?
    }
    public struct Section: Sendable {
        public var ref: String, title: String, anchor: String
        public var cards: [Card]
        public var met: String, total: String
    }
    public struct Cell: Sendable { public var text: String; public var mark: String; public var statusClass: String; public var statusLabel: String }
    public struct Column: Sendable { public var short: String; public var name: String }
    public struct UnitRow: Sendable {
        public var name: String, href: String, overdueTasks: String
        public var cells: [Cell]
        public var missed: String
    }
    public struct TaskRow: Sendable {
        public var id: String, title: String, planRef: String, lead: String, monitoring: String, due: String, days: String
    }
    public struct AlertRow: Sendable { public var unit: String, day: String, status: String, reason: String }
    public struct DossierRow: Sendable {
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
    public var sections: [Section]
    public var columns: [Column]
    public var unitRows: [UnitRow]
    public var hasUnitRows: Bool
    public var overdueTasks: [TaskRow]
    public var hasOverdueTasks: Bool
    public var overdueCount: String
    /// "… và 123 nhiệm vụ khác" when a table shows only the first `taskRowsPerTable`.
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

/// The page's fixed words, in one language.
public struct PageLabels: Sendable {
    public var pageTitle, updated, staleTitle, periodSwitch, summaryTitle, met, atRisk, missed, noData, ofIndicators: String
    public var target, gap, counts, trend, projection, required, manual, unitsTitle, unitsCaption, unit, overdueTasksShort: String
    public var tasksTitle, dueSoonTitle, noOverdue, noDueSoon, task, planRef, lead, monitoring, due, daysOverdue, daysLeft: String
    public var dossiersTitle, overdueDossiers, lateWithoutApology, total, footer, json, metrics, skip: String
    public var alertsTitle, alertDay, alertStatus, alertReason, undeliverable, failed: String

    public static let vi = PageLabels(
        pageTitle: "Chỉ số cải cách hành chính", updated: "Cập nhật lúc", staleTitle: "Số liệu có thể đã cũ",
        periodSwitch: "Kỳ số liệu", summaryTitle: "Tổng quan", met: "Đạt", atRisk: "Có nguy cơ", missed: "Chưa đạt",
        noData: "Chưa có dữ liệu", ofIndicators: "chỉ tiêu", target: "Mục tiêu", gap: "Chênh lệch", counts: "Số lượng",
        trend: "Diễn biến từ đầu năm", projection: "Dự báo cuối năm", required: "Cần đạt", manual: "nhập tay",
        unitsTitle: "Theo đơn vị", unitsCaption: "Các đơn vị trực thuộc, đơn vị nhiều chỉ tiêu chưa đạt nhất ở trên cùng",
        unit: "Đơn vị", overdueTasksShort: "NV quá hạn",
        tasksTitle: "Nhiệm vụ quá hạn", dueSoonTitle: "Nhiệm vụ đến hạn trong 7 ngày", noOverdue: "Không có nhiệm vụ quá hạn.",
        noDueSoon: "Không có nhiệm vụ đến hạn trong 7 ngày tới.", task: "Nhiệm vụ", planRef: "Mục KH", lead: "Chủ trì",
        monitoring: "Theo dõi", due: "Hạn", daysOverdue: "Số ngày quá hạn", daysLeft: "Còn (ngày)",
        dossiersTitle: "Hồ sơ thủ tục hành chính", overdueDossiers: "Hồ sơ quá hạn chưa giải quyết",
        lateWithoutApology: "Hồ sơ trễ hạn chưa có thư xin lỗi", total: "Tổng",
        footer: "Trang do chiso tạo tự động từ cơ sở dữ liệu; số liệu tính đến thời điểm cập nhật.",
        json: "Dữ liệu JSON", metrics: "Prometheus", skip: "Bỏ qua, đến nội dung chính",
        alertsTitle: "Thư nhắc việc chưa gửi được", alertDay: "Ngày", alertStatus: "Tình trạng", alertReason: "Lý do",
        undeliverable: "Không có địa chỉ nhận", failed: "Gửi không thành công")

    public static let en = PageLabels(
        pageTitle: "Administrative reform indicators", updated: "As of", staleTitle: "Figures may be out of date",
        periodSwitch: "Period", summaryTitle: "Summary", met: "Met", atRisk: "At risk", missed: "Missed",
        noData: "No data", ofIndicators: "indicators", target: "Target", gap: "Gap", counts: "Count",
        trend: "Year-to-date trend", projection: "Year-end projection", required: "Needs", manual: "entered by hand",
        unitsTitle: "By unit", unitsCaption: "Units below, the one with the most missed targets first",
        unit: "Unit", overdueTasksShort: "Overdue tasks",
        tasksTitle: "Overdue plan tasks", dueSoonTitle: "Tasks due within 7 days", noOverdue: "No overdue tasks.",
        noDueSoon: "No task falls due in the next 7 days.", task: "Task", planRef: "Plan ref", lead: "Lead unit",
        monitoring: "Monitoring", due: "Due", daysOverdue: "Days overdue", daysLeft: "Days left",
        dossiersTitle: "Administrative dossiers", overdueDossiers: "Overdue, not yet resolved",
        lateWithoutApology: "Late without an apology letter", total: "Total",
        footer: "Generated by chiso from the database; figures as of the time above.",
        json: "JSON data", metrics: "Prometheus", skip: "Skip to the content",
        alertsTitle: "Alert mails not delivered", alertDay: "Day", alertStatus: "Status", alertReason: "Reason",
        undeliverable: "No address to send to", failed: "Delivery failed")

    public static func of(_ language: Format.Language) -> PageLabels { language == .vi ? vi : en }
}

extension IndicatorStatus {
    /// The CSS class of a status (colour is never the only signal: the label is always printed).
    /// A one-character mark that, with the colour, tells the status in dense tables (legend below them).
    public var mark: String {
        switch self {
        case .met: "✓"
        case .atRisk: "!"
        case .missed: "✗"
        case .noData: ""
        }
    }

    public var cssClass: String {
        switch self {
        case .met: "met"
        case .atRisk: "at-risk"
        case .missed: "missed"
        case .noData: "no-data"
        }
    }
}

/// Builds the view of one page from a snapshot. Pure: the same inputs give the same page.
public enum StatusPageModel {
    public enum Failure: Error, Equatable { case unknownUnit(String) }

    public static func build(
        _ snapshot: Snapshot, history: TrendHistory, request: PageRequest, links: PageLinks,
        staleness: Staleness?, layout: SiteLayout? = nil, alerts: AlertSummary? = nil
    ) throws -> StatusPageView {
        let lang = request.language
        let labels = PageLabels.of(lang)
        let calendar = PlanCalendar(timeZone: snapshot.timeZone)
        let tree = UnitTree(snapshot.units)
        let root = snapshot.units.first
        let unitID = request.unitID ?? root?.id
        let unit = unitID.flatMap { id in snapshot.units.first { $0.id == id } }
        if let wanted = request.unitID, unit == nil { throw Failure.unknownUnit(wanted) }
        let layout = layout ?? SiteLayout(units: snapshot.units)
        let here = layout.path(request, rootID: root?.id) ?? "index.html"
        func href(_ target: PageRequest) -> String {
            switch links {
            case .files:
                return SiteLayout.relative(from: here, to: layout.path(target, rootID: root?.id) ?? "index.html")
            case .query:
                var items: [String] = []
                if target.language == .en { items.append("lang=en") }
                if target.period != .year { items.append("period=\(target.period.rawValue)") }
                if let id = target.unitID, id != root?.id { items.append("unit=\(queryEscape(id))") }
                return items.isEmpty ? "./" : "?" + items.joined(separator: "&")
            }
        }
        let names = Dictionary(snapshot.units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let today = calendar.localDate(of: snapshot.asOf)
        let resultIndex = Dictionary(
            snapshot.results(of: unitID ?? "").map { ("\($0.indicator)|\($0.period.rawValue)", $0) },
            uniquingKeysWith: { a, _ in a })
        func result(_ indicator: String, _ period: PeriodKind) -> IndicatorResult? { resultIndex["\(indicator)|\(period.rawValue)"] }

        // Cards, grouped by plan section.
        var summaryCounts: [IndicatorStatus: Int] = [:]
        var sections: [StatusPageView.Section] = []
        let year = today.year
        let daysInYear = LocalDate(year: year + 1, month: 1, day: 1).dayNumber - LocalDate(year: year, month: 1, day: 1).dayNumber
        let dayOfYear = today.dayNumber - LocalDate(year: year, month: 1, day: 1).dayNumber + 1
        for group in snapshot.catalogue.grouped() {
            var cards: [StatusPageView.Card] = []
            var met = 0
            for definition in group.indicators {
                guard let figure = result(definition.id, request.period) else { continue }
                summaryCounts[figure.status, default: 0] += 1
                if figure.status == .met { met += 1 }
                var card = StatusPageView.Card(
                    id: definition.id, planRef: definition.planRef,
                    name: lang == .vi ? definition.nameVI : definition.nameEN,
                    value: figure.value.map { Format.percent($0, lang) } ?? "—",
                    target: Format.target(definition, lang),
                    gap: figure.value.map { Format.gap($0, target: definition.target, lang) },
                    counts: "\(Format.count(figure.tally.numerator, lang))\u{00A0}/\u{00A0}\(Format.count(figure.tally.denominator, lang))",
                    statusClass: figure.status.cssClass, statusLabel: figure.status.label(lang),
                    manual: definition.source == .manual, spark: nil, projection: nil)
                if request.period == .year, let unitID {
                    let series = history.series(indicator: definition.id, unit: unitID)
                    // A line needs two days; a lone dot says nothing about a trend.
                    if series.filter({ $0.ratio != nil }).count >= 2, let line = Sparkline.make(series, year: year, target: definition.target) {
                        let description = lang == .vi
                            ? "Diễn biến từ đầu năm: \(series.count) ngày có số liệu, mục tiêu \(Format.target(definition, lang))"
                            : "Year-to-date trend: \(series.count) days with figures, target \(Format.target(definition, lang))"
                        card.spark = .init(points: line.points, lastX: line.lastX, lastY: line.lastY, targetY: line.targetY,
                                           description: description, hasLine: line.points.contains(" "))
                    }
                    if definition.source == .computed, ComputedIndicator(rawValue: definition.id)?.rollup == .sum,
                       let projection = YearEndProjection.project(
                           year: figure.tally, recent: result(definition.id, .quarter)?.tally,
                           dayOfYear: dayOfYear, daysInYear: daysInYear,
                           comparator: definition.comparator, target: definition.target) {
                        card.projection = projectionView(projection, definition: definition, catalogue: snapshot.catalogue, lang)
                    }
                }
                cards.append(card)
            }
            guard !cards.isEmpty else { continue }
            sections.append(.init(
                ref: group.section.ref,
                title: lang == .vi ? group.section.nameVI : group.section.nameEN,
                anchor: "muc-" + group.section.ref.replacingOccurrences(of: ".", with: "-"),
                cards: cards, met: Format.integer(met, lang), total: Format.integer(cards.count, lang)))
        }
        let total = summaryCounts.values.reduce(0, +)
        let summary = StatusPageView.Summary(
            met: Format.integer(summaryCounts[.met] ?? 0, lang), atRisk: Format.integer(summaryCounts[.atRisk] ?? 0, lang),
            missed: Format.integer(summaryCounts[.missed] ?? 0, lang), noData: Format.integer(summaryCounts[.noData] ?? 0, lang),
            total: Format.integer(total, lang))

        // Units directly below this one, worst first.
        let columns = snapshot.catalogue.indicators.filter {
            $0.source == .computed && ComputedIndicator(rawValue: $0.id).map { $0.rollup != .catalogue } == true
        }
        let children = snapshot.units.filter { $0.parentID != nil && $0.parentID == unitID }
        var byUnit: [String: [String: IndicatorResult]] = [:]
        let childIDs = Set(children.map(\.id))
        for child in childIDs {
            for figure in snapshot.results(of: child) where figure.period == request.period {
                byUnit[child, default: [:]][figure.indicator] = figure
            }
        }
        var rows: [(missed: Int, atRisk: Int, name: String, row: StatusPageView.UnitRow)] = []
        for child in children {
            var missed = 0, atRisk = 0
            let cells = columns.map { definition -> StatusPageView.Cell in
                guard let figure = byUnit[child.id]?[definition.id] else {
                    return .init(text: "—", mark: "", statusClass: IndicatorStatus.noData.cssClass, statusLabel: IndicatorStatus.noData.label(lang))
                }
                if figure.status == .missed { missed += 1 }
                if figure.status == .atRisk { atRisk += 1 }
                return .init(text: figure.value.map { Format.percent($0, lang) } ?? "—", mark: figure.status.mark,
                             statusClass: figure.status.cssClass, statusLabel: figure.status.label(lang))
            }
            let row = StatusPageView.UnitRow(
                name: child.name, href: href(PageRequest(language: lang, period: request.period, unitID: child.id)),
                overdueTasks: Format.integer(snapshot.tasksOverdueByUnit[child.id] ?? 0, lang),
                cells: cells, missed: Format.integer(missed, lang))
            rows.append((missed, atRisk, child.name, row))
        }
        rows.sort { ($1.missed, $1.atRisk, $0.name) < ($0.missed, $0.atRisk, $1.name) }

        // Tasks led by this unit or a unit below it.
        let subtree: Set<String> = Set(snapshot.units.filter { tree.lineage(of: $0.id).contains(unitID ?? "") }.map(\.id))
        func taskRow(_ task: OpenTask, days: Int) -> StatusPageView.TaskRow {
            .init(id: task.id, title: task.title, planRef: task.planRef ?? "",
                  lead: names[task.leadUnitID] ?? task.leadUnitID,
                  monitoring: task.monitoringUnitID.map { names[$0] ?? $0 } ?? "",
                  due: Format.date(task.dueDate, lang), days: Format.integer(days, lang))
        }
        // A province has thousands: the page lists the most overdue (and the soonest due), then says how many more.
        let allOverdue = snapshot.overdueTasks.filter { subtree.contains($0.task.leadUnitID) }
        let allDueSoon = snapshot.dueSoonTasks.filter { subtree.contains($0.task.leadUnitID) }
        let overdue = allOverdue.prefix(Self.taskRowsPerTable).map { taskRow($0.task, days: $0.daysOverdue) }
        let dueSoon = allDueSoon.prefix(Self.taskRowsPerTable).map { taskRow($0.task, days: $0.daysLeft) }
        func more(_ total: Int, _ shown: Int) -> String? {
            guard total > shown else { return nil }
            return lang == .vi ? "… và \(Format.integer(total - shown, lang)) nhiệm vụ khác: xem trang của từng đơn vị."
                : "… and \(Format.integer(total - shown, lang)) more: see each unit's page."
        }

        // Dossiers: children, then this unit's total.
        func lateWithoutApology(_ id: String) -> Int {
            guard let figure = snapshot.result(ComputedIndicator.lateDossiersApologised.rawValue, unit: id, period: request.period) else { return 0 }
            return NSDecimalNumber(decimal: figure.tally.denominator - figure.tally.numerator).intValue
        }
        // Worst first: most overdue, then most late without apology.
        let ranked = children.map { child in
            (child, snapshot.dossiersOverdueByUnit[child.id] ?? 0, lateWithoutApology(child.id))
        }.sorted { ($1.1, $1.2, $0.0.name) < ($0.1, $0.2, $1.0.name) }
        var dossierRows = ranked.map { child, overdue, late in
            StatusPageView.DossierRow(
                name: child.name, href: href(PageRequest(language: lang, period: request.period, unitID: child.id)),
                overdue: Format.integer(overdue, lang),
                lateWithoutApology: Format.integer(late, lang), total: false)
        }
        if let unitID {
            dossierRows.append(.init(
                name: children.isEmpty ? (names[unitID] ?? unitID) : labels.total, href: nil,
                overdue: Format.integer(snapshot.dossiersOverdueByUnit[unitID] ?? 0, lang),
                lateWithoutApology: Format.integer(lateWithoutApology(unitID), lang), total: true))
        }

        let alertRows = (alerts?.problems ?? []).filter { subtree.contains($0.unitID) }.map { problem in
            StatusPageView.AlertRow(
                unit: names[problem.unitID] ?? problem.unitID, day: Format.date(problem.localDay, lang),
                status: problem.status == .undeliverable ? labels.undeliverable : labels.failed, reason: problem.reason)
        }

        let periodNames: [PeriodKind: (vi: String, en: String)] = [
            .year: ("Năm \(year) đến nay", "Year \(year) to date"),
            .quarter: ("Quý \((today.month - 1) / 3 + 1)/\(year) đến nay", "Q\((today.month - 1) / 3 + 1) \(year) to date"),
            .month: ("Tháng \(LocalDate.pad(today.month, 2))/\(year) đến nay", "\(monthNamesEN[today.month - 1]) \(year) to date"),
        ]
        let periodTabs = PeriodKind.allCases.map { kind in
            StatusPageView.Link(
                label: lang == .vi ? periodNames[kind]!.vi : periodNames[kind]!.en,
                href: href(PageRequest(language: lang, period: kind, unitID: request.unitID)), current: kind == request.period)
        }
        let other: Format.Language = lang == .vi ? .en : .vi
        let lineage = unitID.map { tree.lineage(of: $0).reversed() } ?? []
        let breadcrumb = lineage.dropLast().map { id in
            StatusPageView.Link(label: names[id] ?? id, href: href(PageRequest(language: lang, period: request.period, unitID: id)), current: false)
        }
        let staleText: String? = staleness.map { stale in
            let since = stale.since.map { Format.dateTime($0, calendar: calendar, lang) } ?? "?"
            let shown = Format.dateTime(snapshot.asOf, calendar: calendar, lang)
            return lang == .vi
                ? "Không cập nhật được số liệu từ \(since). Trang đang hiển thị lần cập nhật thành công gần nhất (\(shown))."
                : "Refreshing has been failing since \(since). The page shows the last successful refresh (\(shown))."
        }
        let rootName = root?.name ?? "chiso"
        let heading = unit?.name ?? rootName
        let apiPrefix = links == .files ? SiteLayout.relative(from: here, to: "") : ""
        return StatusPageView(
            lang: lang.rawValue,
            title: "\(heading) — \(labels.pageTitle)",
            heading: heading,
            plan: snapshot.catalogue.plan,
            breadcrumb: Array(breadcrumb),
            hasBreadcrumb: !breadcrumb.isEmpty,
            asOf: Format.dateTime(snapshot.asOf, calendar: calendar, lang),
            stale: staleText,
            periodTabs: periodTabs,
            languageLink: .init(label: other == .vi ? "Tiếng Việt" : "English",
                                href: href(PageRequest(language: other, period: request.period, unitID: request.unitID)), current: false),
            periodName: lang == .vi ? periodNames[request.period]!.vi : periodNames[request.period]!.en,
            summary: summary, sections: sections,
            columns: columns.map { .init(short: (lang == .vi ? $0.shortVI : $0.shortEN) ?? (lang == .vi ? $0.nameVI : $0.nameEN),
                                         name: lang == .vi ? $0.nameVI : $0.nameEN) },
            unitRows: rows.map(\.row), hasUnitRows: !rows.isEmpty,
            overdueTasks: overdue, hasOverdueTasks: !overdue.isEmpty, overdueCount: Format.integer(allOverdue.count, lang),
            moreOverdueTasks: more(allOverdue.count, overdue.count), moreDueSoonTasks: more(allDueSoon.count, dueSoon.count),
            dueSoonTasks: dueSoon, hasDueSoonTasks: !dueSoon.isEmpty, dossierRows: dossierRows,
            alertProblems: alertRows, hasAlertProblems: !alertRows.isEmpty,
            served: links == .query,
            printHeader: cssString("\(heading) — \(labels.updated) \(Format.dateTime(snapshot.asOf, calendar: calendar, lang))"),
            jsonHref: apiPrefix + "api/v1/snapshot", metricsHref: apiPrefix + "metrics",
            generatedAt: Format.dateTime(snapshot.refreshedAt, calendar: calendar, lang),
            labels: labels)
    }

    /// Rows of the overdue and due-soon tables at most (a province's page stays readable).
    public static let taskRowsPerTable = 50

    static let monthNamesEN = ["January", "February", "March", "April", "May", "June", "July", "August",
                               "September", "October", "November", "December"]

    static func projectionView(_ projection: YearEndProjection, definition: IndicatorDefinition, catalogue: Catalogue,
                               _ lang: Format.Language) -> StatusPageView.Projection {
        let status = IndicatorStatus.of(
            Tally(numerator: Decimal(projection.projected), denominator: 1),
            comparator: definition.comparator, target: definition.target, margin: catalogue.margin(for: definition))
        let requirement: String
        switch projection.outlook {
        case .secured:
            requirement = lang == .vi ? "Đã chắc chắn đạt mục tiêu" : "Target secured"
        case .unreachable:
            requirement = lang == .vi ? "Không còn đạt được trong năm" : "Can no longer be met this year"
        case .needs(let rate):
            let share = Format.percent(rate, lang)
            switch definition.comparator {
            case .greaterOrEqual:
                requirement = lang == .vi ? "Cần đạt ít nhất \(share) số còn lại của năm" : "Needs at least \(share) of the rest of the year"
            case .greaterThan:
                requirement = lang == .vi ? "Cần đạt trên \(share) số còn lại của năm" : "Needs over \(share) of the rest of the year"
            case .lessOrEqual:
                requirement = lang == .vi ? "Tối đa \(share) số còn lại của năm" : "At most \(share) of the rest of the year"
            case .lessThan:
                requirement = lang == .vi ? "Dưới \(share) số còn lại của năm" : "Under \(share) of the rest of the year"
            }
        }
        return .init(projected: Format.percent(projection.projected, lang), projectedStatusClass: status.cssClass, requirement: requirement)
    }

    /// A CSS string literal holding `text`; ASCII letters and digits stay, everything else becomes a
    /// six-digit escape (`\\00003c`), which can neither end the string nor the `<style>` element.
    public static func cssString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            // Spaces too: a space right after an escape would be eaten as its terminator.
            if scalar.isASCII && CharacterSet.alphanumerics.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                let hex = String(scalar.value, radix: 16)
                out += "\\" + String(repeating: "0", count: max(0, 6 - hex.count)) + hex
            }
        }
        return out + "\""
    }

    /// Percent-encodes a unit id for a query string (ids are not assumed to be URL-safe).
    static func queryEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

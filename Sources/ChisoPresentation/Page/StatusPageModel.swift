import ChisoCore
import Foundation

/// Builds the view of one page from a snapshot. Pure: the same inputs give the same page.
///
/// The page's parts each have their file: `CardsModel` (summary and cards by plan section),
/// `AttentionModel` ("Cần chỉ đạo", under the tiles),
/// `UnitsModel` (the units below), `TasksModel` (overdue and due-soon tasks), `DossiersModel`
/// (dossiers and undelivered digests); this file holds the frame around them (heading,
/// breadcrumb, period tabs, stale banner, footer).
public enum StatusPageModel {
    public enum Failure: Error, Equatable { case unknownUnit(String) }

    public static func build(
        _ snapshot: Snapshot, history: TrendHistory, request: PageRequest, links: PageLinks,
        staleness: Staleness?, layout: SiteLayout? = nil, alerts: AlertSummary? = nil
    ) throws -> StatusPageView {
        let page = try PageContext(snapshot, history: history, request: request, links: links, layout: layout)
        let lang = page.lang, labels = page.labels, calendar = page.calendar
        let (sections, summary) = CardsModel.sections(page)
        let columns = UnitsModel.columns(page)
        let ranked = UnitsModel.ranked(columns, page)
        let tasks = TasksModel.tables(page)
        let alertRows = DossiersModel.alertRows(alerts, page)
        let breadcrumb = self.breadcrumb(page)
        let heading = page.unit?.name ?? page.root?.name ?? "chiso"
        let apiPrefix = links == .files ? SiteLayout.relative(from: page.here, to: "") : ""
        let asOf = Format.dateTime(snapshot.asOf, calendar: calendar, lang)
        let other: Format.Language = lang == .vi ? .en : .vi
        return StatusPageView(
            lang: lang.rawValue,
            title: "\(heading) — \(labels.pageTitle)",
            heading: heading,
            plan: Self.planLine(lang == .en ? (snapshot.catalogue.planEN ?? snapshot.catalogue.plan) : snapshot.catalogue.plan, heading: heading),
            breadcrumb: breadcrumb,
            hasBreadcrumb: !breadcrumb.isEmpty,
            asOf: asOf,
            stale: staleText(staleness, page),
            periodTabs: PeriodKind.allCases.map { kind in
                StatusPageView.Link(
                    label: periodName(kind, page), href: page.href(PageRequest(language: lang, period: kind, unitID: request.unitID)),
                    current: kind == request.period)
            },
            languageLink: .init(
                label: other == .vi ? "Tiếng Việt" : "English",
                href: page.href(PageRequest(language: other, period: request.period, unitID: request.unitID)), current: false),
            periodName: periodName(request.period, page),
            summary: summary, attention: AttentionModel.block(page), qd766: QD766Model.panel(page), sections: sections,
            unitTables: UnitsModel.tables(columns, ranked, page), unitBlocks: UnitsModel.blocks(columns, ranked, page),
            hasUnitRows: !ranked.isEmpty,
            overdueTasks: tasks.overdue, hasOverdueTasks: !tasks.overdue.isEmpty, overdueCount: Format.integer(tasks.overdueTotal, lang),
            moreOverdueTasks: tasks.moreOverdue, moreDueSoonTasks: tasks.moreDueSoon,
            dueSoonTasks: tasks.dueSoon, hasDueSoonTasks: !tasks.dueSoon.isEmpty, dossierRows: DossiersModel.rows(page),
            alertProblems: alertRows, hasAlertProblems: !alertRows.isEmpty,
            served: links == .query,
            printHeader: printHeader(heading: heading, labels: labels, asOfCSS: cssString(asOf)),
            jsonHref: apiPrefix + "api/v1/snapshot", metricsHref: apiPrefix + "metrics",
            generatedAt: Format.dateTime(snapshot.refreshedAt, calendar: calendar, lang),
            labels: labels)
    }

    /// The units above this one, root first (this one is the heading).
    static func breadcrumb(_ page: PageContext) -> [StatusPageView.Link] {
        let lineage = page.unitID.map { page.tree.lineage(of: $0).reversed() } ?? []
        return lineage.dropLast().map { id in StatusPageView.Link(label: page.name(id), href: page.href(unit: id), current: false) }
    }

    /// "Năm 2026 đến nay", "Quý 2/2026 đến nay", "Tháng 06/2026 đến nay" (or in English).
    static func periodName(_ kind: PeriodKind, _ page: PageContext) -> String {
        let today = page.today, year = today.year, vi = page.lang == .vi
        switch kind {
        case .year: return vi ? "Năm \(year) đến nay" : "Year \(year) to date"
        case .quarter: return vi ? "Quý \((today.month - 1) / 3 + 1)/\(year) đến nay" : "Q\((today.month - 1) / 3 + 1) \(year) to date"
        case .month: return vi ? "Tháng \(LocalDate.pad(today.month, 2))/\(year) đến nay" : "\(monthNamesEN[today.month - 1]) \(year) to date"
        }
    }

    static func staleText(_ staleness: Staleness?, _ page: PageContext) -> String? {
        staleness.map { stale in
            let since = stale.since.map { Format.dateTime($0, calendar: page.calendar, page.lang) } ?? "?"
            let shown = Format.dateTime(page.snapshot.asOf, calendar: page.calendar, page.lang)
            return page.lang == .vi
                ? "Không cập nhật được số liệu từ \(since). Trang đang hiển thị lần cập nhật thành công gần nhất (\(shown))."
                : "Refreshing has been failing since \(since). The page shows the last successful refresh (\(shown))."
        }
    }

    static let monthNamesEN = [
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ]

    /// The running head of a printed page, a CSS `content` value: "Xã … — Cập nhật lúc " and the
    /// instant, as two strings (CSS joins them), so that the instant can be filled in on its own.
    public static func printHeader(heading: String, labels: PageLabels, asOfCSS: String) -> String {
        cssString("\(heading) — \(labels.updated) ") + " " + asOfCSS
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

    /// The plan's name under the heading, without a trailing " — xã Bắc Bình" that only repeats
    /// the heading ("Xã Bắc Bình"); a unit's page keeps it whole.
    static func planLine(_ plan: String, heading: String) -> String {
        guard let dash = plan.range(of: " — ", options: .backwards) else { return plan }
        let tail = plan[dash.upperBound...].trimmingCharacters(in: .whitespaces)
        let repeats =
            tail.compare(heading, options: [.caseInsensitive], locale: Locale(identifier: "vi")) == .orderedSame
            || heading.lowercased().contains(tail.lowercased()) && tail.count >= 4
        return repeats ? String(plan[..<dash.lowerBound]) : plan
    }
}

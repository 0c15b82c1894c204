import ChisoCore
import Foundation

/// The status page. A first, plain version: the full page (cards, trends, print layout) is its own work item.
/// Every text from the database goes through `Format.html`.
public enum StatusPage {
    public struct Staleness: Sendable {
        public var since: Date?
        public init(since: Date?) { self.since = since }
    }

    /// The page's stylesheet, `static/chiso.css`, compiled in and inlined so the page works
    /// opened from disk or attached to a mail.
    static let style = String(decoding: PackageResources.chiso_css, as: UTF8.self)

    public static func waiting(english: Bool, lastError: Bool) -> String {
        let lang: Format.Language = english ? .en : .vi
        let message = switch (lang, lastError) {
        case (.vi, false): "chiso đang tính các chỉ số lần đầu; trang sẽ có số liệu sau ít phút."
        case (.vi, true): "Chưa kết nối được cơ sở dữ liệu; chiso đang thử lại. Chưa có số liệu."
        case (.en, false): "chiso is computing the indicators for the first time; figures will appear shortly."
        case (.en, true): "The database cannot be reached yet; chiso keeps retrying. No figures yet."
        }
        return """
            <!DOCTYPE html><html lang="\(lang.rawValue)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <title>chiso</title><style>\(style)</style></head><body><h1>chiso</h1><p class="stale">\(message)</p></body></html>
            """
    }

    public static func render(_ snapshot: Snapshot, english: Bool, stale: Staleness?) -> String {
        let lang: Format.Language = english ? .en : .vi
        let calendar = PlanCalendar(timeZone: snapshot.timeZone)
        let root = snapshot.units.first
        var html = ""
        html.reserveCapacity(64 * 1024)
        let title = root.map { Format.html($0.name) } ?? "chiso"
        html += """
            <!DOCTYPE html><html lang="\(lang.rawValue)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <title>\(title) — \(lang == .vi ? "Chỉ số cải cách hành chính" : "Administrative reform indicators")</title><style>\(style)</style></head><body>
            <header><h1>\(title)</h1><p>\(Format.html(snapshot.catalogue.plan))</p>
            <p>\(lang == .vi ? "Cập nhật lúc" : "As of") \(Format.dateTime(snapshot.asOf, calendar: calendar, lang))</p></header>
            """
        if let stale {
            let since = stale.since.map { Format.dateTime($0, calendar: calendar, lang) } ?? "?"
            html += lang == .vi
                ? "<p class=\"stale\" role=\"alert\">Số liệu có thể đã cũ: không cập nhật được từ \(since). Đang hiển thị lần cập nhật thành công gần nhất.</p>"
                : "<p class=\"stale\" role=\"alert\">Figures may be out of date: refresh failing since \(since). Showing the last successful refresh.</p>"
        }
        if let root {
            let rows = snapshot.results.filter { $0.unitID == root.id && $0.period == .year }
            let definitions = Dictionary(snapshot.catalogue.indicators.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            html += "<h2>\(lang == .vi ? "Chỉ tiêu năm đến nay" : "Targets, year to date")</h2><table><thead><tr>"
            html += lang == .vi
                ? "<th scope=\"col\">Mục</th><th scope=\"col\">Chỉ tiêu</th><th scope=\"col\">Giá trị</th><th scope=\"col\">Mục tiêu</th><th scope=\"col\">Tử số / mẫu số</th><th scope=\"col\">Tình trạng</th>"
                : "<th scope=\"col\">Section</th><th scope=\"col\">Indicator</th><th scope=\"col\">Value</th><th scope=\"col\">Target</th><th scope=\"col\">n / N</th><th scope=\"col\">Status</th>"
            html += "</tr></thead><tbody>"
            for result in rows {
                guard let definition = definitions[result.indicator] else { continue }
                let value = result.value.map { Format.percent($0, lang) } ?? "—"
                html += "<tr><td>\(Format.html(definition.planRef))</td><td>\(Format.html(lang == .vi ? definition.nameVI : definition.nameEN))</td>"
                html += "<td class=\"n\">\(value)</td><td class=\"n\">\(Format.target(definition, lang))</td>"
                html += "<td class=\"n\">\(Format.count(result.tally.numerator, lang)) / \(Format.count(result.tally.denominator, lang))</td>"
                html += "<td class=\"\(result.status.rawValue)\">\(result.status.label(lang))</td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "<h2>\(lang == .vi ? "Nhiệm vụ quá hạn" : "Overdue tasks") (\(snapshot.overdueTasks.count))</h2>"
        if snapshot.overdueTasks.isEmpty {
            html += "<p class=\"muted\">\(lang == .vi ? "Không có nhiệm vụ quá hạn." : "No overdue tasks.")</p>"
        } else {
            let names = Dictionary(snapshot.units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            html += "<table><thead><tr>"
            html += lang == .vi
                ? "<th scope=\"col\">Nhiệm vụ</th><th scope=\"col\">Mục KH</th><th scope=\"col\">Chủ trì</th><th scope=\"col\">Hạn</th><th scope=\"col\">Số ngày quá hạn</th>"
                : "<th scope=\"col\">Task</th><th scope=\"col\">Plan ref</th><th scope=\"col\">Lead</th><th scope=\"col\">Due</th><th scope=\"col\">Days overdue</th>"
            html += "</tr></thead><tbody>"
            for entry in snapshot.overdueTasks {
                let lead = names[entry.task.leadUnitID] ?? entry.task.leadUnitID
                html += "<tr><td>\(Format.html(entry.task.title))</td><td>\(Format.html(entry.task.planRef ?? ""))</td><td>\(Format.html(lead))</td>"
                html += "<td class=\"n\">\(Format.date(entry.task.dueDate, lang))</td><td class=\"n\">\(Format.integer(entry.daysOverdue, lang))</td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "<footer><p class=\"muted\"><a href=\"\(english ? "./" : "?lang=en")\">\(english ? "Tiếng Việt" : "English")</a> · <a href=\"api/v1/snapshot\">JSON</a> · <a href=\"metrics\">metrics</a></p></footer></body></html>\n"
        return html
    }
}

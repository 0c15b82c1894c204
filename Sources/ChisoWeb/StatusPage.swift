import ChisoCore
import ChisoPresentation
import Foundation
import Mustache
import NIOCore
import Synchronization

/// Renders the status page from `static/status.mustache` (compiled in) and a `StatusPageView`.
/// The template escapes every `{{value}}`; the only unescaped insertions are the stylesheet, the
/// CSS-escaped print header and the unit tables' rows (rendered by `status-row.mustache`, which
/// escapes every value in the same way), all produced by chiso itself.
public enum StatusPage {
    /// The page's stylesheet, `static/chiso.css`, inlined so the page works opened from disk or attached to a mail.
    static let style = String(decoding: PackageResources.chiso_css, as: UTF8.self)

    static let template = document(PackageResources.status_mustache, file: "status.mustache")

    /// A compiled HTML template of `static/` (the status page, the QĐ 766 publication, the report).
    /// Each names the HTML content type in its first tag (`{{% CONTENT_TYPE: CHISO_HTML}}`).
    static func document(_ bytes: [UInt8], file: String) -> MustacheTemplate {
        MustacheContentTypes.register(PageHTML(), named: "CHISO_HTML")
        do {
            return try MustacheTemplate(string: String(decoding: bytes, as: UTF8.self))
        } catch {
            preconditionFailure("static/\(file) does not parse: \(error)")
        }
    }

    /// One page of a snapshot. Throws `StatusPageModel.Failure.unknownUnit` for a unit not in the snapshot.
    public static func render(
        _ snapshot: Snapshot, history: TrendHistory = TrendHistory(), request: PageRequest = PageRequest(),
        links: PageLinks = .query, staleness: Staleness? = nil, layout: SiteLayout? = nil, alerts: AlertSummary? = nil
    ) throws -> String {
        let view = try StatusPageModel.build(
            snapshot, history: history, request: request, links: links, staleness: staleness, layout: layout, alerts: alerts)
        return template.render(document(view))
    }

    /// What the template sees: the stylesheet, and the view with its repeated parts as HTML
    /// (`PageFragments.swift`): the cards, attention lines, unit-table rows, unit blocks and task
    /// rows are written directly, each the text of its own template in `static/`, and inserted as
    /// they are; the template engine fills in the rest of the page. A unit-table row is kept once
    /// rendered (`rows`): a province's page is ~90 % such rows (124 communes × 40 indicators), and
    /// after a few dossiers all but one or two are the rows of the last refresh.
    static func document(_ view: StatusPageView) -> [String: Any] {
        var bare = view
        for index in bare.unitTables.indices { bare.unitTables[index].rows = [] }
        for index in bare.sections.indices { bare.sections[index].cards = [] }
        bare.attention.lines = []
        (bare.unitBlocks, bare.overdueTasks, bare.dueSoonTasks) = ([], [], [])
        var page = MustacheEncoder.tree(bare) as? [String: Any] ?? [:]
        if var tables = page["unitTables"] as? [[String: Any]], tables.count == view.unitTables.count {
            for (index, table) in view.unitTables.enumerated() {
                tables[index]["rows"] = table.rows.map { row in rows.html(row) { rowHTML(row) } }
            }
            page["unitTables"] = tables
        }
        if var sections = page["sections"] as? [[String: Any]], sections.count == view.sections.count {
            for (index, section) in view.sections.enumerated() {
                sections[index]["cards"] = section.cards.map { cardHTML($0, labels: view.labels) }
            }
            page["sections"] = sections
        }
        if var attention = page["attention"] as? [String: Any] {
            attention["lines"] = view.attention.lines.map { attentionLineHTML($0, labels: view.labels) }
            page["attention"] = attention
        }
        page["unitBlocks"] = view.unitBlocks.map(unitBlockHTML)
        page["overdueTasks"] = view.overdueTasks.map { taskRowHTML($0, days: .overdue, labels: view.labels) }
        page["dueSoonTasks"] = view.dueSoonTasks.map { taskRowHTML($0, days: .left, labels: view.labels) }
        return ["css": style, "page": page]
    }

    /// The rows rendered lately, by their figures.
    static let rows = RenderedRows()

    /// One page of a snapshot with its two instants left open (`StampedPage`); nil when the page's
    /// own text holds a marker character, so that the marks cannot be found for sure (the caller then
    /// renders the page again for each snapshot).
    public static func renderStamped(
        _ snapshot: Snapshot, history: TrendHistory = TrendHistory(), request: PageRequest = PageRequest(),
        links: PageLinks = .query, layout: SiteLayout? = nil, alerts: AlertSummary? = nil
    ) throws -> StampedPage? {
        var view = try StatusPageModel.build(
            snapshot, history: history, request: request, links: links, staleness: nil, layout: layout, alerts: alerts)
        view.asOf = StampedPage.Slot.asOf.mark
        view.generatedAt = StampedPage.Slot.refreshedAt.mark
        view.printHeader = StatusPageModel.printHeader(heading: view.heading, labels: view.labels, asOfCSS: StampedPage.Slot.asOfCSS.mark)
        let html = template.render(document(view))
        return StampedPage(html: html, language: request.language, timeZone: snapshot.timeZone)
    }

    /// The page before the first successful refresh: never a blank page.
    public static func waiting(english: Bool, lastError: Bool) -> String {
        let lang: Format.Language = english ? .en : .vi
        let message =
            switch (lang, lastError) {
            case (.vi, false): "chiso đang tính các chỉ số lần đầu; trang sẽ có số liệu sau ít phút."
            case (.vi, true): "Chưa kết nối được cơ sở dữ liệu; chiso đang thử lại. Chưa có số liệu."
            case (.en, false): "chiso is computing the indicators for the first time; figures will appear shortly."
            case (.en, true): "The database cannot be reached yet; chiso keeps retrying. No figures yet."
            }
        return """
            <!DOCTYPE html><html lang="\(lang.rawValue)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <meta http-equiv="refresh" content="30"><title>chiso</title><style>\(style)</style></head><body><header class="top"><h1>chiso</h1></header>
            <p class="stale" role="status">\(message)</p></body></html>
            """
    }
}

/// Unit-table rows as rendered, by their view (names, links, figures): a row is a pure function
/// of it. Two generations, so that what the last refreshes rendered stays and older rows go: when
/// the current one holds `capacity` bytes of HTML it becomes the previous one (a row found there
/// moves back). Rendering happens outside the lock.
final class RenderedRows: Sendable {
    private struct Generations {
        var current: [StatusPageView.UnitTableRow: String] = [:]
        var previous: [StatusPageView.UnitTableRow: String] = [:]
        var currentBytes = 0
    }

    /// Bytes of HTML per generation: a province's root pages (12 variants, ~0.35 MB of rows each)
    /// and a commune's fit in one; two hold a changed pass's rows. Measured at province scale
    /// (`scripts/bench`, one run each): 8 MB made serve's RSS 249 MiB against 232 MiB at 4 MB,
    /// for the 12 page files of a one-commune change in 0.31 s against 0.45 s.
    let capacity: Int
    private let generations = Mutex(Generations())

    init(capacity: Int = 4 << 20) { self.capacity = capacity }

    func html(_ row: StatusPageView.UnitTableRow, render: () -> String) -> String {
        let kept: String? = generations.withLock { state in
            if let html = state.current[row] { return html }
            guard let html = state.previous[row] else { return nil }
            Self.keep(html, for: row, in: &state, capacity: capacity)
            return html
        }
        if let kept { return kept }
        let html = render()
        generations.withLock { Self.keep(html, for: row, in: &$0, capacity: capacity) }
        return html
    }

    private static func keep(_ html: String, for row: StatusPageView.UnitTableRow, in state: inout Generations, capacity: Int) {
        if state.currentBytes >= capacity {
            state.previous = state.current
            state.current = [:]
            state.currentBytes = 0
        }
        if state.current.updateValue(html, forKey: row) == nil { state.currentBytes += html.utf8.count }
    }

    /// Forgets every row (for the tests: a page rendered from nothing).
    func removeAll() { generations.withLock { $0 = Generations() } }

    /// How many rows are kept.
    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }
}

/// A rendered page whose instants are filled in per snapshot: "Cập nhật lúc …" (the figures' T),
/// the print header's copy of it, and the footer's refresh time. A refresh whose figures are the
/// same as the last one's (`Snapshot.saysTheSame`) refills the page instead of rendering it: a copy
/// of its bytes rather than a province's page model and template.
public struct StampedPage: Sendable {
    /// Where an instant goes; marked in the rendered text by U+E000, a letter, U+E001 (private-use
    /// characters, which neither HTML nor the template escapes).
    enum Slot: UInt8, Sendable, CaseIterable {
        case asOf = 0x61, asOfCSS = 0x63, refreshedAt = 0x72
        var mark: String { "\u{E000}\(Character(Unicode.Scalar(rawValue)))\u{E001}" }
    }

    let segments: [ByteBuffer]
    let slots: [Slot]
    let language: Format.Language
    let calendar: PlanCalendar

    /// Splits `html` at its marks; nil unless each slot is marked exactly once and no other U+E000 is left.
    init?(html: String, language: Format.Language, timeZone: TimeZone) {
        let bytes = Array(html.utf8)
        let open: [UInt8] = [0xEE, 0x80, 0x80], close: [UInt8] = [0xEE, 0x80, 0x81]
        var segments: [ByteBuffer] = [], slots: [Slot] = []
        var start = 0, index = 0
        while index + 6 < bytes.count {
            guard bytes[index] == open[0], bytes[index + 1] == open[1], bytes[index + 2] == open[2] else {
                index += 1
                continue
            }
            guard let slot = Slot(rawValue: bytes[index + 3]), Array(bytes[(index + 4)..<(index + 7)]) == close else { return nil }
            segments.append(ByteBuffer(bytes: bytes[start..<index]))
            slots.append(slot)
            index += 7
            start = index
        }
        segments.append(ByteBuffer(bytes: bytes[start...]))
        guard slots.count == Slot.allCases.count, Set(slots).count == slots.count, !segments.contains(where: { Self.holdsMarker($0) })
        else { return nil }
        self.segments = segments
        self.slots = slots
        self.language = language
        self.calendar = PlanCalendar(timeZone: timeZone)
    }

    static func holdsMarker(_ segment: ByteBuffer) -> Bool {
        segment.readableBytesView.withUnsafeBytes { raw in
            raw.count >= 3 && (0...(raw.count - 3)).contains { raw[$0] == 0xEE && raw[$0 + 1] == 0x80 && raw[$0 + 2] == 0x80 }
        }
    }

    /// The page for a snapshot of these figures at `asOf`, made at `refreshedAt`: the same bytes
    /// `StatusPage.render` gives.
    public func filled(asOf: Date, refreshedAt: Date) -> ByteBuffer {
        let shownAsOf = Format.dateTime(asOf, calendar: calendar, language)
        var texts: [Slot: ByteBuffer] = [:]
        texts[.asOf] = ByteBuffer(string: PageHTML.escape(shownAsOf))
        texts[.asOfCSS] = ByteBuffer(string: StatusPageModel.cssString(shownAsOf))
        texts[.refreshedAt] = ByteBuffer(string: PageHTML.escape(Format.dateTime(refreshedAt, calendar: calendar, language)))
        var page = ByteBuffer()
        page.reserveCapacity(segments.reduce(64) { $0 + $1.readableBytes })
        for (index, segment) in segments.enumerated() {
            page.writeImmutableBuffer(segment)
            if index < slots.count, let text = texts[slots[index]] { page.writeImmutableBuffer(text) }
        }
        return page
    }
}

/// The page's escaping of `{{value}}`: the five characters of swift-mustache's `HTML` content type
/// (`< > & " '`), found by scanning bytes; swift-mustache's own walks the text's grapheme clusters
/// with a dictionary lookup each (measured: 12 % of rendering a province's 750 pages).
struct PageHTML: MustacheContentType {
    func escapeText(_ text: String) -> String { Self.escape(text) }

    static func escape(_ text: String) -> String {
        let special: (UInt8) -> Bool = {
            $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'")
        }
        guard text.utf8.contains(where: special) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import ChisoCore
import ChisoPresentation
import Foundation
import Mustache

/// Renders the status page from `static/status.mustache` (compiled in) and a `StatusPageView`.
/// The template escapes every `{{value}}`; the only unescaped insertions are the stylesheet and
/// the CSS-escaped print header, both produced by chiso itself.
public enum StatusPage {
    /// The page's stylesheet, `static/chiso.css`, inlined so the page works opened from disk or attached to a mail.
    static let style = String(decoding: PackageResources.chiso_css, as: UTF8.self)

    static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: String(decoding: PackageResources.status_mustache, as: UTF8.self))
        } catch {
            preconditionFailure("static/status.mustache does not parse: \(error)")
        }
    }()

    /// One page of a snapshot. Throws `StatusPageModel.Failure.unknownUnit` for a unit not in the snapshot.
    public static func render(
        _ snapshot: Snapshot, history: TrendHistory = TrendHistory(), request: PageRequest = PageRequest(),
        links: PageLinks = .query, staleness: Staleness? = nil, layout: SiteLayout? = nil, alerts: AlertSummary? = nil
    ) throws -> String {
        let view = try StatusPageModel.build(
            snapshot, history: history, request: request, links: links, staleness: staleness, layout: layout, alerts: alerts)
        // What the template sees: the stylesheet, and the view.
        let document: [String: Any] = ["css": style, "page": MustacheEncoder.tree(view)]
        return template.render(document)
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

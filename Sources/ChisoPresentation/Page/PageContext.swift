import ChisoCore
import Foundation

/// What every part of one page needs to know: the snapshot, which page it is, its language and
/// how it links to other pages. Built once per page by `StatusPageModel.build`, read by the parts
/// (cards, units, tasks, dossiers).
struct PageContext {
    let snapshot: Snapshot
    let history: TrendHistory
    let request: PageRequest
    let links: PageLinks
    let layout: SiteLayout
    let lang: Format.Language
    let labels: PageLabels
    let calendar: PlanCalendar
    let tree: UnitTree
    let root: ChisoCore.Unit?
    /// The unit the page is about (the root when the request names none).
    let unitID: String?
    let unit: ChisoCore.Unit?
    let names: [String: String]
    let today: LocalDate
    /// This page's path in the static site (links on disk are relative to it).
    let here: String
    /// This unit and every unit below it.
    let subtree: Set<String>
    /// The units directly below this one.
    let children: [ChisoCore.Unit]
    private let resultIndex: [String: IndicatorResult]

    init(_ snapshot: Snapshot, history: TrendHistory, request: PageRequest, links: PageLinks, layout: SiteLayout?) throws {
        self.snapshot = snapshot
        self.history = history
        self.request = request
        self.links = links
        lang = request.language
        labels = PageLabels.of(request.language)
        calendar = PlanCalendar(timeZone: snapshot.timeZone)
        root = snapshot.units.first
        let unitID = request.unitID ?? root?.id
        self.unitID = unitID
        unit = unitID.flatMap { id in snapshot.units.first { $0.id == id } }
        if let wanted = request.unitID, unit == nil { throw StatusPageModel.Failure.unknownUnit(wanted) }
        // The layout is made from the snapshot's units (once per snapshot: a province writes 750 pages).
        let layout = layout ?? SiteLayout(units: snapshot.units)
        self.layout = layout
        tree = layout.tree
        names = layout.names
        here = layout.path(request, rootID: root?.id) ?? "index.html"
        today = calendar.localDate(of: snapshot.asOf)
        children = snapshot.units.filter { $0.parentID != nil && $0.parentID == unitID }
        subtree = Set(tree.subtree(of: unitID ?? "").map(\.id))
        resultIndex = Dictionary(
            snapshot.results(of: unitID ?? "").map { ("\($0.indicator)|\($0.period.rawValue)", $0) },
            uniquingKeysWith: { a, _ in a })
    }

    /// This unit's figure of one indicator in one period.
    func result(_ indicator: String, _ period: PeriodKind) -> IndicatorResult? { resultIndex["\(indicator)|\(period.rawValue)"] }

    /// The link from this page to another: a query when served, a relative file path on disk.
    func href(_ target: PageRequest) -> String {
        switch links {
        case .files:
            return SiteLayout.relative(from: here, to: layout.path(target, rootID: root?.id) ?? "index.html")
        case .query:
            var items: [String] = []
            if target.language == .en { items.append("lang=en") }
            if target.period != .year { items.append("period=\(target.period.rawValue)") }
            if let id = target.unitID, id != root?.id { items.append("unit=\(Self.queryEscape(id))") }
            return items.isEmpty ? "./" : "?" + items.joined(separator: "&")
        }
    }

    /// The page of a unit below, in the same language and period.
    func href(unit id: String) -> String { href(PageRequest(language: lang, period: request.period, unitID: id)) }

    func name(_ id: String) -> String { names[id] ?? id }

    /// Percent-encodes a unit id for a query string (ids are not assumed to be URL-safe).
    static func queryEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

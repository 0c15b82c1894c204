import ChisoCore
import Foundation

/// The page's QĐ 766 panel for the unit and period shown: the estimated total and its band, the
/// six groups against their maxima (an inline SVG bar chart whose bars carry their figures as
/// text, so it reads in print and without colour), the five pieces of work that would raise the
/// score most, and which inputs were entered by hand, inherited, or are missing.
enum QD766Model {
    /// How many "raise the score" lines the panel shows.
    static let actionsShown = 5

    static func panel(_ page: PageContext) -> StatusPageView.QD766Panel? {
        guard let table = page.snapshot.qd766Table, let unitID = page.unitID,
            let result = page.snapshot.qd766(unit: unitID, period: page.request.period)
        else { return nil }
        let lang = page.lang, vi = lang == .vi
        let band = table.bands.first { $0.id == result.band }
        let bars = result.groups.map { group in
            let name = table.group(group.group).map { vi ? $0.nameVI : $0.nameEN } ?? group.group
            let share = group.max > 0 ? min(1, max(0, NSDecimalNumber(decimal: group.score / group.max).doubleValue)) : 0
            // The bar's length in hundredths of its track (the SVG's width is 100).
            return StatusPageView.QD766Bar(
                name: name, score: Format.count(group.score, lang), max: Format.count(group.max, lang),
                width: String(format: "%.1f", share * 100),
                estimate: group.estimate.map { (vi ? "chiso ước tính " : "chiso's estimate ") + Format.count($0, lang) })
        }
        let sub = Dictionary(table.indicators.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let actions = result.actions.filter { $0.amount != nil }.prefix(actionsShown).compactMap { action -> String? in
            guard let indicator = sub[action.id], let amount = action.amount else { return nil }
            let phrase = (vi ? indicator.actionVI : indicator.actionEN).replacingOccurrences(of: "{n}", with: Format.count(amount, lang))
            let gain = "+" + Format.count(action.gain, lang) + (vi ? " điểm" : " points")
            return "\(phrase.isEmpty ? (vi ? indicator.nameVI : indicator.nameEN) : phrase): \(gain)"
        }
        return StatusPageView.QD766Panel(
            score: Format.count(result.score, lang), band: band.map { vi ? $0.nameVI : $0.nameEN } ?? result.band,
            bandClass: "band-" + result.band.replacingOccurrences(of: "_", with: "-"),
            bars: bars, actions: actions, hasActions: !actions.isEmpty,
            sources: sources(result, table: table, page))
    }

    /// "Nhập tay: 1.2 …", "Kế thừa từ Tỉnh: 1.1 …", "Chưa có số liệu: 1.3 …": what the estimate rests on besides the tables.
    static func sources(_ result: QD766Result, table: QD766Table, _ page: PageContext) -> [String] {
        let vi = page.lang == .vi
        var manual: [String] = [], inherited: [String: [String]] = [:], missing: [String] = []
        for (indicator, entry) in zip(table.indicators, result.indicators) where entry.source == .manual {
            let name = "\(indicator.ref) \(vi ? indicator.nameVI : indicator.nameEN)"
            if entry.noData {
                missing.append(name)
            } else if let from = entry.inheritedFrom {
                inherited[from, default: []].append(name)
            } else {
                manual.append(name)
            }
        }
        var out: [String] = []
        if !manual.isEmpty { out.append((vi ? "Nhập tay: " : "Entered by hand: ") + manual.joined(separator: "; ")) }
        for (from, names) in inherited.sorted(by: { $0.key < $1.key }) {
            out.append((vi ? "Kế thừa từ \(page.name(from)): " : "Inherited from \(page.name(from)): ") + names.joined(separator: "; "))
        }
        if !missing.isEmpty {
            out.append((vi ? "Chưa có số liệu (cần nhập tay): " : "Missing (to be entered by hand): ") + missing.joined(separator: "; "))
        }
        return out
    }
}

import ChisoCore
import Foundation

/// The dossier table: the units below, worst first (most overdue, then most late without an
/// apology), then this unit's total; and the digests that reached nobody.
enum DossiersModel {
    static func rows(_ page: PageContext) -> [StatusPageView.DossierRow] {
        let lang = page.lang
        let children = page.children
        let ranked = children.map { child in
            (child, page.snapshot.dossiersOverdueByUnit[child.id] ?? 0, lateWithoutApology(child.id, page))
        }.sorted { ($1.1, $1.2, $0.0.name) < ($0.1, $0.2, $1.0.name) }
        var rows = ranked.map { child, overdue, late in
            StatusPageView.DossierRow(
                name: child.name, href: page.href(unit: child.id),
                overdue: Format.integer(overdue, lang),
                lateWithoutApology: Format.integer(late, lang), total: false)
        }
        if let unitID = page.unitID {
            rows.append(
                .init(
                    name: children.isEmpty ? page.name(unitID) : page.labels.total, href: nil,
                    overdue: Format.integer(page.snapshot.dossiersOverdueByUnit[unitID] ?? 0, lang),
                    lateWithoutApology: Format.integer(lateWithoutApology(unitID, page), lang), total: true))
        }
        return rows
    }

    /// Late dossiers of the period without an apology letter: the denominator of
    /// `late_dossiers_apologised` less its numerator (the figure the card shows).
    static func lateWithoutApology(_ id: String, _ page: PageContext) -> Int {
        guard let figure = page.snapshot.result(ComputedIndicator.lateDossiersApologised.rawValue, unit: id, period: page.request.period) else {
            return 0
        }
        return NSDecimalNumber(decimal: figure.tally.denominator - figure.tally.numerator).intValue
    }

    /// Digests of this unit's subtree that reached nobody or failed for good: never silently dropped.
    static func alertRows(_ alerts: AlertSummary?, _ page: PageContext) -> [StatusPageView.AlertRow] {
        (alerts?.problems ?? []).filter { page.subtree.contains($0.unitID) }.map { problem in
            StatusPageView.AlertRow(
                unit: page.name(problem.unitID), day: Format.date(problem.localDay, page.lang),
                status: problem.status == .undeliverable ? page.labels.undeliverable : page.labels.failed, reason: problem.reason)
        }
    }
}

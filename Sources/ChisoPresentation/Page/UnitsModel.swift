import ChisoCore
import Foundation

/// The table of the units directly below this one, worst first: one column per computed
/// indicator that rolls up (catalogue-wide figures are the same for every unit, so not shown).
enum UnitsModel {
    static func columns(_ page: PageContext) -> [IndicatorDefinition] {
        page.snapshot.catalogue.indicators.filter {
            $0.source == .computed && ComputedIndicator(rawValue: $0.id).map { $0.rollup != .catalogue } == true
        }
    }

    static func columnViews(_ columns: [IndicatorDefinition], _ page: PageContext) -> [StatusPageView.Column] {
        let vi = page.lang == .vi
        return columns.map { .init(short: (vi ? $0.shortVI : $0.shortEN) ?? (vi ? $0.nameVI : $0.nameEN), name: vi ? $0.nameVI : $0.nameEN) }
    }

    static func rows(_ columns: [IndicatorDefinition], _ page: PageContext) -> [StatusPageView.UnitRow] {
        let lang = page.lang
        var rows: [(missed: Int, atRisk: Int, name: String, row: StatusPageView.UnitRow)] = []
        for child in page.children {
            var byIndicator: [String: IndicatorResult] = [:]
            for figure in page.snapshot.results(of: child.id) where figure.period == page.request.period {
                byIndicator[figure.indicator] = figure
            }
            var missed = 0, atRisk = 0
            let cells = columns.map { definition -> StatusPageView.Cell in
                guard let figure = byIndicator[definition.id] else {
                    return .init(text: "—", mark: "", statusClass: IndicatorStatus.noData.cssClass, statusLabel: IndicatorStatus.noData.label(lang))
                }
                if figure.status == .missed { missed += 1 }
                if figure.status == .atRisk { atRisk += 1 }
                return .init(
                    text: figure.value.map { Format.percent($0, lang) } ?? "—", mark: figure.status.mark,
                    statusClass: figure.status.cssClass, statusLabel: figure.status.label(lang))
            }
            let row = StatusPageView.UnitRow(
                name: child.name, href: page.href(unit: child.id),
                overdueTasks: Format.integer(page.snapshot.tasksOverdueByUnit[child.id] ?? 0, lang),
                cells: cells, missed: Format.integer(missed, lang))
            rows.append((missed, atRisk, child.name, row))
        }
        rows.sort { ($1.missed, $1.atRisk, $0.name) < ($0.missed, $0.atRisk, $1.name) }
        return rows.map(\.row)
    }
}

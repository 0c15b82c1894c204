import ChisoCore
import Foundation

/// The indicator cards, grouped by plan section, and the four summary tiles above them.
enum CardsModel {
    static func sections(_ page: PageContext) -> (sections: [StatusPageView.Section], summary: StatusPageView.Summary) {
        let lang = page.lang
        var counts: [IndicatorStatus: Int] = [:]
        var sections: [StatusPageView.Section] = []
        for group in page.snapshot.catalogue.grouped() {
            var cards: [StatusPageView.Card] = []
            var met = 0
            for definition in group.indicators {
                guard let figure = page.result(definition.id, page.request.period) else { continue }
                counts[figure.status, default: 0] += 1
                if figure.status == .met { met += 1 }
                cards.append(card(definition, figure, page))
            }
            guard !cards.isEmpty else { continue }
            sections.append(
                .init(
                    ref: group.section.ref,
                    title: lang == .vi ? group.section.nameVI : group.section.nameEN,
                    anchor: "muc-" + group.section.ref.replacingOccurrences(of: ".", with: "-"),
                    cards: cards, met: Format.integer(met, lang), total: Format.integer(cards.count, lang)))
        }
        let total = counts.values.reduce(0, +)
        let summary = StatusPageView.Summary(
            met: Format.integer(counts[.met] ?? 0, lang), atRisk: Format.integer(counts[.atRisk] ?? 0, lang),
            missed: Format.integer(counts[.missed] ?? 0, lang), noData: Format.integer(counts[.noData] ?? 0, lang),
            total: Format.integer(total, lang))
        return (sections, summary)
    }

    static func card(_ definition: IndicatorDefinition, _ figure: IndicatorResult, _ page: PageContext) -> StatusPageView.Card {
        let lang = page.lang
        var card = StatusPageView.Card(
            id: definition.id, planRef: definition.planRef,
            name: lang == .vi ? definition.nameVI : definition.nameEN,
            value: figure.value.map { Format.percent($0, lang) } ?? "—",
            target: Format.target(definition, lang),
            gap: figure.value.map { Format.gap($0, target: definition.target, lang) },
            counts: figure.status == .noData
                ? nil : "\(Format.count(figure.tally.numerator, lang))\u{00A0}/\u{00A0}\(Format.count(figure.tally.denominator, lang))",
            statusClass: figure.status.cssClass, statusLabel: figure.status.label(lang),
            manual: definition.source == .manual, spark: nil, projection: nil)
        // Trend lines and projections speak of the year.
        guard page.request.period == .year, let unitID = page.unitID else { return card }
        card.spark = spark(definition, unitID: unitID, page)
        if definition.source == .computed, ComputedIndicator(rawValue: definition.id)?.rollup == .sum {
            let year = page.today.year
            let firstDay = LocalDate(year: year, month: 1, day: 1).dayNumber
            let daysInYear = LocalDate(year: year + 1, month: 1, day: 1).dayNumber - firstDay
            if let projection = YearEndProjection.project(
                year: figure.tally, recent: page.result(definition.id, .quarter)?.tally,
                dayOfYear: page.today.dayNumber - firstDay + 1, daysInYear: daysInYear,
                comparator: definition.comparator, target: definition.target)
            {
                card.projection = projectionView(projection, definition: definition, catalogue: page.snapshot.catalogue, lang)
            }
        }
        return card
    }

    /// The year-to-date line; a line needs two days (a lone dot says nothing about a trend).
    static func spark(_ definition: IndicatorDefinition, unitID: String, _ page: PageContext) -> StatusPageView.Spark? {
        let lang = page.lang
        let series = page.history.series(indicator: definition.id, unit: unitID)
        guard series.filter({ $0.ratio != nil }).count >= 2,
            let line = Sparkline.make(series, year: page.today.year, target: definition.target)
        else { return nil }
        let description =
            lang == .vi
            ? "Diễn biến từ đầu năm: \(series.count) ngày có số liệu, mục tiêu \(Format.target(definition, lang))"
            : "Year-to-date trend: \(series.count) days with figures, target \(Format.target(definition, lang))"
        return .init(
            points: line.points, lastX: line.lastX, lastY: line.lastY, targetY: line.targetY,
            description: description, hasLine: line.points.contains(" "))
    }

    static func projectionView(
        _ projection: YearEndProjection, definition: IndicatorDefinition, catalogue: Catalogue,
        _ lang: Format.Language
    ) -> StatusPageView.Projection {
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
}

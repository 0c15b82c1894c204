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
            manual: definition.source == .manual, lead: definition.leadUnit, spark: nil, projection: nil)
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
                card.projection = projectionView(projection, figure: figure, definition: definition, catalogue: page.snapshot.catalogue, lang)
            }
        }
        return card
    }

    /// The year-to-date line; a line needs two days (a lone dot says nothing about a trend), and a
    /// line that never moved is left out (the value says it all: a year flat at 100 %). The first
    /// and the last value and the target are written under it, so it reads without guessing a scale.
    static func spark(_ definition: IndicatorDefinition, unitID: String, _ page: PageContext) -> StatusPageView.Spark? {
        let lang = page.lang, vi = lang == .vi
        let series = page.history.series(indicator: definition.id, unit: unitID)
        guard series.filter({ $0.ratio != nil }).count >= 2,
            let line = Sparkline.make(series, year: page.today.year, target: definition.target), !line.flat
        else { return nil }
        let target = Format.target(definition, lang)
        let description =
            vi
            ? "Diễn biến từ đầu năm: \(series.count) ngày có số liệu, từ \(Format.percent(line.first.value, lang)) đến \(Format.percent(line.last.value, lang)), mục tiêu \(target)"
            : "Year-to-date trend: \(series.count) days with figures, from \(Format.percent(line.first.value, lang)) to \(Format.percent(line.last.value, lang)), target \(target)"
        func label(_ point: (day: LocalDate, value: Double)) -> String {
            "\(LocalDate.pad(point.day.day, 2))/\(LocalDate.pad(point.day.month, 2)): \(Format.percent(point.value, lang))"
        }
        return .init(
            points: line.points, lastX: line.lastX, lastY: line.lastY, targetY: line.targetY,
            description: description, hasLine: line.points.contains(" "),
            firstLabel: label(line.first), targetLabel: (vi ? "mục tiêu " : "target ") + target + " (- - -)", lastLabel: label(line.last))
    }

    /// The year-end line of a card, in the same tone as its badge (README, "One verdict per card"):
    /// - the projected value at the current pace, coloured by the status it would have;
    /// - then what is still needed: the share of the remaining cases, or, when the shortfall can be
    ///   made up among the cases already counted (`closes_by: existing`, e.g. apology letters for
    ///   dossiers already late), the amount to fix: such a target is never "cannot be met";
    /// - "can no longer be met" only when even every remaining case on the good side falls short,
    ///   with the best the year can still give; beside an "at risk" badge the line says why both
    ///   hold (the figure today is within the warning margin).
    static func projectionView(
        _ projection: YearEndProjection, figure: IndicatorResult, definition: IndicatorDefinition, catalogue: Catalogue,
        _ lang: Format.Language
    ) -> StatusPageView.Projection {
        let vi = lang == .vi
        let margin = catalogue.margin(for: definition)
        let status = IndicatorStatus.of(
            Tally(numerator: Decimal(projection.projected), denominator: 1),
            comparator: definition.comparator, target: definition.target, margin: margin)
        let fixable = (definition.closesBy ?? .existing) == .existing && figure.status != .met
        let requirement: String
        let amount = AmountToTarget.of(figure.tally, comparator: definition.comparator, target: definition.target, closing: .existing)
        if fixable, case .more(let count)? = amount,
            let phrase = vi ? definition.closeVI : definition.closeEN
        {
            let amount = phrase.replacingOccurrences(of: "{n}", with: Format.integer(count, lang))
            requirement =
                vi ? "Vẫn đạt được nếu bổ sung cho các trường hợp đã có: \(amount)" : "Still reachable by fixing cases already counted: \(amount)"
        } else {
            requirement = outlookText(projection, figure: figure, definition: definition, margin: margin, lang)
        }
        return .init(projected: Format.percent(projection.projected, lang), projectedStatusClass: status.cssClass, requirement: requirement)
    }

    static func outlookText(
        _ projection: YearEndProjection, figure: IndicatorResult, definition: IndicatorDefinition, margin: Decimal, _ lang: Format.Language
    ) -> String {
        let vi = lang == .vi
        switch projection.outlook {
        case .secured:
            return vi
                ? "Mục tiêu năm đã chắc chắn đạt, dù các trường hợp còn lại ra sao"
                : "The year's target is secured whatever the rest of the year brings"
        case .unreachable:
            let n = NSDecimalNumber(decimal: figure.tally.numerator).doubleValue
            let d = NSDecimalNumber(decimal: figure.tally.denominator).doubleValue
            let rest = projection.expectedRemaining
            let higher = definition.comparator.higherIsBetter
            let best = Format.percent(higher ? (n + rest) / (d + rest) : n / (d + rest), lang)
            var text =
                vi
                ? "Mục tiêu năm không còn đạt được: dù mọi trường hợp còn lại đều đạt, cả năm \(higher ? "tối đa" : "tối thiểu") \(best)"
                : "The year's target can no longer be met: even if every remaining case goes right, the year ends at \(higher ? "most" : "least") \(best)"
            if figure.status == .atRisk, let value = figure.value {
                let label = IndicatorStatus.atRisk.label(lang)
                let distance = Format.gap(value, target: definition.target, lang).dropFirst()
                let band = Format.gap(NSDecimalNumber(decimal: margin).doubleValue, target: 0, lang).dropFirst()
                text +=
                    vi
                    ? ". Thẻ ghi “\(label)” vì hôm nay số liệu chỉ cách mục tiêu \(distance), trong ngưỡng cảnh báo \(band)"
                    : ". The badge says “\(label)” because today the figure is only \(distance) from the target, within the \(band) warning margin"
            }
            return text
        case .needs(let rate):
            let share = Format.percent(rate, lang)
            switch definition.comparator {
            case .greaterOrEqual:
                return vi
                    ? "Để đạt mục tiêu năm, cần ít nhất \(share) số trường hợp còn lại đạt"
                    : "To meet the year's target, at least \(share) of the remaining cases must go right"
            case .greaterThan:
                return vi
                    ? "Để đạt mục tiêu năm, cần trên \(share) số trường hợp còn lại đạt"
                    : "To meet the year's target, over \(share) of the remaining cases must go right"
            case .lessOrEqual:
                return vi
                    ? "Để đạt mục tiêu năm, tối đa \(share) số trường hợp còn lại"
                    : "To meet the year's target, at most \(share) of the remaining cases"
            case .lessThan:
                return vi
                    ? "Để đạt mục tiêu năm, dưới \(share) số trường hợp còn lại" : "To meet the year's target, under \(share) of the remaining cases"
            }
        }
    }
}

import Foundation

/// One sub-indicator of one unit's QĐ 766 estimate for one period.
public struct QD766Entry: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable {
        /// Counted by chiso from the input tables.
        case computed
        /// A `manual_values` row (`qd766.*`): the portal's published figure or the province's.
        case manual
    }

    /// `qd766.dossier_sync`.
    public var id: String
    public var group: String
    /// The figure's own counts (for 3.3: the online share, before the sync ratio multiplies it).
    public var numerator: Decimal
    public var denominator: Decimal
    /// The ratio the points are computed from, as an exact fraction (3.3: the online share times
    /// the sync ratio); nil when there is no data.
    public var ratio: Fraction?
    public var points: Decimal
    public var max: Decimal
    public var source: Source
    /// The ancestor whose manual row this unit inherits (nil: its own, or computed).
    public var inheritedFrom: String?

    /// No figure at all: a zero denominator, or a manual sub-indicator nobody entered.
    public var noData: Bool { ratio == nil }
}

/// A ratio kept as numerator and denominator, so that points are computed with one division
/// (M × n / d): dividing first would round 1/48 before multiplying by 6 and make 0.125 into 0.1249…
public struct Fraction: Sendable, Hashable {
    public var numerator: Decimal
    public var denominator: Decimal

    public init(_ numerator: Decimal, _ denominator: Decimal) {
        self.numerator = numerator
        self.denominator = denominator
    }

    public static func * (a: Fraction, b: Fraction) -> Fraction {
        Fraction(a.numerator * b.numerator, a.denominator * b.denominator)
    }

    public var double: Double {
        NSDecimalNumber(decimal: numerator).doubleValue / NSDecimalNumber(decimal: denominator).doubleValue
    }
}

/// A group's score: the sum of its sub-indicators' rounded points.
public struct QD766GroupScore: Sendable, Hashable {
    public var group: String
    public var score: Decimal
    public var max: Decimal
}

/// One unit's estimate for one period.
public struct QD766Result: Sendable, Hashable {
    public var unitID: String
    public var period: PeriodKind
    /// The sum of the six groups.
    public var score: Decimal
    /// `xuat_sac` … `yeu`.
    public var band: String
    public var groups: [QD766GroupScore]
    /// In table order.
    public var indicators: [QD766Entry]
}

/// The scoring rules of `qd766.md`, exact in decimal arithmetic.
public enum QD766Rules {
    /// Points for a ratio: linear M × r, threshold M × min(1, r / T), rounded half-up to 2 decimals;
    /// the table's "no data" points when there is no ratio. A ratio above 1 (a manual figure) gives M.
    public static func points(_ ratio: Fraction?, for indicator: QD766Table.SubIndicator) -> Decimal {
        guard let ratio, ratio.denominator > 0 else { return indicator.noDataPoints }
        let bar: Decimal
        switch indicator.rule {
        case .linear: bar = ratio.denominator
        case .threshold(let threshold): bar = threshold * ratio.denominator
        }
        if ratio.numerator >= bar { return indicator.max }
        if ratio.numerator <= 0 { return 0 }
        return roundHalfUp(indicator.max * ratio.numerator / bar)
    }

    /// Half-up to 2 decimals (points are never negative: half-up and half-away-from-zero agree).
    public static func roundHalfUp(_ value: Decimal) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, 2, .plain)
        return output
    }
}

/// Computes the estimate of one unit and period from the table, the unit's figures and the
/// manual rows in force.
public struct QD766Estimator: Sendable {
    public var table: QD766Table

    public init(table: QD766Table) { self.table = table }

    /// A manual row in force for a sub-indicator: its tally and the unit that entered it.
    public typealias ManualFigure = (tally: Tally, unitID: String)

    /// `figure`: the unit's subtree tally of a computed figure in the period; `manual`: the row
    /// in force for a sub-indicator id at the unit (`inherited`: or its nearest ancestor).
    public func estimate(
        unitID: String, period: PeriodKind, figure: (ComputedIndicator) -> Tally, manual: (_ id: String, _ inherited: Bool) -> ManualFigure?
    ) -> QD766Result {
        var entries: [QD766Entry] = []
        entries.reserveCapacity(table.indicators.count)
        for indicator in table.indicators {
            var entry = QD766Entry(
                id: indicator.id, group: indicator.group, numerator: 0, denominator: 0, ratio: nil, points: 0, max: indicator.max,
                source: .computed, inheritedFrom: nil)
            let inherited: Bool
            if case .manual(let inherits) = indicator.source { inherited = inherits } else { inherited = false }
            if let row = manual(indicator.id, inherited) {
                // The portal's figure wins, and its ratio is used as it is (no sync multiplication).
                entry.source = .manual
                entry.inheritedFrom = row.unitID == unitID ? nil : row.unitID
                (entry.numerator, entry.denominator) = (row.tally.numerator, row.tally.denominator)
                entry.ratio = row.tally.denominator > 0 ? Fraction(row.tally.numerator, row.tally.denominator) : nil
            } else if case .figure(let computed) = indicator.source {
                let tally = figure(computed)
                (entry.numerator, entry.denominator) = (tally.numerator, tally.denominator)
                entry.ratio = tally.denominator > 0 ? Fraction(tally.numerator, tally.denominator) : nil
                if let times = indicator.times, let ratio = entry.ratio {
                    // The other sub-indicator's final ratio (manual or computed); none: no data here either.
                    entry.ratio = entries.first { $0.id == times }?.ratio.map { ratio * $0 }
                }
            } else {
                entry.source = .manual
            }
            entry.points = QD766Rules.points(entry.ratio, for: indicator)
            entries.append(entry)
        }
        let groups = table.groups.map { group in
            QD766GroupScore(
                group: group.id, score: entries.filter { $0.group == group.id }.reduce(Decimal(0)) { $0 + $1.points }, max: group.max)
        }
        let score = groups.reduce(Decimal(0)) { $0 + $1.score }
        return QD766Result(
            unitID: unitID, period: period, score: score, band: table.band(for: score)?.id ?? "", groups: groups, indicators: entries)
    }
}

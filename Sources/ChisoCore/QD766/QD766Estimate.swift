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
    /// When a manual row replaced a figure chiso computes: the points chiso's own figure gives
    /// (how far chiso's counting is from the published one).
    public var computedPoints: Decimal? = nil

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
    /// The group's score from chiso's own figures where manual rows (the portal's published
    /// figures) replaced them; nil when none did. `estimate − score` is the estimate's gap.
    public var estimate: Decimal?

    public init(group: String, score: Decimal, max: Decimal, estimate: Decimal? = nil) {
        self.group = group
        self.score = score
        self.max = max
        self.estimate = estimate
    }

    public var gap: Decimal? { estimate.map { $0 - score } }
}

/// What would raise a unit's score: a sub-indicator's points still to win and the work that wins them.
public struct QD766Action: Sendable, Hashable {
    /// `qd766.dossier_sync`.
    public var id: String
    /// The points the work below recovers (to the maximum, or as far as this lever goes).
    public var gain: Decimal
    /// How many more dossiers, procedures or pieces of feedback (counted as the figure counts them):
    /// for a threshold rule, the amount that reaches the threshold; for a linear one, all that is
    /// missing. Nil: the figure is missing and must be entered (`manual_values`).
    public var amount: Decimal?
    /// For a linear rule, the points each one of them is worth (M / d, half-up to 4 decimals).
    public var pointsEach: Decimal?
    /// Where the sub-indicator sits in the table (the order among actions of equal gain).
    let position: Int
    /// The gain in millionths: actions are ranked by it, most first (`QD766Estimator.actions`).
    /// Gains are differences of points rounded to hundredths, so the integer orders them exactly,
    /// where decimal comparisons in the sort were a fifth of a province's evaluation.
    let rank: Int

    init(id: String, position: Int, gain: Decimal, amount: Decimal?, pointsEach: Decimal? = nil) {
        (self.id, self.position, self.gain, self.amount, self.pointsEach) = (id, position, gain, amount, pointsEach)
        rank = Int((gain.fastDouble * 1_000_000).rounded())
    }

    /// Whether this action comes before `other` in an estimate's list: more points to win, or as
    /// many and earlier in the table.
    func ranksBefore(_ other: QD766Action) -> Bool {
        rank != other.rank ? rank > other.rank : position < other.position
    }
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
    /// What would raise the score most first (ties in table order); only sub-indicators short of their maximum.
    public var actions: [QD766Action] = []
}

/// The scoring rules of `qd766.md`, exact in decimal arithmetic.
public enum QD766Rules {
    /// Points for a ratio: linear M × r, threshold M × min(1, r / T), rounded half-up to 2 decimals;
    /// the table's "no data" points when there is no ratio. A ratio above 1 (a manual figure) gives M.
    public static func points(_ ratio: Fraction?, for indicator: QD766Table.SubIndicator) -> Decimal {
        points(ratio, for: Scoring(indicator))
    }

    /// What scoring reads of a sub-indicator: no strings, so that it is copied for nothing (a
    /// sub-indicator has eight; a province's refresh scores 2 607 estimates of 21 each).
    struct Scoring: Sendable {
        var max: Decimal
        var rule: QD766Table.Rule
        var noDataPoints: Decimal
        var source: QD766Table.Source
        /// Whether another sub-indicator's ratio multiplies this one's (`times`).
        var multiplied: Bool

        init(_ indicator: QD766Table.SubIndicator) {
            (max, rule, noDataPoints, source, multiplied) = (
                indicator.max, indicator.rule, indicator.noDataPoints, indicator.source, indicator.times != nil
            )
        }
    }

    static func points(_ ratio: Fraction?, for indicator: Scoring) -> Decimal {
        guard let ratio, ratio.denominator > 0 else { return indicator.noDataPoints }
        if let fast = fastPoints(ratio, for: indicator) { return fast }
        let bar: Decimal
        switch indicator.rule {
        case .linear: bar = ratio.denominator
        case .threshold(let threshold): bar = threshold * ratio.denominator
        }
        if ratio.numerator >= bar { return indicator.max }
        if ratio.numerator <= 0 { return 0 }
        return roundHalfUp(indicator.max * ratio.numerator / bar)
    }

    /// The points in binary floating point, when that cannot differ from the exact result: a
    /// province scores 2 607 estimates of 21 sub-indicators per refresh, and a decimal division
    /// costs microseconds. The exact value M·n/(T·d) is a fraction whose distance to a rounding
    /// boundary (a half hundredth, or the maximum), when not zero, is far above the error of a
    /// double; within 10⁻⁷ hundredths of a boundary the exact decimal path decides. Nil: use it.
    static func fastPoints(_ ratio: Fraction, for indicator: Scoring) -> Decimal? {
        let n = ratio.numerator.fastDouble, d = ratio.denominator.fastDouble, m = indicator.max.fastDouble
        let t: Double
        switch indicator.rule {
        case .linear: t = 1
        case .threshold(let threshold): t = threshold.fastDouble
        }
        guard n.isFinite, d > 0, m > 0, t > 0, n < 1e15, d < 1e15 else { return nil }
        if n <= 0 { return 0 }
        let x = m * n / (t * d)
        if abs(x - m) < 1e-7 { return nil }
        if x > m { return indicator.max }
        return Decimal.halfUp(x, places: 2, margin: 1e-7)
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
    public var table: QD766Table {
        didSet { layout = Layout(table) }
    }
    /// Where the table's sub-indicators sit, by position: found once, not by comparing ids (strings
    /// longer than the inline 15 bytes) in every estimate (~2 500 a province pass).
    private(set) var layout: Layout

    public init(table: QD766Table) {
        self.table = table
        self.layout = Layout(table)
    }

    struct Layout: Sendable {
        /// The positions of each group's sub-indicators, in the table's group order.
        var members: [[Int]]
        /// The position of the sub-indicator each one's ratio multiplies by (`times`), if in the table.
        var times: [Int?]
        /// Each sub-indicator's rule, maximum and source, by position.
        var scoring: [QD766Rules.Scoring]
        /// The bands' minimums in hundredths, in the table's order (nil: none, or one that is not a
        /// whole number of hundredths): a total is placed by integer comparisons (decimal ones were
        /// ~1 µs an estimate, 2 607 of them in a province's pass).
        var bandMinimums: [Int]?

        init(_ table: QD766Table) {
            var position: [String: Int] = [:]
            for (at, indicator) in table.indicators.enumerated() where position[indicator.id] == nil { position[indicator.id] = at }
            members = table.groups.map { group in table.indicators.indices.filter { table.indicators[$0].group == group.id } }
            times = table.indicators.map { $0.times.flatMap { position[$0] } }
            scoring = table.indicators.map(QD766Rules.Scoring.init)
            let minimums = table.bands.compactMap(\.minimum.wholeHundredths)
            bandMinimums = !table.bands.isEmpty && minimums.count == table.bands.count ? minimums : nil
        }

        /// The band a total falls in (`QD766Table.band(for:)`).
        func band(for score: Decimal, in table: QD766Table) -> QD766Table.Band? {
            guard let minimums = bandMinimums, let points = score.wholeHundredths else { return table.band(for: score) }
            return minimums.firstIndex { points >= $0 }.map { table.bands[$0] } ?? table.bands.last
        }
    }

    /// A manual row in force for a sub-indicator: its tally and the unit that entered it.
    public typealias ManualFigure = (tally: Tally, unitID: String)

    /// `figure`: the unit's subtree tally of a computed figure in the period; `manual`: the row
    /// in force for a sub-indicator id at the unit (`inherited`: or its nearest ancestor).
    ///
    /// `previous`: the same unit's estimate for the same period under the same table and the same
    /// manual rows (the last pass's), whose figures may differ. A sub-indicator whose inputs are the
    /// ones it had (a manual one; a computed one with the same counts, and the same ratio to
    /// multiply by) keeps its entry, and its action, rather than being scored again: a province's
    /// pass after flags flipped in every commune moves one or two of the 21 in each estimate.
    public func estimate(
        unitID: String, period: PeriodKind, figure: (ComputedIndicator) -> Tally, manual: (_ id: String, _ inherited: Bool) -> ManualFigure?,
        previous: QD766Result? = nil
    ) -> QD766Result {
        var entries: [QD766Entry] = []
        entries.reserveCapacity(table.indicators.count)
        let previous = previous.flatMap { $0.indicators.count == table.indicators.count ? $0 : nil }
        // The positions whose entry is the previous estimate's.
        var kept = [Bool](repeating: false, count: table.indicators.count)
        // chiso's own ratio of each computed sub-indicator (by position), manual row or not (for the estimate's gap).
        var own = [Fraction?](repeating: nil, count: table.indicators.count)
        for position in layout.scoring.indices {
            let indicator = layout.scoring[position]
            if let before = previous?.indicators[position], before.id == table.indicators[position].id {
                switch indicator.source {
                case .manual:
                    // Nothing but the manual rows, which are the ones it had.
                    entries.append(before)
                    kept[position] = true
                    continue
                case .figure(let computed):
                    let tally = figure(computed)
                    let times = layout.times[position]
                    if before.source == .computed, tally.numerator == before.numerator, tally.denominator == before.denominator,
                        !indicator.multiplied || times.map({ kept[$0] }) == true
                    {
                        // The same counts (and the same ratio to multiply by): the same entry, and
                        // the same own ratio (no manual row replaced it: the rows are the same).
                        own[position] = before.ratio
                        entries.append(before)
                        kept[position] = true
                        continue
                    }
                }
            }
            var entry = QD766Entry(
                id: table.indicators[position].id, group: table.indicators[position].group, numerator: 0, denominator: 0, ratio: nil,
                points: 0, max: indicator.max, source: .computed, inheritedFrom: nil)
            var counted: (tally: Tally, ratio: Fraction?)?
            if case .figure(let computed) = indicator.source {
                let tally = figure(computed)
                var ratio = tally.denominator > 0 ? Fraction(tally.numerator, tally.denominator) : nil
                if indicator.multiplied, let base = ratio {
                    // The other sub-indicator's ratio (when it comes before this one): the final
                    // one (manual or computed) for the estimate, chiso's own for the gap; none: no
                    // data here either.
                    let other = layout.times[position].flatMap { $0 < entries.count ? $0 : nil }
                    ratio = other.flatMap { entries[$0].ratio }.map { base * $0 }
                    own[position] = other.flatMap { own[$0] ?? entries[$0].ratio }.map { base * $0 }
                } else {
                    own[position] = ratio
                }
                counted = (tally, ratio)
            }
            let inherited: Bool
            if case .manual(let inherits) = indicator.source { inherited = inherits } else { inherited = false }
            if let row = manual(entry.id, inherited) {
                // The portal's figure wins, and its ratio is used as it is (no sync multiplication).
                entry.source = .manual
                entry.inheritedFrom = row.unitID == unitID ? nil : row.unitID
                (entry.numerator, entry.denominator) = (row.tally.numerator, row.tally.denominator)
                entry.ratio = row.tally.denominator > 0 ? Fraction(row.tally.numerator, row.tally.denominator) : nil
                if counted != nil { entry.computedPoints = QD766Rules.points(own[position], for: indicator) }
            } else if let counted {
                (entry.numerator, entry.denominator) = (counted.tally.numerator, counted.tally.denominator)
                entry.ratio = counted.ratio
            } else {
                entry.source = .manual
            }
            entry.points = QD766Rules.points(entry.ratio, for: indicator)
            entries.append(entry)
        }
        let groups = table.groups.enumerated().map { (index, group) in
            if let previous, index < previous.groups.count, previous.groups[index].group == group.id,
                layout.members[index].allSatisfy({ kept[$0] })
            {
                return previous.groups[index]
            }
            let members = layout.members[index]  // positions: the entries are read in place, not copied
            var score = QD766GroupScore(group: group.id, score: Decimal.sumOfPoints(members.lazy.map { entries[$0].points }), max: group.max)
            if members.contains(where: { entries[$0].computedPoints != nil }) {
                score.estimate = Decimal.sumOfPoints(members.lazy.map { entries[$0].computedPoints ?? entries[$0].points })
            }
            return score
        }
        let score = Decimal.sumOfPoints(groups.lazy.map(\.score))
        var result = QD766Result(
            unitID: unitID, period: period, score: score, band: layout.band(for: score, in: table)?.id ?? "", groups: groups, indicators: entries)
        result.actions = actions(entries, keeping: previous.map { ($0.actions, kept) })
        return result
    }

    /// The sub-indicators short of their maximum, most points to win first, each with the amount
    /// of work the rule asks (`QD766Action`). A computed figure with no data (nothing received in
    /// the period) asks for nothing the commune can do, and is left out.
    ///
    /// `keeping`: the previous estimate's actions, and which entries are the previous estimate's
    /// with everything they depend on (`estimate` keeps 3.3 only with the entry it is multiplied
    /// by): such an entry's action is the one it had.
    func actions(_ entries: [QD766Entry], keeping previous: (actions: [QD766Action], kept: [Bool])? = nil) -> [QD766Action] {
        let positions = min(entries.count, layout.scoring.count)
        func kept(_ position: Int) -> Bool { previous.map { position < $0.kept.count && $0.kept[position] } ?? false }
        // The entries scored anew (after flags flipped in every commune: one or two of the 21 in
        // an estimate), ranked.
        var fresh: [QD766Action] = []
        fresh.reserveCapacity(previous == nil ? positions : 4)
        for position in 0..<positions where !kept(position) {
            if let action = newAction(entries, at: position) { fresh.append(action) }
        }
        // An insertion sort in place, stable (at most 21 actions, most often one or two).
        for index in fresh.indices.dropFirst() {
            var at = index
            while at > 0, fresh[at].ranksBefore(fresh[at - 1]) {
                fresh.swapAt(at - 1, at)
                at -= 1
            }
        }
        guard let previous else { return fresh }
        // The previous actions are ranked already: those of the kept entries stay in that order,
        // and the new ones are merged in (no look-up by id, no sort of the whole list).
        var out: [QD766Action] = []
        out.reserveCapacity(previous.actions.count + fresh.count)
        var next = fresh.startIndex
        for action in previous.actions where action.position < positions && kept(action.position) && entries[action.position].id == action.id {
            while next < fresh.endIndex, fresh[next].ranksBefore(action) {
                out.append(fresh[next])
                next += 1
            }
            out.append(action)
        }
        out.append(contentsOf: fresh[next...])
        return out
    }

    /// The action of the entry at `position`, scored anew (nil: at its maximum, or nothing to do).
    private func newAction(_ entries: [QD766Entry], at position: Int) -> QD766Action? {
        let indicator = layout.scoring[position]
        let entry = entries[position]
        guard entry.points < indicator.max else { return nil }
        guard entry.ratio != nil else {
            if entry.source == .manual {
                return QD766Action(id: entry.id, position: position, gain: Decimal.pointsBetween(entry.points, indicator.max), amount: nil)
            }
            return nil
        }
        // 3.3 counts its own numerator against the other figure's ratio (the sync ratio): the
        // amount is found at that ratio; below the threshold on its own, the lever stops short.
        let factor = layout.times[position].flatMap { $0 < entries.count ? entries[$0].ratio : nil }.flatMap {
            entry.source == .computed ? $0 : nil
        }
        let (n, d) = (entry.numerator, entry.denominator)
        switch indicator.rule {
        case .linear:
            return QD766Action(
                id: entry.id, position: position, gain: Decimal.pointsBetween(entry.points, indicator.max), amount: Self.ceiling(d - n),
                pointsEach: Self.quotient(indicator.max, d, places: 4))
        case .threshold(let threshold):
            guard let factor else {
                return QD766Action(
                    id: entry.id, position: position, gain: Decimal.pointsBetween(entry.points, indicator.max), amount: max(1, Self.ceiling(threshold * d - n)))
            }
            guard factor.numerator > 0 else { return nil }
            // n' / d × f ≥ T  ⇔  n' ≥ T × d / f; at most all d.
            let needed = Self.ceiling(threshold * d * factor.denominator / factor.numerator)
            if needed <= d {
                return QD766Action(id: entry.id, position: position, gain: Decimal.pointsBetween(entry.points, indicator.max), amount: max(1, needed - n))
            }
            let best = QD766Rules.points(Fraction(d, d) * factor, for: indicator)
            return best > entry.points ? QD766Action(id: entry.id, position: position, gain: Decimal.pointsBetween(entry.points, best), amount: d - n) : nil
        }
    }

    /// The smallest whole number at or above a value (a whole number, as counts are, is itself:
    /// no decimal rounding for it).
    static func ceiling(_ value: Decimal) -> Decimal {
        if value.exponent >= 0 { return value }
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, 0, .up)
        return output
    }

    /// a / b half-up to `places` decimals (at most 4; a, b ≥ 0), as `round(a / b, places:)` gives it,
    /// in binary floating point when that cannot differ (as `QD766Rules.fastPoints`): a decimal
    /// division and rounding cost ~3 µs, and a province's pass makes thousands of actions.
    static func quotient(_ a: Decimal, _ b: Decimal, places: Int) -> Decimal {
        if let fast = fastQuotient(a, b, places: places) { return fast }
        return round(a / b, places: places)
    }

    static func fastQuotient(_ a: Decimal, _ b: Decimal, places: Int) -> Decimal? {
        guard (0...4).contains(places) else { return nil }
        let (x, y) = (a.fastDouble, b.fastDouble)
        guard x.isFinite, y.isFinite, x >= 0, y > 0, x < 1e9, y < 1e9 else { return nil }
        // Within 10⁻⁶ units of the last place of a half, the exact path decides.
        return Decimal.halfUp(x / y, places: places, margin: 1e-6)
    }

    static func round(_ value: Decimal, places: Int) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, places, .plain)
        return output
    }
}

import Foundation

/// The large tables' own-unit tallies as the incremental state holds them: flat arrays by unit,
/// period and indicator (`FigureSums`), not a dictionary. A province's pass used to re-key ~7 × 10^4
/// `TallyKey`s (each hashing a unit id) into a dictionary, copy it to add the small tables'
/// tallies, and look each one up again per unit, period and indicator in the evaluation; the
/// evaluator now finds a unit's row once and reads the arrays (`KPIInputs.largeTableTallies`).
public struct OwnTallies: Sendable {
    /// The interned unit ids: a row's unit.
    public let unitIDs: [String]
    private let rows: [String: Int32]
    /// The period kinds in the order of the sums' period index.
    public let periods: [PeriodKind]
    let sums: FigureSums

    init(unitIDs: [String], rows: [String: Int32], periods: [PeriodKind], sums: FigureSums) {
        self.unitIDs = unitIDs
        self.rows = rows
        self.periods = periods
        self.sums = sums
    }

    /// A unit's row, nil for a unit with no row of the large tables.
    public func row(of unitID: String) -> Int? {
        guard let row = rows[unitID], Int(row) < unitIDs.count else { return nil }
        return Int(row)
    }

    public func periodIndex(of kind: PeriodKind) -> Int? { periods.firstIndex(of: kind) }

    /// The tally of a row, a period index and an indicator; nil for 0/0 (as a missing key).
    public func tally(row: Int, period: Int, indicator: ComputedIndicator) -> Tally? {
        let index = (row * FigureSums.periodCount + period) * FigureSums.indicators.count + indicator.ordinal
        let numerator = sums.numerators[index], denominator = sums.denominators[index]
        guard numerator != 0 || denominator != 0 else { return nil }
        return Tally(numerator: Decimal(numerator), denominator: Decimal(denominator))
    }

    public subscript(key: TallyKey) -> Tally? {
        guard let row = row(of: key.unitID), let period = periodIndex(of: key.period) else { return nil }
        return tally(row: row, period: period, indicator: key.indicator)
    }

    /// Every tally that is not 0/0, keyed as `KPIInputs.tallies` (comparisons and tests).
    public var dictionary: [TallyKey: Tally] {
        var out: [TallyKey: Tally] = [:]
        for (row, unitID) in unitIDs.enumerated() {
            for (p, period) in periods.enumerated() {
                for indicator in FigureSums.indicators {
                    if let tally = tally(row: row, period: p, indicator: indicator) {
                        out[TallyKey(unitID: unitID, period: period, indicator: indicator)] = tally
                    }
                }
            }
        }
        return out
    }
}

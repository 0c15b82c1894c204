/// What one evaluation leaves for the next: a unit whose subtree figures (every period and
/// computed indicator) are the ones it had, under the same tree, periods, manual rows, catalogue
/// and QĐ 766 table, has the same results and estimates, since they depend on nothing else; they
/// are copied rather than made again. A province's refresh after a few dossiers changes the
/// figures of 2 or 3 of its 869 units (the dossier's unit and those above it).
public struct EvaluationCarry: Sendable {
    let units: [Unit]
    let periods: [Period]
    /// The manual rows taken (recorded by T), in the inputs' order.
    let manualRows: [ManualValue]
    let catalogue: Catalogue
    let qd766: QD766Table?
    /// `rolledTallies`: per period, per computed indicator, per unit index; and the own tallies
    /// they were rolled from (`.sum` indicators only).
    let rolled: [[[Tally]]]
    let own: [[[Tally]]]
    /// The rows the procedure sets were made of, and the sets (under `units` and `periods`).
    let procedureRows: ProcedureRows
    let procedureSets: ProcedureSets
    /// Where each unit's results start in `results`, and where the last one's end.
    let resultStarts: [Int]
    let results: [IndicatorResult]
    /// Unit by unit, then period (empty: not estimated).
    let estimates: [QD766Result]
    /// The units whose results the pass that left this made anew (the others were copied).
    public let unitsEvaluated: Int
    /// Of those units' results and estimates, how many were made anew (the others were copied:
    /// their tally, or their unit's figures in that period, were the ones they had).
    public let resultsMade: Int
    public let estimatesMade: Int

    /// Whether the unit at `index` has the same figures in `rolled` as in this pass's.
    func hasSameFigures(_ rolled: [[[Tally]]], unit index: Int) -> Bool {
        guard rolled.count == self.rolled.count else { return false }
        return rolled.indices.allSatisfy { hasSameFigures(rolled, unit: index, period: $0) }
    }

    /// Whether the unit at `index` has the same figures in `rolled` as in this pass's in one period.
    func hasSameFigures(_ rolled: [[[Tally]]], unit index: Int, period: Int) -> Bool {
        guard period < self.rolled.count else { return false }
        let (now, before) = (rolled[period], self.rolled[period])
        guard now.count == before.count else { return false }
        for (indicator, tallies) in now.enumerated() where tallies[index] != before[indicator][index] { return false }
        return true
    }
}

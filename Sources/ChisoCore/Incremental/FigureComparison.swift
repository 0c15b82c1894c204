import Foundation

/// Compares the figures of the kept state with those of a load from scratch (the periodic check
/// of the incremental refresh, and its tests): every own-unit tally, paid procedure, procedure use and
/// overdue count; a missing tally is 0/0.
public enum FigureComparison {
    public typealias Figures = (
        tallies: [TallyKey: Tally], paidProcedures: [PaidProcedure], procedureUses: [ProcedureUse], overdueDossiers: [String: Int]
    )

    /// One line per figure that differs, sorted ("dossiers_on_time of u1 (month): 3/4 kept, 4/4 from scratch").
    public static func differences(incremental: Figures, full: Figures) -> [String] {
        var out: [String] = []
        for key in Set(incremental.tallies.keys).union(full.tallies.keys) {
            let kept = incremental.tallies[key] ?? Tally(), fresh = full.tallies[key] ?? Tally()
            if kept != fresh {
                out.append(
                    "\(key.indicator.rawValue) of \(key.unitID) (\(key.period.rawValue)): \(kept.numerator)/\(kept.denominator) kept, \(fresh.numerator)/\(fresh.denominator) from scratch"
                )
            }
        }
        let keptPaid = Set(incremental.paidProcedures), freshPaid = Set(full.paidProcedures)
        for paid in keptPaid.symmetricDifference(freshPaid) {
            out.append(
                "procedures_paid_online of \(paid.unitID) (\(paid.period.rawValue)): \(paid.procedureCode) paid\(paid.paidOnline ? " online" : "") only \(keptPaid.contains(paid) ? "kept" : "from scratch")"
            )
        }
        let keptUses = Set(incremental.procedureUses), freshUses = Set(full.procedureUses)
        for use in keptUses.symmetricDifference(freshUses) {
            out.append(
                "\(use.indicator.rawValue) of \(use.unitID) (\(use.period.rawValue)): \(use.procedureCode) only \(keptUses.contains(use) ? "kept" : "from scratch")"
            )
        }
        for unit in Set(incremental.overdueDossiers.keys).union(full.overdueDossiers.keys) {
            let kept = incremental.overdueDossiers[unit] ?? 0, fresh = full.overdueDossiers[unit] ?? 0
            if kept != fresh { out.append("overdue dossiers of \(unit): \(kept) kept, \(fresh) from scratch") }
        }
        return out.sorted()
    }
}

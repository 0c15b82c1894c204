/// Each unit's own procedures of one evaluation's rows, per period: paid, paid online, and in use
/// (per `.proceduresInUse` indicator), as bit sets over the procedures numbered once, so that the
/// distinct counts over a subtree are unions of words rather than of sets of strings. The rows
/// (~10^5 at province scale) are read once, each unit and code looked up once.
struct ProcedureSets {
    /// Per period index, per unit index.
    var paid: [[ProcedureSet]], paidOnline: [[ProcedureSet]]
    var used: [ComputedIndicator: [[ProcedureSet]]] = [:]
    /// A set per unit, each empty.
    let empty: [ProcedureSet]

    /// The last pass's sets when their rows are (`last`: under the same units and periods). A
    /// province pass after a few dossiers has the same arrays, found equal at once; building the
    /// sets reads ~10^5 rows.
    init(_ inputs: KPIInputs, periods: [Period], tree: UnitTree, last: EvaluationCarry?) {
        if let last, last.paidProcedures == inputs.paidProcedures, last.procedureUses == inputs.procedureUses {
            self = last.procedureSets
        } else {
            self.init(inputs, periods: periods, tree: tree)
        }
    }

    init(_ inputs: KPIInputs, periods: [Period], tree: UnitTree) {
        // A unit × procedure's rows come one after the other (one per period), so each lookup
        // remembers the last name it found: a third of the dictionary look-ups.
        var number: [String: Int] = [:]
        var lastCode: (code: String, number: Int)?
        func numbered(_ code: String) -> Int {
            if let lastCode, lastCode.code == code { return lastCode.number }
            let found: Int
            if let known = number[code] {
                found = known
            } else {
                found = number.count
                number[code] = found
            }
            lastCode = (code, found)
            return found
        }
        var lastUnit: (id: String, index: Int?)?
        func unitIndex(_ id: String) -> Int? {
            if let lastUnit, lastUnit.id == id { return lastUnit.index }
            let index = tree.indexByID[id]
            lastUnit = (id, index)
            return index
        }
        for row in inputs.paidProcedures { _ = numbered(row.procedureCode) }
        for row in inputs.procedureUses { _ = numbered(row.procedureCode) }
        var periodIndex: [PeriodKind: Int] = [:]
        for (index, period) in periods.enumerated() where periodIndex[period.kind] == nil { periodIndex[period.kind] = index }
        empty = [ProcedureSet](repeating: ProcedureSet(capacity: number.count), count: tree.units.count)
        let perPeriod = [[ProcedureSet]](repeating: empty, count: periods.count)
        paid = perPeriod
        paidOnline = perPeriod
        for row in inputs.paidProcedures {
            guard let p = periodIndex[row.period], let unit = unitIndex(row.unitID) else { continue }
            let code = numbered(row.procedureCode)
            paid[p][unit].insert(code)
            if row.paidOnline { paidOnline[p][unit].insert(code) }
        }
        for row in inputs.procedureUses {
            guard let p = periodIndex[row.period], let unit = unitIndex(row.unitID) else { continue }
            used[row.indicator, default: perPeriod][p][unit].insert(numbered(row.procedureCode))
        }
    }
}

/// A set of numbered procedures, one bit each.
struct ProcedureSet {
    private var words: [UInt64]

    init(capacity: Int) { words = [UInt64](repeating: 0, count: (capacity + 63) / 64) }

    mutating func insert(_ member: Int) { words[member / 64] |= 1 << UInt64(member % 64) }

    mutating func formUnion(_ other: ProcedureSet) {
        for index in words.indices { words[index] |= other.words[index] }
    }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}

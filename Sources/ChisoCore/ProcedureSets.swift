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
        let rows = ProcedureRows(inputs)
        if let last, last.procedureRows == rows {
            self = last.procedureSets
        } else {
            switch rows {
            case .numbered(let numbered): self.init(numbered, periods: periods, tree: tree)
            // Rows by name (a load from scratch, `PostgresKPISource`): numbered first.
            case .named(let paid, let uses): self.init(NumberedProcedureRows(paid: paid, uses: uses), periods: periods, tree: tree)
            }
        }
    }

    /// From numbered rows (the incremental state's, or rows by name numbered first): the procedure
    /// numbers are the bits, the units are found in the tree once each, not once per row (no name
    /// hashed per row: ~0.03 s of a province pass after a batch that moved the procedures).
    init(_ rows: NumberedProcedureRows, periods: [Period], tree: UnitTree) {
        let unitIndex = rows.unitNames.map { tree.indexByID[$0] }
        var periodIndex = [Int?](repeating: nil, count: PeriodKind.allCases.count)
        for (index, period) in periods.enumerated() where periodIndex[period.kind.ordinal] == nil {
            periodIndex[period.kind.ordinal] = index
        }
        empty = [ProcedureSet](repeating: ProcedureSet(capacity: rows.procedureNames.count), count: tree.units.count)
        let perPeriod = [[ProcedureSet]](repeating: empty, count: periods.count)
        paid = perPeriod
        paidOnline = perPeriod
        for row in rows.paid {
            guard let p = periodIndex[row.period.ordinal], let unit = unitIndex[Int(row.unit)] else { continue }
            paid[p][unit].insert(Int(row.procedure))
            if row.online { paidOnline[p][unit].insert(Int(row.procedure)) }
        }
        // By indicator ordinal while filling (a dictionary's subscript per row hashed its key and
        // copied the arrays it holds on write).
        var usedByOrdinal = [[[ProcedureSet]]?](repeating: nil, count: ComputedIndicator.allCases.count)
        for row in rows.uses {
            guard let p = periodIndex[row.period.ordinal], let unit = unitIndex[Int(row.unit)] else { continue }
            let indicator = row.indicator.ordinal
            if usedByOrdinal[indicator] == nil { usedByOrdinal[indicator] = perPeriod }
            usedByOrdinal[indicator]![p][unit].insert(Int(row.procedure))
        }
        for indicator in ComputedIndicator.allCases {
            if let sets = usedByOrdinal[indicator.ordinal] { used[indicator] = sets }
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

/// The paid procedures and procedure uses as the incremental state numbers them: units and
/// procedures by their index in its name tables (`unitNames`, `procedureNames`). The same rows as
/// `KPIInputs.paidProcedures` and `procedureUses` give by name, without a name per row: the state
/// holds them numbered, and the evaluation wants them numbered (`ProcedureSets`).
public struct NumberedProcedureRows: Sendable, Equatable {
    public struct Paid: Sendable, Equatable {
        public var unit: Int32
        public var procedure: Int32
        public var period: PeriodKind
        /// Whether one of those payments went through `national_portal` or `provincial_gateway`.
        public var online: Bool
    }

    public struct Use: Sendable, Equatable {
        public var unit: Int32
        public var procedure: Int32
        public var period: PeriodKind
        public var indicator: ComputedIndicator
    }

    public var unitNames: [String]
    public var procedureNames: [String]
    public var paid: [Paid]
    public var uses: [Use]

    public init(unitNames: [String], procedureNames: [String], paid: [Paid], uses: [Use]) {
        self.unitNames = unitNames
        self.procedureNames = procedureNames
        self.paid = paid
        self.uses = uses
    }

    /// Rows by name numbered: units and procedures in the order they first appear.
    public init(paid: [PaidProcedure], uses: [ProcedureUse]) {
        var units = Interner(), procedures = Interner()
        self.paid = paid.map {
            Paid(unit: units.index($0.unitID), procedure: procedures.index($0.procedureCode), period: $0.period, online: $0.paidOnline)
        }
        self.uses = uses.map {
            Use(unit: units.index($0.unitID), procedure: procedures.index($0.procedureCode), period: $0.period, indicator: $0.indicator)
        }
        (unitNames, procedureNames) = (units.names, procedures.names)
    }

    /// The rows by name, in the same order.
    public var paidByName: [PaidProcedure] {
        paid.map {
            PaidProcedure(
                unitID: unitNames[Int($0.unit)], period: $0.period, procedureCode: procedureNames[Int($0.procedure)], paidOnline: $0.online)
        }
    }

    public var usesByName: [ProcedureUse] {
        uses.map {
            ProcedureUse(
                unitID: unitNames[Int($0.unit)], period: $0.period, procedureCode: procedureNames[Int($0.procedure)], indicator: $0.indicator)
        }
    }
}

/// The rows an evaluation's procedure sets were made of (`EvaluationCarry`): numbered, or by name.
enum ProcedureRows: Sendable, Equatable {
    case numbered(NumberedProcedureRows)
    case named([PaidProcedure], [ProcedureUse])

    init(_ inputs: KPIInputs) {
        if let numbered = inputs.numberedProcedures {
            self = .numbered(numbered)
        } else {
            self = .named(inputs.paidProcedures, inputs.procedureUses)
        }
    }
}

extension PeriodKind {
    /// The position in `allCases`, without hashing (a test checks it against `allCases`).
    public var ordinal: Int {
        switch self {
        case .year: 0
        case .quarter: 1
        case .month: 2
        }
    }
}

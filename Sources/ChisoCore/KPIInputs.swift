import Foundation

/// A numerator and a denominator; summed, never averaged, when units roll up.
public struct Tally: Sendable, Hashable {
    public var numerator: Decimal
    public var denominator: Decimal

    public init(numerator: Decimal = 0, denominator: Decimal = 0) {
        self.numerator = numerator
        self.denominator = denominator
    }

    public static func + (a: Tally, b: Tally) -> Tally {
        Tally(numerator: a.numerator + b.numerator, denominator: a.denominator + b.denominator)
    }

    public static func += (a: inout Tally, b: Tally) { a = a + b }
}

/// Counts for one unit's own rows (not its descendants') in one period, keyed by indicator.
public struct TallyKey: Sendable, Hashable {
    public var unitID: String
    public var period: PeriodKind
    public var indicator: ComputedIndicator

    public init(unitID: String, period: PeriodKind, indicator: ComputedIndicator) {
        self.unitID = unitID
        self.period = period
        self.indicator = indicator
    }
}

/// One procedure with online payment deployed that had a payment in a period at a unit.
public struct PaidProcedure: Sendable, Hashable {
    // The strings first, the one-byte fields after them: 34 bytes, not 41 with padding (10^5 of
    // these at province scale).
    public var unitID: String
    public var procedureCode: String
    public var period: PeriodKind
    /// Whether one of those payments went through `national_portal` or `provincial_gateway`.
    public var paidOnline: Bool

    public init(unitID: String, period: PeriodKind, procedureCode: String, paidOnline: Bool) {
        self.unitID = unitID
        self.period = period
        self.procedureCode = procedureCode
        self.paidOnline = paidOnline
    }
}

/// A procedure used at a unit in a period, for a `.proceduresInUse` figure (counted distinct over
/// each subtree): an online dossier received (`online_services_used`), an online payment of a
/// fee-charging procedure (`fee_procedures_paid_online`). Storage lists only procedures of the
/// figure's kind (not internal; the service level or the fee), so each one counts.
public struct ProcedureUse: Sendable, Hashable {
    // The strings first (as in `PaidProcedure`): a 40-byte stride, not 48.
    public var unitID: String
    public var procedureCode: String
    public var period: PeriodKind
    public var indicator: ComputedIndicator

    public init(unitID: String, period: PeriodKind, procedureCode: String, indicator: ComputedIndicator) {
        self.unitID = unitID
        self.period = period
        self.procedureCode = procedureCode
        self.indicator = indicator
    }
}

/// A candidate row of `manual_values` (already limited to recorded_at <= T and period_end <= date(T)).
public struct ManualValue: Sendable, Hashable {
    public var indicator: String
    public var unitID: String
    public var periodEnd: LocalDate
    public var numerator: Decimal
    public var denominator: Decimal
    public var recordedAt: Date

    public init(indicator: String, unitID: String, periodEnd: LocalDate, numerator: Decimal, denominator: Decimal, recordedAt: Date) {
        self.indicator = indicator
        self.unitID = unitID
        self.periodEnd = periodEnd
        self.numerator = numerator
        self.denominator = denominator
        self.recordedAt = recordedAt
    }
}

/// A plan task open as of T that is overdue or falls due within the look-ahead window.
public struct OpenTask: Sendable, Hashable, Codable {
    public var id: String
    public var planRef: String?
    public var title: String
    public var leadUnitID: String
    public var monitoringUnitID: String?
    public var dueDate: LocalDate

    public init(id: String, planRef: String?, title: String, leadUnitID: String, monitoringUnitID: String?, dueDate: LocalDate) {
        self.id = id
        self.planRef = planRef
        self.title = title
        self.leadUnitID = leadUnitID
        self.monitoringUnitID = monitoringUnitID
        self.dueDate = dueDate
    }
}

/// Plan tasks (source `plan`, not cancelled) falling due in a period — from its first day up to
/// the day before T's, the tasks `plan_tasks_on_time` counts — by their lead unit and the plan
/// appendix's section (`plan_ref` up to its first dot: "II" of "II.10"; "" without one), for
/// the periodic report.
public struct PlanTaskCount: Sendable, Hashable {
    public var unitID: String
    public var period: PeriodKind
    public var section: String
    public var due: Int
    /// Done by T, on or before the due day (local).
    public var doneOnTime: Int
    /// Done by T, after the due day.
    public var doneLate: Int
    /// Not done as of T.
    public var overdue: Int

    public init(unitID: String, period: PeriodKind, section: String, due: Int = 0, doneOnTime: Int = 0, doneLate: Int = 0, overdue: Int = 0) {
        self.unitID = unitID
        self.period = period
        self.section = section
        self.due = due
        self.doneOnTime = doneOnTime
        self.doneLate = doneLate
        self.overdue = overdue
    }

    public mutating func add(_ other: PlanTaskCount) {
        due += other.due
        doneOnTime += other.doneOnTime
        doneLate += other.doneLate
        overdue += other.overdue
    }
}

extension LocalDate: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Everything one refresh reads from the database, aggregated per own unit.
///
/// Storage fills it (in PostgreSQL, one consistent read); the core turns it into a `Snapshot`.
public struct KPIInputs: Sendable {
    public var units: [Unit]
    /// Own-unit tallies of the `.sum` indicators; a missing key is a 0/0 tally.
    public var tallies: [TallyKey: Tally]
    /// More own-unit tallies, added to `tallies`: the large tables' as the incremental state
    /// holds them (arrays by unit: no dictionary of ~7 × 10^4 keys made and copied per pass).
    public var largeTableTallies: OwnTallies?
    /// Procedures paid per own unit and period (`procedures_paid_online`).
    public var paidProcedures: [PaidProcedure] {
        get { numberedProcedures?.paidByName ?? namedPaidProcedures }
        set {
            nameTheNumberedRows()
            namedPaidProcedures = newValue
        }
    }
    /// Procedures used per own unit and period, for the `.proceduresInUse` figures (their
    /// denominators are in `catalogueTallies`).
    public var procedureUses: [ProcedureUse] {
        get { numberedProcedures?.usesByName ?? namedProcedureUses }
        set {
            nameTheNumberedRows()
            namedProcedureUses = newValue
        }
    }
    /// The same rows as the incremental state numbers them (nil: by name only). Set, they are
    /// what `paidProcedures` and `procedureUses` read (named on each read: the evaluation reads
    /// these); setting either of those names them for good.
    public var numberedProcedures: NumberedProcedureRows? {
        didSet {
            if numberedProcedures != nil { (namedPaidProcedures, namedProcedureUses) = ([], []) }
        }
    }
    private var namedPaidProcedures: [PaidProcedure]
    private var namedProcedureUses: [ProcedureUse] = []
    /// Tallies of the `.catalogue` indicators (the procedure catalogue is shared by every root).
    public var catalogueTallies: [ComputedIndicator: Tally]
    public var manualValues: [ManualValue]
    /// Tasks open as of T due before T's local day plus `Evaluator.dueSoonDays` (overdue ones included).
    public var openTasks: [OpenTask]
    /// Unfinished dossiers past due as of T, per own unit.
    public var overdueDossiers: [String: Int]
    /// Plan tasks due in each period, per own lead unit and appendix section (the periodic report).
    public var planTasks: [PlanTaskCount] = []
    /// How the inputs were read (nil: a source that does not say).
    public var pass: RefreshPass?

    public init(
        units: [Unit], tallies: [TallyKey: Tally] = [:], paidProcedures: [PaidProcedure] = [],
        catalogueTallies: [ComputedIndicator: Tally] = [:], manualValues: [ManualValue] = [],
        openTasks: [OpenTask] = [], overdueDossiers: [String: Int] = [:]
    ) {
        self.units = units
        self.tallies = tallies
        self.namedPaidProcedures = paidProcedures
        self.catalogueTallies = catalogueTallies
        self.manualValues = manualValues
        self.openTasks = openTasks
        self.overdueDossiers = overdueDossiers
    }
}

extension KPIInputs {
    /// The numbered rows by name, kept by name from then on.
    private mutating func nameTheNumberedRows() {
        guard let numbered = numberedProcedures else { return }
        (namedPaidProcedures, namedProcedureUses) = (numbered.paidByName, numbered.usesByName)
        numberedProcedures = nil
    }

    /// `tallies` and `largeTableTallies` in one dictionary (comparisons and tests).
    public var allTallies: [TallyKey: Tally] {
        guard let large = largeTableTallies else { return tallies }
        return large.dictionary.merging(tallies) { $0 + $1 }
    }
}

/// How one refresh read its inputs: from scratch, or by applying what changed since the last.
public struct RefreshPass: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case full, incremental }
    public var kind: Kind
    /// Why it loaded from scratch ("start", "periodic check", "the procedures changed" …; nil for an incremental pass).
    public var reason: String?
    /// Changed rows applied.
    public var changes: Int
    /// Rows kept whole after the pass (open dossiers, rows stamped after T).
    public var pending: Int
    /// Figures that differed from a load from scratch (the periodic check; 0 otherwise).
    public var differences: Int
    /// The inputs are exactly the previous pass's (an incremental pass in which no figure moved
    /// and the small tables were not read again): only T moved. The evaluation of the previous
    /// pass may then be reused, if T is on the same local day and no manual row came due
    /// (`SnapshotPipeline`).
    public var sameInputs: Bool

    public init(kind: Kind, reason: String?, changes: Int, pending: Int, differences: Int, sameInputs: Bool = false) {
        self.kind = kind
        self.reason = reason
        self.changes = changes
        self.pending = pending
        self.differences = differences
        self.sameInputs = sameInputs
    }
}

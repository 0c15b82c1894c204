import Foundation

/// One figure of the snapshot: an indicator for a unit and a period.
public struct IndicatorResult: Sendable, Hashable {
    public var indicator: String
    public var unitID: String
    public var period: PeriodKind
    public var tally: Tally
    public var status: IndicatorStatus

    public init(indicator: String, unitID: String, period: PeriodKind, tally: Tally, status: IndicatorStatus) {
        self.indicator = indicator
        self.unitID = unitID
        self.period = period
        self.tally = tally
        self.status = status
    }

    public var value: Double? { tally.ratio }
    /// Whether `value` is not nil, without dividing (two `NSDecimalNumber`s a result: the
    /// exposition asks for ~10^5 results at each render).
    public var hasValue: Bool { tally.denominator > 0 }
}

/// An overdue task as of T, with its days overdue.
public struct OverdueTaskEntry: Sendable, Hashable {
    public var task: OpenTask
    public var daysOverdue: Int

    public init(task: OpenTask, daysOverdue: Int) {
        self.task = task
        self.daysOverdue = daysOverdue
    }
}

/// An open task due today or within the next days (`daysLeft` 0 = due today).
public struct DueSoonTaskEntry: Sendable, Hashable {
    public var task: OpenTask
    public var daysLeft: Int
}

/// Everything chiso knows at one instant; immutable, served from memory, replaced whole.
public struct Snapshot: Sendable {
    public var asOf: Date
    public var refreshedAt: Date
    public var timeZone: TimeZone
    public var catalogue: Catalogue
    public var units: [Unit]
    /// Unit by unit in tree order, then period (year, quarter, month), then catalogue order.
    public let results: [IndicatorResult]
    /// Most overdue first, then by id.
    public var overdueTasks: [OverdueTaskEntry]
    /// Open tasks due within `Evaluator.dueSoonDays` days from today (today included), soonest first.
    public var dueSoonTasks: [DueSoonTaskEntry]
    /// Open tasks past due over each unit's subtree (every unit present, 0 included).
    public var tasksOverdueByUnit: [String: Int]
    /// Unfinished dossiers past due over each unit's subtree (every unit present, 0 included).
    public var dossiersOverdueByUnit: [String: Int]
    /// Where each unit's results sit in `results` (they are contiguous): pages and lookups read
    /// one unit's figures without scanning every unit's (10^5 results at province scale).
    public private(set) var resultRanges: [String: Range<Int>]
    /// The QĐ 766 estimate, unit by unit in tree order, then period (empty: not estimated).
    public var qd766: [QD766Result] = [] {
        didSet { qd766Ranges = Self.ranges(of: qd766, unit: \.unitID) }
    }
    /// Where each unit's estimates sit in `qd766` (contiguous, like its results; a unit and
    /// period's is found among its unit's few, rather than keyed by a string made per estimate).
    private var qd766Ranges: [String: Range<Int>] = [:]
    /// The table the estimate was scored with (names, maxima, bands).
    public var qd766Table: QD766Table?
    /// Plan tasks due in each period, per own lead unit and appendix section, in unit, period and
    /// section order (the periodic report sums them over a subtree).
    public var planTasks: [PlanTaskCount] = []

    public init(
        asOf: Date, refreshedAt: Date, timeZone: TimeZone, catalogue: Catalogue, units: [Unit],
        results: [IndicatorResult], overdueTasks: [OverdueTaskEntry],
        tasksOverdueByUnit: [String: Int], dossiersOverdueByUnit: [String: Int], dueSoonTasks: [DueSoonTaskEntry] = []
    ) {
        self.init(
            asOf: asOf, refreshedAt: refreshedAt, timeZone: timeZone, catalogue: catalogue, units: units, results: results,
            overdueTasks: overdueTasks, tasksOverdueByUnit: tasksOverdueByUnit, dossiersOverdueByUnit: dossiersOverdueByUnit,
            dueSoonTasks: dueSoonTasks, resultStarts: nil)
    }

    /// `resultStarts`: where each unit's results start in `results`, in `units` order, and where
    /// the last one's end (the evaluator knows them): the ranges are taken from them rather than
    /// found by comparing every result's unit with the next one's (10^5 at province scale).
    init(
        asOf: Date, refreshedAt: Date, timeZone: TimeZone, catalogue: Catalogue, units: [Unit],
        results: [IndicatorResult], overdueTasks: [OverdueTaskEntry],
        tasksOverdueByUnit: [String: Int], dossiersOverdueByUnit: [String: Int], dueSoonTasks: [DueSoonTaskEntry], resultStarts: [Int]?
    ) {
        self.dueSoonTasks = dueSoonTasks
        self.asOf = asOf
        self.refreshedAt = refreshedAt
        self.timeZone = timeZone
        self.catalogue = catalogue
        self.units = units
        self.results = results
        self.overdueTasks = overdueTasks
        self.tasksOverdueByUnit = tasksOverdueByUnit
        self.dossiersOverdueByUnit = dossiersOverdueByUnit
        if let starts = resultStarts, starts.count == units.count + 1, starts.last == results.count {
            var ranges: [String: Range<Int>] = [:]
            ranges.reserveCapacity(units.count)
            for (index, unit) in units.enumerated() where starts[index] < starts[index + 1] && ranges[unit.id] == nil {
                ranges[unit.id] = starts[index]..<starts[index + 1]
            }
            self.resultRanges = ranges
        } else {
            self.resultRanges = Self.ranges(of: results, unit: \.unitID)
        }
    }

    static func ranges<Element>(of results: [Element], unit: KeyPath<Element, String>) -> [String: Range<Int>] {
        var ranges: [String: Range<Int>] = [:]
        var start = 0
        for index in results.indices where index + 1 == results.count || results[index + 1][keyPath: unit] != results[index][keyPath: unit] {
            let unit = results[index][keyPath: unit]
            // Contiguous by construction (the evaluator emits unit by unit); a unit seen twice keeps the first run.
            if ranges[unit] == nil { ranges[unit] = start..<(index + 1) }
            start = index + 1
        }
        return ranges
    }

    /// The results of one unit (every period and indicator).
    public func results(of unit: String) -> ArraySlice<IndicatorResult> {
        guard let range = resultRanges[unit] else { return [] }
        return results[range]
    }

    public func result(_ indicator: String, unit: String, period: PeriodKind) -> IndicatorResult? {
        results(of: unit).first { $0.indicator == indicator && $0.period == period }
    }

    /// Whether `other` says exactly what this snapshot says, only at another instant of the same
    /// local day: every figure and status, task, count, unit and the catalogue equal (the day too,
    /// because pages count days and project the year from it). A refresh whose snapshot says the
    /// same as the last one keeps what was rendered from it and moves only its times: at night,
    /// or in a commune between two dossiers, most refreshes change nothing.
    public func saysTheSame(as other: Snapshot) -> Bool {
        guard timeZone == other.timeZone, results.count == other.results.count else { return false }
        let calendar = PlanCalendar(timeZone: timeZone)
        return calendar.localDate(of: asOf) == calendar.localDate(of: other.asOf)
            && results == other.results
            && overdueTasks == other.overdueTasks && dueSoonTasks == other.dueSoonTasks
            && tasksOverdueByUnit == other.tasksOverdueByUnit && dossiersOverdueByUnit == other.dossiersOverdueByUnit
            && units == other.units && catalogue == other.catalogue
            && qd766 == other.qd766 && qd766Table == other.qd766Table && planTasks == other.planTasks
    }

    /// One unit's QĐ 766 estimates (every period; empty: not estimated).
    public func qd766(of unit: String) -> ArraySlice<QD766Result> {
        guard let range = qd766Ranges[unit] else { return [] }
        return qd766[range]
    }

    /// One unit's QĐ 766 estimate for a period.
    public func qd766(unit: String, period: PeriodKind) -> QD766Result? {
        qd766(of: unit).first { $0.period == period }
    }
}

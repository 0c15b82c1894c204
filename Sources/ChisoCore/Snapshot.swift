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
}

/// An overdue task as of T, with its days overdue.
public struct OverdueTaskEntry: Sendable, Hashable {
    public var task: OpenTask
    public var daysOverdue: Int
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
    public var results: [IndicatorResult]
    /// Most overdue first, then by id.
    public var overdueTasks: [OverdueTaskEntry]
    /// Open tasks due within `Evaluator.dueSoonDays` days from today (today included), soonest first.
    public var dueSoonTasks: [DueSoonTaskEntry]
    /// Open tasks past due over each unit's subtree (every unit present, 0 included).
    public var tasksOverdueByUnit: [String: Int]
    /// Unfinished dossiers past due over each unit's subtree (every unit present, 0 included).
    public var dossiersOverdueByUnit: [String: Int]

    public init(
        asOf: Date, refreshedAt: Date, timeZone: TimeZone, catalogue: Catalogue, units: [Unit],
        results: [IndicatorResult], overdueTasks: [OverdueTaskEntry],
        tasksOverdueByUnit: [String: Int], dossiersOverdueByUnit: [String: Int], dueSoonTasks: [DueSoonTaskEntry] = []
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
    }

    public func result(_ indicator: String, unit: String, period: PeriodKind) -> IndicatorResult? {
        results.first { $0.indicator == indicator && $0.unitID == unit && $0.period == period }
    }
}

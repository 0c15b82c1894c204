import Foundation

/// Turns one refresh's inputs into a snapshot: subtree rollups, manual picks, statuses.
/// Pure: the instant and the time zone are parameters.
public struct Evaluator: Sendable {
    public var catalogue: Catalogue
    public var calendar: PlanCalendar

    /// How far ahead the page looks for tasks falling due (the "due within 7 days").
    public static let dueSoonDays = 7

    public init(catalogue: Catalogue, calendar: PlanCalendar) {
        self.catalogue = catalogue
        self.calendar = calendar
    }

    public func evaluate(_ inputs: KPIInputs, asOf: Date, refreshedAt: Date) -> Snapshot {
        let tree = UnitTree(inputs.units)
        let periods = calendar.periods(asOf: asOf)
        let today = calendar.localDate(of: asOf)
        var results: [IndicatorResult] = []
        results.reserveCapacity(tree.units.count * periods.count * catalogue.indicators.count)

        let rolled = rolledTallies(inputs, periods: periods, tree: tree)
        let manual = ManualPicker(values: inputs.manualValues, asOf: asOf)
        // What each definition needs, found once rather than once per unit and period.
        let definitions = catalogue.indicators.map { definition in
            (
                definition, computed: definition.source == .computed ? ComputedIndicator(rawValue: definition.id) : nil,
                margin: catalogue.margin(for: definition)
            )
        }

        for (index, unit) in tree.units.enumerated() {
            for (periodIndex, period) in periods.enumerated() {
                for (definition, computed, margin) in definitions {
                    let tally: Tally
                    switch definition.source {
                    case .computed:
                        guard let indicator = computed else { continue }
                        if indicator.rollup == .catalogue && !tree.isRoot(index) { continue }
                        tally = rolled[periodIndex][indicator.ordinal][index]
                    case .manual:
                        tally = manual.pick(indicator: definition.id, unitID: unit.id, period: period) ?? Tally()
                    }
                    let status = IndicatorStatus.of(tally, comparator: definition.comparator, target: definition.target, margin: margin)
                    results.append(IndicatorResult(indicator: definition.id, unitID: unit.id, period: period.kind, tally: tally, status: status))
                }
            }
        }

        let overdue = inputs.openTasks
            .filter { $0.dueDate < today }
            .map { OverdueTaskEntry(task: $0, daysOverdue: $0.dueDate.days(until: today)) }
            .sorted { ($0.daysOverdue, $1.task.id) > ($1.daysOverdue, $0.task.id) }
        let lastSoonDay = today.adding(days: Self.dueSoonDays)
        let dueSoon = inputs.openTasks
            .filter { $0.dueDate >= today && $0.dueDate <= lastSoonDay }
            .map { DueSoonTaskEntry(task: $0, daysLeft: today.days(until: $0.dueDate)) }
            .sorted { ($0.daysLeft, $0.task.id) < ($1.daysLeft, $1.task.id) }
        var ownOverdueTasks = [Int](repeating: 0, count: tree.units.count)
        for entry in overdue {
            if let index = tree.indexByID[entry.task.leadUnitID] { ownOverdueTasks[index] += 1 }
        }
        let ownOverdueDossiers = tree.units.map { inputs.overdueDossiers[$0.id] ?? 0 }
        let tasksByUnit = tree.rollUp(own: ownOverdueTasks, combine: { $0 += $1 })
        let dossiersByUnit = tree.rollUp(own: ownOverdueDossiers, combine: { $0 += $1 })

        return Snapshot(
            asOf: asOf, refreshedAt: refreshedAt, timeZone: calendar.timeZone, catalogue: catalogue,
            units: tree.units, results: results, overdueTasks: overdue,
            tasksOverdueByUnit: Dictionary(uniqueKeysWithValues: zip(tree.units.map(\.id), tasksByUnit)),
            dossiersOverdueByUnit: Dictionary(uniqueKeysWithValues: zip(tree.units.map(\.id), dossiersByUnit)),
            dueSoonTasks: dueSoon)
    }

    /// Per period, per computed indicator (by ordinal): subtree tallies for every unit
    /// (index-aligned with tree.units). Arrays, not dictionaries: a province reads them 10^5 times.
    private func rolledTallies(_ inputs: KPIInputs, periods: [Period], tree: UnitTree) -> [[[Tally]]] {
        var rolled: [[[Tally]]] = []
        for period in periods {
            var byIndicator = [[Tally]](repeating: [], count: ComputedIndicator.allCases.count)
            for indicator in ComputedIndicator.allCases {
                switch indicator.rollup {
                case .sum:
                    let own = tree.units.map { inputs.tallies[TallyKey(unitID: $0.id, period: period.kind, indicator: indicator)] ?? Tally() }
                    byIndicator[indicator.ordinal] = tree.rollUp(own: own, combine: { $0 += $1 })
                case .distinctProcedures:
                    byIndicator[indicator.ordinal] = distinctProcedureTallies(inputs.paidProcedures, period: period.kind, tree: tree)
                case .catalogue:
                    byIndicator[indicator.ordinal] = tree.units.map { _ in inputs.catalogueTallies[indicator] ?? Tally() }
                }
            }
            rolled.append(byIndicator)
        }
        return rolled
    }

    /// `procedures_paid_online`: distinct procedures over the subtree, so a procedure paid at two
    /// departments counts once for their commune.
    private func distinctProcedureTallies(_ rows: [PaidProcedure], period: PeriodKind, tree: UnitTree) -> [Tally] {
        // procedure code -> paid online somewhere in the set
        var own = [[String: Bool]](repeating: [:], count: tree.units.count)
        for row in rows where row.period == period {
            guard let index = tree.indexByID[row.unitID] else { continue }
            own[index][row.procedureCode] = (own[index][row.procedureCode] ?? false) || row.paidOnline
        }
        let merged = tree.rollUp(own: own) { parent, child in
            parent.merge(child) { $0 || $1 }
        }
        return merged.map { set in
            Tally(numerator: Decimal(set.values.filter { $0 }.count), denominator: Decimal(set.count))
        }
    }
}

/// Chooses the manual figure in force for a unit and a period: the greatest `period_end` in
/// [date(S), date(T)], ties broken by the latest `recorded_at`; rows recorded after T do not exist.
struct ManualPicker {
    /// Indicator, then unit: no key is built per lookup (a province asks 10^5 times, mostly in vain).
    private var byIndicator: [String: [String: [ManualValue]]] = [:]
    private let asOf: Date

    init(values: [ManualValue], asOf: Date) {
        self.asOf = asOf
        for value in values where value.recordedAt <= asOf {
            byIndicator[value.indicator, default: [:]][value.unitID, default: []].append(value)
        }
    }

    func pick(indicator: String, unitID: String, period: Period) -> Tally? {
        guard let candidates = byIndicator[indicator]?[unitID] else { return nil }
        let best =
            candidates
            .filter { $0.periodEnd >= period.startDate && $0.periodEnd <= period.endDate }
            .max { ($0.periodEnd, $0.recordedAt) < ($1.periodEnd, $1.recordedAt) }
        return best.map { Tally(numerator: $0.numerator, denominator: $0.denominator) }
    }
}

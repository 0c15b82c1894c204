import Foundation

/// Turns one refresh's inputs into a snapshot: subtree rollups, manual picks, statuses.
/// Pure: the instant and the time zone are parameters.
public struct Evaluator: Sendable {
    public var catalogue: Catalogue
    public var calendar: PlanCalendar
    /// The QĐ 766 scoring table; nil: no estimate.
    public var qd766: QD766Table?

    /// How far ahead the page looks for tasks falling due (the "due within 7 days").
    public static let dueSoonDays = 7

    /// How many pieces (ranges of units, each on a thread of its own) the results and estimates
    /// are made in; nil: twice the cores, at most one per `unitsPerPiece` units evaluated anew (a
    /// commune is one piece, and so is a province pass that changed a few communes). A
    /// province's pass after flags flipped in every commune makes ~7 000 results and ~2 500
    /// estimates: ~0.1 s on one core, while the database is idle.
    public var pieces: Int?

    /// Fewer units evaluated anew than this are not worth a thread.
    static let unitsPerPiece = 64

    public init(catalogue: Catalogue, calendar: PlanCalendar, qd766: QD766Table? = .builtIn) {
        self.catalogue = catalogue
        self.calendar = calendar
        self.qd766 = qd766
    }

    /// `manualRecordedBy`: the last recording instant of manual rows taken (default T: rows recorded
    /// after T do not exist yet; a past month's publication takes those entered since).
    public func evaluate(_ inputs: KPIInputs, asOf: Date, refreshedAt: Date, manualRecordedBy: Date? = nil) -> Snapshot {
        evaluate(inputs, asOf: asOf, refreshedAt: refreshedAt, manualRecordedBy: manualRecordedBy, reusing: nil).snapshot
    }

    /// The same evaluation, copying from `carry` (the previous pass's) the results and estimates
    /// of every unit whose subtree figures did not change; returns what the next pass can reuse.
    public func evaluate(
        _ inputs: KPIInputs, asOf: Date, refreshedAt: Date, manualRecordedBy: Date? = nil, reusing carry: EvaluationCarry?
    ) -> (snapshot: Snapshot, carry: EvaluationCarry) {
        let tree = UnitTree(inputs.units)
        let periods = calendar.periods(asOf: asOf)
        let today = calendar.localDate(of: asOf)
        let sameTree = carry.flatMap { $0.units == tree.units && $0.periods == periods ? $0 : nil }
        // The procedure sets (~10^5 rows at province scale) while the sums are rolled up. The sums
        // on this thread: their periods are rolled on every core (`Concurrently.map`), which an
        // apply started from the other side's dispatch worker does not get (libdispatch gives a
        // nested apply its share of the cores: on two, one; perf of a province's 1 % pass: ~10 ms
        // of rolling on one core while the other waited on it).
        let (sums, procedures) = Concurrently.both(
            { rolledSums(inputs, periods: periods, tree: tree, last: sameTree) },
            { ProcedureSets(inputs, periods: periods, tree: tree, last: sameTree) })
        let (rolled, own) = rolledTallies(inputs, periods: periods, tree: tree, procedures: procedures, sums: sums)
        let recordedBy = manualRecordedBy ?? asOf
        let manual = ManualPicker(values: inputs.manualValues, asOf: recordedBy)
        let manualRows = inputs.manualValues.filter { $0.recordedAt <= recordedBy }
        let previous = sameTree.flatMap { carry in
            carry.manualRows == manualRows && carry.catalogue == catalogue && carry.qd766 == qd766 ? carry : nil
        }
        let unchanged = tree.units.indices.map { index in previous?.hasSameFigures(rolled, unit: index) ?? false }
        let copying = previous.map { ($0, unchanged) }
        // Results and estimates, unit by unit, on every core: each range of units is one piece,
        // written where its results belong in the snapshot's arrays (how many each unit has is
        // known before: the pieces' arrays joined in one more copy were ~7 ms of a province pass).
        let changed = unchanged.reduce(0) { $0 + ($1 ? 0 : 1) }
        let definitions = resultDefinitions()
        let resultStarts = Self.resultStarts(definitions, tree: tree, periods: periods.count)
        let estimateCount = qd766 == nil ? 0 : tree.units.count * periods.count
        var made: [(results: Int, estimates: Int)] = []
        var estimates: [QD766Result] = []
        let results = [IndicatorResult](unsafeUninitializedCapacity: resultStarts[tree.units.count]) { resultSlots, resultsWritten in
            estimates = [QD766Result](unsafeUninitializedCapacity: estimateCount) { estimateSlots, estimatesWritten in
                let slots = Slots(results: resultSlots, estimates: estimateSlots)
                made = Concurrently.map(unitRanges(tree.units.count, changed: changed)) { units in
                    var results = slots.results(resultStarts[units.lowerBound]..<resultStarts[units.upperBound])
                    let resultsMade = indicatorResults(
                        definitions, rolled: rolled, manual: manual, tree: tree, periods: periods, units: units, copying: copying,
                        into: &results)
                    var estimated = slots.estimates(qd766 == nil ? 0..<0 : (units.lowerBound * periods.count)..<(units.upperBound * periods.count))
                    let estimatesMade =
                        qd766.map {
                            self.estimates(
                                $0, rolled: rolled, manual: manual, tree: tree, periods: periods, units: units, copying: copying, into: &estimated)
                        } ?? 0
                    // Every slot written, or the arrays would hold uninitialised results.
                    precondition(results.isFull && estimated.isFull, "a piece wrote other than its units' results and estimates")
                    return (resultsMade, estimatesMade)
                }
                estimatesWritten = estimateCount
            }
            resultsWritten = resultStarts[tree.units.count]
        }
        let resultsMade = made.reduce(0) { $0 + $1.results }

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

        var snapshot = Snapshot(
            asOf: asOf, refreshedAt: refreshedAt, timeZone: calendar.timeZone, catalogue: catalogue,
            units: tree.units, results: results, overdueTasks: overdue,
            tasksOverdueByUnit: Dictionary(uniqueKeysWithValues: zip(tree.units.map(\.id), tasksByUnit)),
            dossiersOverdueByUnit: Dictionary(uniqueKeysWithValues: zip(tree.units.map(\.id), dossiersByUnit)),
            dueSoonTasks: dueSoon, resultStarts: resultStarts)
        snapshot.planTasks = inputs.planTasks.sorted {
            ($0.unitID, $0.period.rawValue, $0.section) < ($1.unitID, $1.period.rawValue, $1.section)
        }
        let estimatesMade = made.reduce(0) { $0 + $1.estimates }
        if let qd766 {
            snapshot.qd766Table = qd766
            snapshot.qd766 = estimates
        }
        let next = EvaluationCarry(
            units: tree.units, periods: periods, manualRows: manualRows, catalogue: catalogue, qd766: qd766, rolled: rolled, own: own,
            procedureRows: ProcedureRows(inputs), procedureSets: procedures,
            resultStarts: resultStarts, results: results, estimates: snapshot.qd766,
            unitsEvaluated: changed, resultsMade: resultsMade, estimatesMade: estimatesMade)
        return (snapshot, next)
    }

    /// What each definition needs, found once rather than once per unit and period, and no more:
    /// a definition's ~14 strings were retained and released at every result (~10^5 a province pass).
    private func resultDefinitions() -> [ResultDefinition] {
        catalogue.indicators.map { definition in
            ResultDefinition(
                id: definition.id, source: definition.source, comparator: definition.comparator, target: definition.target,
                computed: definition.source == .computed ? ComputedIndicator(rawValue: definition.id) : nil,
                margin: catalogue.margin(for: definition))
        }
    }

    /// Where each unit's results start in the snapshot's results, and where the last one's end:
    /// every period of every definition, but for a computed id this build does not know and, below
    /// the root, the catalogue-wide figures (`indicatorResults` skips the same).
    private static func resultStarts(_ definitions: [ResultDefinition], tree: UnitTree, periods: Int) -> [Int] {
        let known = definitions.filter { $0.source == .manual || $0.computed != nil }
        let everywhere = known.filter { $0.computed?.rollup != .catalogue }.count
        var starts = [0]
        starts.reserveCapacity(tree.units.count + 1)
        for index in tree.units.indices {
            starts.append(starts[index] + periods * (tree.isRoot(index) ? known.count : everywhere))
        }
        return starts
    }

    /// Every catalogue indicator of the units in `units` and every period, unit by unit in tree
    /// order, then period, then catalogue order, into `results` (exactly `resultStarts`' count for them);
    /// returns how many were made anew. A unit `copying` marks unchanged has its results copied from the
    /// previous pass, and so has each result of another unit whose tally did not change.
    private func indicatorResults(
        _ definitions: [ResultDefinition], rolled: [[[Tally]]], manual: ManualPicker, tree: UnitTree, periods: [Period], units: Range<Int>,
        copying: (EvaluationCarry, [Bool])?, into results: inout Slots.Run<IndicatorResult>
    ) -> Int {
        var made = 0
        for index in units {
            let unit = tree.units[index]
            if let (previous, unchanged) = copying, unchanged[index] {
                results.append(contentsOf: previous.results[previous.resultStarts[index]..<previous.resultStarts[index + 1]])
                continue
            }
            // A changed unit's results sit where they sat last time (same definitions, periods and
            // skips): one whose tally is the one it had (or a manual one: same rows) is copied.
            let previous = copying?.0
            var position = previous?.resultStarts[index]
            defer { if let position, let previous { precondition(position == previous.resultStarts[index + 1]) } }
            for (periodIndex, period) in periods.enumerated() {
                for definition in definitions.indices {
                    let tally: Tally
                    switch definitions[definition].source {
                    case .computed:
                        guard let indicator = definitions[definition].computed else { continue }
                        if indicator.rollup == .catalogue && !tree.isRoot(index) { continue }
                        tally = rolled[periodIndex][indicator.ordinal][index]
                        if let previous, let at = position {
                            position = at + 1
                            if previous.rolled[periodIndex][indicator.ordinal][index] == tally {
                                results.append(previous.results[at])
                                continue
                            }
                        }
                    case .manual:
                        if let previous, let at = position {
                            position = at + 1
                            results.append(previous.results[at])
                            continue
                        }
                        tally = manual.pick(indicator: definitions[definition].id, unitID: unit.id, period: period) ?? Tally()
                    }
                    made += 1
                    let status = IndicatorStatus.of(
                        tally, comparator: definitions[definition].comparator, target: definitions[definition].target,
                        margin: definitions[definition].margin)
                    results.append(
                        IndicatorResult(
                            indicator: definitions[definition].id, unitID: unit.id, period: period.kind, tally: tally, status: status))
                }
            }
        }
        return made
    }

    /// The QĐ 766 estimate of the units in `units` and every period, in the order of `results` (unit, then period),
    /// and how many were made anew: one whose unit has the figures it had in that period (every
    /// computed indicator; the manual rows are the same) is copied from the previous pass.
    private func estimates(
        _ table: QD766Table, rolled: [[[Tally]]], manual: ManualPicker, tree: UnitTree, periods: [Period], units: Range<Int>,
        copying: (EvaluationCarry, [Bool])?, into out: inout Slots.Run<QD766Result>
    ) -> Int {
        let estimator = QD766Estimator(table: table)
        let previous = copying.flatMap { $0.0.estimates.count == tree.units.count * periods.count ? $0 : nil }
        var made = 0
        for index in units {
            let unit = tree.units[index]
            if let (previous, unchanged) = previous, unchanged[index] {
                out.append(contentsOf: previous.estimates[(index * periods.count)..<((index + 1) * periods.count)])
                continue
            }
            for (periodIndex, period) in periods.enumerated() {
                if let (previous, _) = previous, previous.hasSameFigures(rolled, unit: index, period: periodIndex) {
                    out.append(previous.estimates[index * periods.count + periodIndex])
                    continue
                }
                made += 1
                // The last pass's estimate of this unit and period (same table and manual rows):
                // its sub-indicators whose counts did not move are kept, not scored again.
                let before = previous.map { $0.0.estimates[index * periods.count + periodIndex] }
                out.append(
                    estimator.estimate(
                        unitID: unit.id, period: period.kind, figure: { rolled[periodIndex][$0.ordinal][index] },
                        manual: { id, inherited in
                            // The unit's own row, else (for figures the province sets) the nearest ancestor's.
                            var current: Int? = index
                            while let at = current {
                                let holder = tree.units[at].id
                                if let tally = manual.pick(indicator: id, unitID: holder, period: period) { return (tally, holder) }
                                current = inherited ? tree.parentIndex[at] : nil
                            }
                            return nil
                        }, previous: before))
            }
        }
        return made
    }

    /// Per period, per computed indicator (by ordinal): subtree tallies for every unit
    /// (index-aligned with tree.units). Arrays, not dictionaries: a province reads them 10^5 times.
    /// Also the units' own tallies of the `.sum` indicators (same shape; empty for the others).
    /// `sums`: the `.sum` indicators' (`rolledSums`), the others' rows empty.
    private func rolledTallies(
        _ inputs: KPIInputs, periods: [Period], tree: UnitTree, procedures: ProcedureSets, sums: (rolled: [[[Tally]]], own: [[[Tally]]])
    ) -> (rolled: [[[Tally]]], own: [[[Tally]]]) {
        var rolled = sums.rolled
        for periodIndex in periods.indices {
            for indicator in ComputedIndicator.allCases {
                switch indicator.rollup {
                case .sum:
                    continue
                case .distinctProcedures:
                    // `procedures_paid_online`: distinct procedures over the subtree, so a procedure
                    // paid at two departments counts once for their commune.
                    let paid = tree.rollUp(own: procedures.paid[periodIndex]) { $0.formUnion($1) }
                    let online = tree.rollUp(own: procedures.paidOnline[periodIndex]) { $0.formUnion($1) }
                    rolled[periodIndex][indicator.ordinal] = zip(online, paid).map {
                        Tally(numerator: Decimal($0.count), denominator: Decimal($1.count))
                    }
                case .catalogue:
                    rolled[periodIndex][indicator.ordinal] = tree.units.map { _ in inputs.catalogueTallies[indicator] ?? Tally() }
                case .proceduresInUse:
                    // The procedures used anywhere in the subtree, counted once, out of the catalogue's
                    // procedures of that kind.
                    let total = inputs.catalogueTallies[indicator]?.denominator ?? 0
                    let own = procedures.used[indicator]?[periodIndex] ?? procedures.empty
                    rolled[periodIndex][indicator.ordinal] = tree.rollUp(own: own) { $0.formUnion($1) }.map {
                        Tally(numerator: Decimal($0.count), denominator: total)
                    }
                }
            }
        }
        return (rolled, sums.own)
    }

    /// The `.sum` indicators' subtree tallies and own tallies, per period and indicator (the
    /// other indicators' rows empty). With `last` (the previous pass's, same units and periods),
    /// a sum whose own tallies changed at a few units is rolled again along their lineages only
    /// (`UnitTree.rollUp(own:changed:…)`).
    private func rolledSums(
        _ inputs: KPIInputs, periods: [Period], tree: UnitTree, last: EvaluationCarry?
    ) -> (rolled: [[[Tally]]], own: [[[Tally]]]) {
        // The large tables' tallies by row: each unit's row found once, not a key per tally; the
        // dictionary is then asked only for the indicators it holds (the small tables').
        let large = inputs.largeTableTallies
        let largeRows = large.map { large in tree.units.map { large.row(of: $0.id) } } ?? []
        let inDictionary = large == nil ? Set(ComputedIndicator.allCases) : Set(inputs.tallies.keys.lazy.map(\.indicator))
        // Each period apart, on the machine's cores (~5 ms of a province pass each).
        let byPeriod = Concurrently.map(Array(periods.indices)) { periodIndex -> (rolled: [[Tally]], own: [[Tally]]) in
            let period = periods[periodIndex]
            let largePeriod = large?.periodIndex(of: period.kind)
            var byIndicator = [[Tally]](repeating: [], count: ComputedIndicator.allCases.count)
            var ownByIndicator = byIndicator
            for indicator in ComputedIndicator.allCases where indicator.rollup == .sum {
                let own = tree.units.indices.map { index -> Tally in
                    var kept: Tally?
                    if let large, let largePeriod, let row = largeRows[index] {
                        kept = large.tally(row: row, period: largePeriod, indicator: indicator)
                    }
                    guard inDictionary.contains(indicator),
                        let listed = inputs.tallies[TallyKey(unitID: tree.units[index].id, period: period.kind, indicator: indicator)]
                    else { return kept ?? Tally() }
                    return kept.map { $0 + listed } ?? listed
                }
                ownByIndicator[indicator.ordinal] = own
                if let last, last.own[periodIndex][indicator.ordinal].count == own.count {
                    let before = last.own[periodIndex][indicator.ordinal]
                    let changed = own.indices.filter { own[$0] != before[$0] }
                    byIndicator[indicator.ordinal] = tree.rollUp(
                        own: own, changed: changed, last: last.rolled[periodIndex][indicator.ordinal], combine: { $0 += $1 })
                } else {
                    byIndicator[indicator.ordinal] = tree.rollUp(own: own, combine: { $0 += $1 })
                }
            }
            return (byIndicator, ownByIndicator)
        }
        return (byPeriod.map(\.rolled), byPeriod.map(\.own))
    }
}

/// What `Evaluator.indicatorResults` reads of a catalogue definition.
private struct ResultDefinition {
    var id: String
    var source: IndicatorSource
    var comparator: TargetComparator
    var target: Decimal
    /// The computed indicator of that id (nil: manual, or a computed id this build does not know).
    var computed: ComputedIndicator?
    var margin: Decimal
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

extension Evaluator {
    /// The ranges of unit indices evaluated apart: `pieces` of them, or by the machine's cores.
    /// `changed`: how many units are evaluated anew (the others copied): with few, one piece (the
    /// pieces' results are joined in one more copy, ~8 ms at province scale).
    func unitRanges(_ count: Int, changed: Int) -> [Range<Int>] {
        Concurrently.ranges(count, pieces: pieces ?? min(Concurrently.defaultPieces, changed / Self.unitsPerPiece))
    }
}

/// The snapshot's results and estimates being made: each piece of units (`Concurrently.map`)
/// initialises its own consecutive slots of both, in order, and no other.
struct Slots: @unchecked Sendable {
    let results: UnsafeMutableBufferPointer<IndicatorResult>
    let estimates: UnsafeMutableBufferPointer<QD766Result>

    func results(_ range: Range<Int>) -> Run<IndicatorResult> { Run(results, range) }
    func estimates(_ range: Range<Int>) -> Run<QD766Result> { Run(estimates, range) }

    /// Consecutive slots, initialised one after the other by one thread.
    struct Run<Element> {
        private var next: UnsafeMutablePointer<Element>?
        private let end: UnsafeMutablePointer<Element>?

        init(_ buffer: UnsafeMutableBufferPointer<Element>, _ range: Range<Int>) {
            precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count)
            next = buffer.baseAddress.map { $0 + range.lowerBound }
            end = buffer.baseAddress.map { $0 + range.upperBound }
        }

        mutating func append(_ element: Element) {
            guard let slot = next, slot < end! else { preconditionFailure("more elements than slots") }
            slot.initialize(to: element)
            next = slot + 1
        }

        mutating func append<Elements: Sequence<Element>>(contentsOf elements: Elements) {
            for element in elements { append(element) }
        }

        /// Whether every slot was written.
        var isFull: Bool { next == end }
    }
}

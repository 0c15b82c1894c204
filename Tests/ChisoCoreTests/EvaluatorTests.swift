import ChisoCore
import Foundation
import Testing

/// The rollup, pick and ordering rules, on inputs built by hand (no database).
@Suite struct EvaluatorTests {
    let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    var calendar: PlanCalendar { PlanCalendar(timeZone: zone) }
    var asOf: Date { calendar.parseInstant("2026-06-15T10:00:00+07:00")! }

    let units = [
        Unit(id: "p", parentID: nil, name: "Province", kind: "province"),
        Unit(id: "p/a", parentID: "p", name: "Commune A", kind: "commune"),
        Unit(id: "p/a/x", parentID: "p/a", name: "Dept X", kind: "department"),
        Unit(id: "p/b", parentID: "p", name: "Commune B", kind: "commune"),
    ]

    func evaluate(_ inputs: KPIInputs) -> Snapshot {
        Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: asOf, refreshedAt: asOf)
    }

    @Test func parentsGetTheRatioOfSumsNotTheMeanOfRatios() throws {
        var inputs = KPIInputs(units: units)
        inputs.tallies[TallyKey(unitID: "p/a/x", period: .year, indicator: .dossiersOnTime)] = Tally(numerator: 1, denominator: 1)
        inputs.tallies[TallyKey(unitID: "p/a", period: .year, indicator: .dossiersOnTime)] = Tally(numerator: 0, denominator: 3)
        inputs.tallies[TallyKey(unitID: "p/b", period: .year, indicator: .dossiersOnTime)] = Tally(numerator: 90, denominator: 96)
        let snapshot = evaluate(inputs)
        #expect(snapshot.result("dossiers_on_time", unit: "p/a/x", period: .year)?.tally == Tally(numerator: 1, denominator: 1))
        #expect(snapshot.result("dossiers_on_time", unit: "p/a", period: .year)?.tally == Tally(numerator: 1, denominator: 4))
        #expect(snapshot.result("dossiers_on_time", unit: "p", period: .year)?.tally == Tally(numerator: 91, denominator: 100))
        #expect(snapshot.result("dossiers_on_time", unit: "p", period: .year)?.value == 0.91)
        // other periods untouched: no data
        #expect(snapshot.result("dossiers_on_time", unit: "p", period: .month)?.status == .noData)
    }

    @Test func distinctProceduresAreDistinctOverTheSubtree() {
        var inputs = KPIInputs(units: units)
        inputs.paidProcedures = [
            PaidProcedure(unitID: "p/a/x", period: .year, procedureCode: "P1", paidOnline: false),
            PaidProcedure(unitID: "p/a", period: .year, procedureCode: "P1", paidOnline: true),
            PaidProcedure(unitID: "p/b", period: .year, procedureCode: "P1", paidOnline: false),
            PaidProcedure(unitID: "p/b", period: .year, procedureCode: "P2", paidOnline: false),
        ]
        let snapshot = evaluate(inputs)
        #expect(snapshot.result("procedures_paid_online", unit: "p/a/x", period: .year)?.tally == Tally(numerator: 0, denominator: 1))
        #expect(snapshot.result("procedures_paid_online", unit: "p/a", period: .year)?.tally == Tally(numerator: 1, denominator: 1))
        #expect(snapshot.result("procedures_paid_online", unit: "p/b", period: .year)?.tally == Tally(numerator: 0, denominator: 2))
        // P1 paid online somewhere in the province counts once, as online; P2 once, not online.
        #expect(snapshot.result("procedures_paid_online", unit: "p", period: .year)?.tally == Tally(numerator: 1, denominator: 2))
    }

    @Test func catalogueIndicatorsOnlyForRoots() {
        var inputs = KPIInputs(units: units)
        inputs.catalogueTallies[.proceduresPublished] = Tally(numerator: 3, denominator: 4)
        let snapshot = evaluate(inputs)
        #expect(snapshot.result("procedures_published", unit: "p", period: .quarter)?.tally == Tally(numerator: 3, denominator: 4))
        #expect(snapshot.result("procedures_published", unit: "p/a", period: .quarter) == nil)
    }

    @Test func manualPickLatestPeriodEndThenLatestRecordingAndNoRollup() {
        func instant(_ text: String) -> Date { calendar.parseInstant(text)! }
        var inputs = KPIInputs(units: units)
        inputs.manualValues = [
            ManualValue(
                indicator: "training_completed", unitID: "p/a", periodEnd: LocalDate(year: 2026, month: 5, day: 31), numerator: 3, denominator: 4,
                recordedAt: instant("2026-06-01T08:00:00")),
            ManualValue(
                indicator: "training_completed", unitID: "p/a", periodEnd: LocalDate(year: 2026, month: 5, day: 31), numerator: 4, denominator: 4,
                recordedAt: instant("2026-06-02T08:00:00")),
            ManualValue(
                indicator: "training_completed", unitID: "p/a", periodEnd: LocalDate(year: 2026, month: 3, day: 31), numerator: 1, denominator: 4,
                recordedAt: instant("2026-06-03T08:00:00")),
            // recorded after T: does not exist yet
            ManualValue(
                indicator: "training_completed", unitID: "p/a", periodEnd: LocalDate(year: 2026, month: 6, day: 10), numerator: 0, denominator: 4,
                recordedAt: instant("2026-06-15T10:00:01")),
        ]
        let snapshot = evaluate(inputs)
        #expect(snapshot.result("training_completed", unit: "p/a", period: .year)?.tally == Tally(numerator: 4, denominator: 4))
        #expect(snapshot.result("training_completed", unit: "p/a", period: .quarter)?.tally == Tally(numerator: 4, denominator: 4))
        #expect(snapshot.result("training_completed", unit: "p/a", period: .month)?.status == .noData)
        #expect(snapshot.result("training_completed", unit: "p", period: .year)?.status == .noData)
    }

    @Test func overdueTasksMostOverdueFirstAndCountedUpTheTree() {
        var inputs = KPIInputs(units: units)
        inputs.openTasks = [
            OpenTask(id: "b", planRef: nil, title: "B", leadUnitID: "p/a/x", monitoringUnitID: nil, dueDate: LocalDate(year: 2026, month: 6, day: 1)),
            OpenTask(id: "a", planRef: "I.1", title: "A", leadUnitID: "p/b", monitoringUnitID: "p", dueDate: LocalDate(year: 2026, month: 6, day: 1)),
            OpenTask(id: "c", planRef: nil, title: "C", leadUnitID: "p/a", monitoringUnitID: nil, dueDate: LocalDate(year: 2026, month: 1, day: 31)),
        ]
        inputs.overdueDossiers = ["p/a/x": 2, "p/b": 5]
        let snapshot = evaluate(inputs)
        #expect(snapshot.overdueTasks.map(\.task.id) == ["c", "a", "b"])
        #expect(snapshot.overdueTasks.map(\.daysOverdue) == [135, 14, 14])
        #expect(snapshot.tasksOverdueByUnit["p"] == 3)
        #expect(snapshot.tasksOverdueByUnit["p/a"] == 2)
        #expect(snapshot.dossiersOverdueByUnit["p"] == 7)
        #expect(snapshot.dossiersOverdueByUnit["p/a"] == 2)
        #expect(snapshot.dossiersOverdueByUnit["p/a/x"] == 2)
    }

    @Test func aTreeWithAMissingParentOrACycleStillTerminates() {
        let tree = UnitTree([
            Unit(id: "a", parentID: "b", name: "A", kind: "other"),
            Unit(id: "b", parentID: "a", name: "B", kind: "other"),
            Unit(id: "c", parentID: "gone", name: "C", kind: "other"),
        ])
        // "c" becomes a root; the a↔b cycle is unreachable from any root and is left out rather than looping.
        #expect(tree.units.map(\.id) == ["c"])
    }

    @Test func inMemorySourceFeedsTheEvaluator() async throws {
        let source = InMemoryKPISource(inputs: KPIInputs(units: units))
        let inputs = try await source.loadInputs(asOf: asOf, calendar: calendar)
        let snapshot = evaluate(inputs)
        let expectedCount: Int = 4 * 3 * 39 + 1 * 3 * 3  // 39 indicators per unit, 3 catalogue ones for the root
        #expect(snapshot.results.count == expectedCount)
        #expect(snapshot.results.allSatisfy { $0.status == .noData })
    }
    /// The incremental source hands the large tables' tallies over as arrays by unit
    /// (`largeTableTallies`) beside the small tables' dictionary: the same results and estimates
    /// as every tally in the dictionary, including a unit with tallies in both, a unit in the
    /// state but not in the tree, and a tree unit the state has never seen.
    @Test func tallyArraysBesideTheDictionaryEvaluateAsTheDictionaryAlone() throws {
        var state = InputState(asOf: asOf, calendar: calendar)
        let months = calendar.periods(asOf: asOf).map(\.startDate)
        var random = LinearCongruential(state: 11)
        for (index, unit) in ["p/a/x", "p/a", "p", "gone"].enumerated() {
            for indicator in [ComputedIndicator.dossiersOnTime, .documentsSigned, .feedbackOnTime, .paymentsOnlineNational] {
                let denominator = 1 + Int(random.next() % 9)
                let month = 12 * months[0].year + months[0].month - 1 + Int(random.next() % 6)
                state.addSettled(
                    unitID: unit, month: month, indicator: indicator, numerator: Int(random.next() % UInt64(denominator + 1)),
                    denominator: denominator + index)
            }
        }
        // This month's, at a unit the small tables also have a figure of (below).
        state.addSettled(unitID: "p/a/x", month: 12 * 2026 + 5, indicator: .dossiersOnTime, numerator: 3, denominator: 4)
        let figures = state.evaluationFigures()
        #expect(figures.tallies[TallyKey(unitID: "p/a/x", period: .month, indicator: .dossiersOnTime)] == Tally(numerator: 3, denominator: 4))
        var split = KPIInputs(units: units)
        split.largeTableTallies = figures.tallies
        // A small-table figure, and one at a unit the arrays also hold for the same indicator.
        split.tallies[TallyKey(unitID: "p/a", period: .year, indicator: .planTasksOnTime)] = Tally(numerator: 2, denominator: 3)
        split.tallies[TallyKey(unitID: "p/a/x", period: .month, indicator: .dossiersOnTime)] = Tally(numerator: 1, denominator: 1)
        var whole = KPIInputs(units: units)
        whole.tallies = split.allTallies
        #expect(whole.tallies.count > 20)
        #expect(whole.tallies[TallyKey(unitID: "p/a/x", period: .month, indicator: .dossiersOnTime)] == Tally(numerator: 4, denominator: 5))
        let (a, b) = (evaluate(split), evaluate(whole))
        #expect(a.results == b.results)
        #expect(a.qd766 == b.qd766)
        #expect(a.results.contains { $0.unitID == "p/b" })
    }

    /// The incremental state hands its procedure rows over numbered (`KPIInputs.numberedProcedures`):
    /// the distinct-procedure figures made from them are the ones the same rows by name make,
    /// including a unit the tree does not have and procedures interned in another order than the
    /// rows come; and an evaluation carried over from numbered rows to equal ones keeps its figures.
    @Test func numberedProcedureRowsEvaluateAsTheSameRowsByName() throws {
        var state = InputState(asOf: asOf, calendar: calendar, onlinePaymentProcedures: ["P2", "P1", "P3"])
        state.onlineServiceProcedures = ["P1", "P3"]
        state.feeProcedures = ["P2", "P3"]
        let june = 12 * 2026 + 5
        var random = LinearCongruential(state: 5)
        for unit in ["gone", "p/b", "p/a/x", "p/a", "p"] {
            for procedure in ["P3", "P1", "P2", "P4"] {
                let month = june - Int(random.next() % 7)
                let payments = 1 + Int(random.next() % 3)
                state.addPaid(
                    unitID: unit, procedureCode: procedure, month: month, payments: payments, online: Int(random.next() % UInt64(payments + 1)))
                if random.next() % 2 == 0 { state.addOnlineReceived(unitID: unit, procedureCode: procedure, month: month, dossiers: 1) }
            }
        }
        // An open online dossier: a use of the month, quarter and year.
        state.apply(
            dossier: DossierImage(
                code: "D1", unitID: "p/b", procedureCode: "P3", status: "processing", receivedAt: asOf.addingTimeInterval(-86_400),
                dueAt: asOf.addingTimeInterval(86_400), finishedAt: nil, apologisedAt: nil, online: true, receivedAtCenter: false, digitised: false,
                reusedData: false, eResult: false, syncedNational: false, fullService: true, requiresResultDocument: false), sign: 1)
        let figures = state.evaluationFigures()
        #expect(!figures.procedures.paid.isEmpty)
        #expect(figures.procedures.uses.contains { $0.indicator == .onlineServicesUsed })
        #expect(figures.procedures.uses.contains { $0.indicator == .feeProceduresPaidOnline })
        var numbered = KPIInputs(units: units)
        numbered.numberedProcedures = figures.procedures
        var named = KPIInputs(units: units)
        named.paidProcedures = figures.procedures.paidByName
        named.procedureUses = figures.procedures.usesByName
        #expect(named.numberedProcedures == nil)
        // Read by name, the numbered inputs give the same rows.
        #expect(numbered.paidProcedures == named.paidProcedures)
        #expect(numbered.procedureUses == named.procedureUses)
        let (a, b) = (evaluate(numbered), evaluate(named))
        #expect(a.results == b.results)
        #expect(a.qd766 == b.qd766)
        let distinct = ["procedures_paid_online", "online_services_used", "fee_procedures_paid_online"]
        #expect(a.results.contains { distinct.contains($0.indicator) && $0.tally.denominator > 0 && $0.unitID == "p" })
        // Carried over: the same rows keep the sets; rows that moved make them again.
        let evaluator = Evaluator(catalogue: .builtIn, calendar: calendar)
        let (first, carry) = evaluator.evaluate(numbered, asOf: asOf, refreshedAt: asOf, reusing: nil)
        let (again, _) = evaluator.evaluate(numbered, asOf: asOf, refreshedAt: asOf, reusing: carry)
        #expect(again.results == first.results)
        var fewer = numbered
        fewer.numberedProcedures?.paid.removeAll { $0.online }
        var fewerByName = KPIInputs(units: units)
        fewerByName.paidProcedures = fewer.paidProcedures
        fewerByName.procedureUses = fewer.procedureUses
        let (moved, _) = evaluator.evaluate(fewer, asOf: asOf, refreshedAt: asOf, reusing: carry)
        #expect(moved.results == evaluate(fewerByName).results)
        #expect(moved.results != first.results)
        // Setting either list by name names both for good.
        var renamed = numbered
        renamed.paidProcedures = []
        #expect(renamed.numberedProcedures == nil)
        #expect(renamed.procedureUses == named.procedureUses)
    }
}

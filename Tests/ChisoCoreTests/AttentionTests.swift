import ChisoCore
import Foundation
import Testing

/// What closes a gap, in cases, and which lines "Cần chỉ đạo" shows first: by hand.
@Suite struct AmountToTargetTests {
    func amount(_ n: Int, _ d: Int, _ target: String, _ closing: GapClosing, _ comparator: TargetComparator = .greaterOrEqual) -> AmountToTarget? {
        AmountToTarget.of(
            Tally(numerator: Decimal(n), denominator: Decimal(d)), comparator: comparator, target: Decimal(string: target)!, closing: closing)
    }

    @Test func casesAlreadyCountedAreFixedOneByOne() {
        // 155 of 291 late dossiers have an apology letter: 136 more make 291 of 291.
        #expect(amount(155, 291, "1", .existing) == .more(136))
        // 80 % of 101 is 80.8: 81 digitised, so 71 of 101 needs 10 more (80 would be 79.2 %).
        #expect(amount(71, 101, "0.8", .existing) == .more(10))
        // Over 70 %: 7 of 10 is not over 70 %; 8 of 10 is.
        #expect(amount(7, 10, "0.7", .existing, .greaterThan) == .more(1))
        #expect(amount(70, 100, "0.7", .existing, .greaterThan) == .more(1))
    }

    @Test func onlyNewCasesCountWhenAMissStaysAMiss() {
        // 1 234 of 1 260 on time (97.94 %): k more on time, (1 234 + k) / (1 260 + k) >= 98 %,
        // k >= (0.98 × 1 260 − 1 234) / 0.02 = 0.8 / 0.02 = 40; 1 274 / 1 300 is exactly 98 %.
        #expect(amount(1234, 1260, "0.98", .new) == .more(40))
        // One more short of an exact hit: 1 233 of 1 260 needs (1 234.8 − 1 233) / 0.02 = 90.
        #expect(amount(1233, 1260, "0.98", .new) == .more(90))
        // Over 70 %: (7 + k) / (10 + k) > 0.7 for k = 1 (8/11 = 72.7 %).
        #expect(amount(7, 10, "0.7", .new, .greaterThan) == .more(1))
        // 1 of 3 against 50 %: (1 + k) / (3 + k) >= 0.5 → k >= 1.
        #expect(amount(1, 3, "0.5", .new) == .more(1))
    }

    @Test func aHundredPercentOfNewCasesCannotUndoAMiss() {
        #expect(amount(12, 18, "1", .new) == .unreachable(misses: 6))
    }

    @Test func nothingToCloseWhenMetEmptyOrACeiling() {
        #expect(amount(98, 100, "0.98", .new) == nil)
        #expect(amount(0, 0, "1", .existing) == nil)
        #expect(amount(21, 20, "1", .existing, .lessOrEqual) == nil)
    }
}

@Suite struct AttentionListTests {
    let catalogue = Catalogue.builtIn

    func figure(_ id: String, _ n: Int, _ d: Int) -> IndicatorResult {
        let definition = catalogue.definition(id)!
        let tally = Tally(numerator: Decimal(n), denominator: Decimal(d))
        return IndicatorResult(
            indicator: id, unitID: "x", period: .year, tally: tally,
            status: .of(tally, comparator: definition.comparator, target: definition.target, margin: catalogue.margin(for: definition)))
    }

    func task(_ id: String, days: Int) -> OverdueTaskEntry {
        OverdueTaskEntry(
            task: OpenTask(id: id, planRef: nil, title: id, leadUnitID: "x", monitoringUnitID: nil, dueDate: LocalDate(year: 2026, month: 1, day: 1)),
            daysOverdue: days)
    }

    func names(_ list: AttentionList) -> [String] {
        list.lines.map { line in
            switch line {
            case .target(let result): result.indicator
            case .task(let entry): entry.task.id
            }
        }
    }

    @Test func missedByTheBiggestGapThenOverdueTasksThenAtRisk() {
        let results = [
            figure("dossiers_on_time", 97, 100),  // at risk, 1 pp
            figure("late_dossiers_apologised", 50, 100),  // missed, 50 pp
            figure("dossiers_synced_national", 80, 100),  // missed, 20 pp
            figure("dossiers_digitised", 77, 100),  // at risk, 3 pp
            figure("documents_signed", 90, 100),  // met: never listed
        ]
        let list = AttentionList.choose(results: results, catalogue: catalogue, overdueTasks: [task("T-1", days: 3), task("T-2", days: 30)])
        #expect(names(list) == ["late_dossiers_apologised", "dossiers_synced_national", "T-2", "T-1", "dossiers_digitised", "dossiers_on_time"])
        #expect(list.moreTargets == 0 && list.moreTasks == 0)
    }

    @Test func eightLinesAtMostWithThreeKeptForTasks() {
        let missed = [
            "late_dossiers_apologised", "dossiers_synced_national", "dossiers_received_at_center", "feedback_handled_published",
            "dossiers_digitised", "results_digitised", "dossiers_full_online",
        ].enumerated().map { figure($0.element, 10 + $0.offset, 100) }
        let tasks = (1...5).map { task("T-\($0)", days: $0) }
        let list = AttentionList.choose(results: missed, catalogue: catalogue, overdueTasks: tasks)
        #expect(list.lines.count == 8)
        // Five targets, the biggest gap (the lowest figure) first, then the three most overdue tasks.
        #expect(
            names(list) == [
                "late_dossiers_apologised", "dossiers_synced_national", "dossiers_received_at_center",
                "feedback_handled_published", "dossiers_digitised", "T-5", "T-4", "T-3",
            ])
        #expect(list.moreTargets == 2 && list.moreTasks == 2)
        // Without targets, tasks fill every line.
        let onlyTasks = AttentionList.choose(results: [], catalogue: catalogue, overdueTasks: (1...10).map { task("T-\($0)", days: $0) })
        #expect(onlyTasks.lines.count == 8 && onlyTasks.moreTasks == 2)
    }
}

import Foundation

/// How the missing part of a ratio target can be made up; decides the amount a page asks for.
public enum GapClosing: String, Sendable, Codable, CaseIterable {
    /// Among the cases already counted: a late dossier can still get its apology letter, a
    /// received dossier can still be synced or digitised. The amount is the cases still to fix.
    case existing
    /// Only by new cases: a late dossier stays late, an unsigned document stays unsigned. The
    /// amount is how many next cases, all on the good side, lift the ratio to the target.
    case new
}

/// What closes the gap between a figure and its target, in cases (exact, decimal arithmetic).
public enum AmountToTarget: Sendable, Equatable {
    /// `count` more cases on the good side reach the target.
    case more(Int)
    /// New cases can no longer reach it within the period (a 100 % target of the `new` kind with
    /// a miss already counted): `misses` cases are on the wrong side.
    case unreachable(misses: Int)

    /// Nil when the target is met, the figure has no data, or the target is a ceiling (`<`, `<=`:
    /// the page gives the gap in percentage points only).
    ///
    /// - existing, `>= t`: the least k with n + k >= t·d, k ≤ d − n (ceil(t·d − n));
    /// - new, `>= t`: the least k with n + k >= t·(d + k), i.e. k >= (t·d − n)/(1 − t);
    ///   none when t = 1;
    /// - `> t` the same with a strict comparison.
    public static func of(_ tally: Tally, comparator: TargetComparator, target: Decimal, closing: GapClosing) -> AmountToTarget? {
        guard comparator.higherIsBetter, tally.denominator > 0 else { return nil }
        let n = tally.numerator, d = tally.denominator
        let strict = comparator == .greaterThan
        func reaches(_ k: Decimal) -> Bool {
            let good = n + k, all = closing == .existing ? d : d + k
            return strict ? good > target * all : good >= target * all
        }
        if reaches(0) { return nil }
        let misses = whole(d - n)
        let estimate: Decimal
        switch closing {
        case .existing:
            estimate = target * d - n
        case .new:
            guard target < 1 else { return .unreachable(misses: misses) }
            estimate = (target * d - n) / (1 - target)
        }
        // The estimate's ceiling, then corrected by whole steps: the decimal division may have
        // rounded, and `>` needs one more than an exact hit.
        var k = max(1, whole(ceiling(estimate)))
        while k > 1 && reaches(Decimal(k - 1)) { k -= 1 }
        while !reaches(Decimal(k)) {
            k += 1
            if closing == .existing && Decimal(k) > d - n { return .unreachable(misses: misses) }
        }
        return .more(k)
    }

    private static func ceiling(_ value: Decimal) -> Decimal {
        var input = value, output = Decimal()
        NSDecimalRound(&output, &input, 0, .up)
        return output
    }

    private static func whole(_ value: Decimal) -> Int { NSDecimalNumber(decimal: value).intValue }
}

/// The "Cần chỉ đạo" block: what needs the chairman's direction first, chosen from the figures
/// of one unit and period and that unit's overdue plan tasks.
///
/// The rule (README, "What needs direction"): at most `limit` lines — the missed targets, biggest
/// gap first; then the overdue tasks, most days overdue first; then the targets at risk, biggest gap
/// first. Up to `taskSlots` lines are kept for tasks when there are any, so that a page with many
/// missed targets still shows what is overdue; lines left over go to whatever remains, in the same
/// order. The gap is the distance to the target in percentage points; ties go in catalogue order.
public struct AttentionList: Sendable, Equatable {
    public enum Line: Sendable, Equatable {
        case target(IndicatorResult)
        case task(OverdueTaskEntry)
    }

    public var lines: [Line]
    /// Missed or at-risk targets, and overdue tasks, that did not fit.
    public var moreTargets: Int
    public var moreTasks: Int

    public static let limit = 8
    public static let taskSlots = 3

    public static func choose(
        results: [IndicatorResult], catalogue: Catalogue, overdueTasks: [OverdueTaskEntry],
        limit: Int = AttentionList.limit, taskSlots: Int = AttentionList.taskSlots
    ) -> AttentionList {
        let order = Dictionary(catalogue.indicators.enumerated().map { ($0.element.id, $0.offset) }) { a, _ in a }
        func ranked(_ status: IndicatorStatus) -> [IndicatorResult] {
            results.filter { $0.status == status && order[$0.indicator] != nil }
                .map { ($0, gap($0, catalogue)) }
                .sorted { ($1.1, order[$0.0.indicator]!) < ($0.1, order[$1.0.indicator]!) }
                .map(\.0)
        }
        let missed = ranked(.missed), atRisk = ranked(.atRisk)
        let tasks = overdueTasks.sorted { ($1.daysOverdue, $0.task.id) < ($0.daysOverdue, $1.task.id) }
        let targets = missed + atRisk
        let taskCount = min(tasks.count, max(min(taskSlots, limit), limit - targets.count))
        let targetCount = min(targets.count, limit - taskCount)
        let shownMissed = min(missed.count, targetCount)
        let lines =
            missed.prefix(shownMissed).map(Line.target) + tasks.prefix(taskCount).map(Line.task)
            + atRisk.prefix(targetCount - shownMissed).map(Line.target)
        return AttentionList(lines: lines, moreTargets: targets.count - targetCount, moreTasks: tasks.count - taskCount)
    }

    /// |value − target| as a fraction (0.4 = 40 percentage points).
    static func gap(_ result: IndicatorResult, _ catalogue: Catalogue) -> Decimal {
        guard let definition = catalogue.definition(result.indicator), result.tally.denominator > 0 else { return 0 }
        let value = result.tally.numerator / result.tally.denominator
        let gap = definition.target - value
        return gap < 0 ? -gap : gap
    }
}

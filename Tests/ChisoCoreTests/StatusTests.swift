import ChisoCore
import Foundation
import Testing

@Suite struct StatusTests {
    func status(_ n: Int, _ d: Int, _ comparator: TargetComparator, _ target: String, margin: String = "0.05") -> IndicatorStatus {
        IndicatorStatus.of(
            Tally(numerator: Decimal(n), denominator: Decimal(d)), comparator: comparator,
            target: Decimal(string: target)!, margin: Decimal(string: margin)!)
    }

    /// `hasValue` says what `value != nil` says without dividing (the exposition counts and
    /// aligns lines by it).
    @Test func aResultHasAValueExactlyWhenItsRatioIsNotNil() {
        for (numerator, denominator) in [(0, 0), (3, 0), (0, 1), (2, 3), (5, 5)] {
            let result = IndicatorResult(
                indicator: "dossiers_on_time", unitID: "u", period: .month,
                tally: Tally(numerator: Decimal(numerator), denominator: Decimal(denominator)), status: .noData)
            #expect(result.hasValue == (result.value != nil), "\(numerator)/\(denominator)")
            #expect(result.hasValue == (denominator > 0))
        }
    }

    @Test func seventyPercentIsNotOverSeventyPercent() {
        #expect(status(70, 100, .greaterThan, "0.7") == .atRisk)
        #expect(status(7, 10, .greaterThan, "0.7") == .atRisk)
        #expect(status(71, 100, .greaterThan, "0.7") == .met)
        #expect(status(70, 100, .greaterOrEqual, "0.7") == .met)
    }

    @Test func atLeastNinetyEightPercent() {
        #expect(status(98, 100, .greaterOrEqual, "0.98") == .met)
        #expect(status(49, 50, .greaterOrEqual, "0.98") == .met)
        #expect(status(97, 100, .greaterOrEqual, "0.98") == .atRisk)
        // exactly on the margin: 93 % is within 5 points of 98 %
        #expect(status(93, 100, .greaterOrEqual, "0.98") == .atRisk)
        #expect(status(92, 100, .greaterOrEqual, "0.98") == .missed)
    }

    @Test func ceilingsWarnAbove() {
        #expect(status(20, 20, .lessOrEqual, "1") == .met)
        #expect(status(21, 20, .lessOrEqual, "1") == .atRisk)
        #expect(status(22, 20, .lessOrEqual, "1") == .missed)
        #expect(status(100, 100, .lessThan, "1") == .atRisk)
        #expect(status(99, 100, .lessThan, "1") == .met)
    }

    @Test func noDataIsNeitherZeroNorHundred() {
        #expect(status(0, 0, .greaterOrEqual, "1") == .noData)
        #expect(Tally().ratio == nil)
        #expect(status(0, 5, .greaterOrEqual, "1") == .missed)
        #expect(status(0, 5, .lessOrEqual, "1") == .met)
    }

    @Test func aCustomMargin() {
        #expect(status(90, 100, .greaterOrEqual, "1", margin: "0.1") == .atRisk)
        #expect(status(90, 100, .greaterOrEqual, "1", margin: "0") == .missed)
    }
}

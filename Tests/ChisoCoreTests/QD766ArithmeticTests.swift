import Foundation
import Testing

@testable import ChisoCore

/// The binary floating-point shortcuts of the QĐ 766 arithmetic against the exact decimal path
/// they stand in for: the same value and the same text (the JSON writes a decimal's description).
@Suite struct QD766ArithmeticTests {
    static func exactRound(_ value: Decimal, places: Int, _ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, places, mode)
        return output
    }

    /// `pointsEach` (a table maximum over a count, to 4 places), the halves included.
    @Test func aQuotientIsTheExactlyRoundedOneInValueAndText() {
        var fast = 0
        let maxima = ["0.25", "0.5", "0.75", "1", "1.25", "1.4", "1.5", "2", "2.5", "3", "3.5", "6", "7.5", "10"].map { Decimal(string: $0)! }
        for maximum in maxima {
            for count in Array(1...3000) + [4096, 8000, 12_500, 16_000, 20_000, 40_000, 99_999, 160_000, 1_000_000, 2_500_000] {
                let exact = QD766Estimator.round(maximum / Decimal(count), places: 4)
                let made = QD766Estimator.quotient(maximum, Decimal(count), places: 4)
                #expect(made == exact && made.description == exact.description, "\(maximum) / \(count): \(made) against \(exact)")
                if QD766Estimator.fastQuotient(maximum, Decimal(count), places: 4) != nil { fast += 1 }
            }
        }
        // 1 / 20 000 = 0.00005 and 0.25 / 1 000 = 0.00025: halves of the last place go the exact way (up).
        #expect(
            QD766Estimator.fastQuotient(1, 20_000, places: 4) == nil && QD766Estimator.fastQuotient(Decimal(string: "0.25")!, 1000, places: 4) == nil)
        #expect(QD766Estimator.quotient(1, 20_000, places: 4) == Decimal(string: "0.0001")!)
        #expect(QD766Estimator.quotient(Decimal(string: "0.25")!, 1000, places: 4) == Decimal(string: "0.0003")!)
        #expect(fast > maxima.count * 2900, "the shortcut is taken for all but the halves (\(fast))")
    }

    @Test func theCeilingOfAWholeNumberIsItselfAndOfAFractionTheNextOne() {
        for value in ["0", "7", "1200", "1e3", "-4"].map({ Decimal(string: $0)! }) {
            let made = QD766Estimator.ceiling(value)
            #expect(made == value && made.description == Self.exactRound(value, places: 0, .up).description)
        }
        #expect(QD766Estimator.ceiling(Decimal(string: "0.8")! * 37 - 3) == 27)
        #expect(QD766Estimator.ceiling(Decimal(string: "55.56")!) == 56)
    }

    /// Group scores and gains summed in whole hundredths: the decimal sum and difference, in value
    /// and text, and the decimal path for what is not a whole number of hundredths.
    @Test func pointsSumAndDifferInHundredthsAsDecimalsDo() {
        var generator = SystemRandomNumberGenerator()
        let decimals = ["0", "0.01", "0.1", "0.25", "0.5", "0.75", "0.99", "1", "1.5", "2", "2.5", "3", "6", "7.5", "10", "12.34"].map {
            Decimal(string: $0)!
        }
        for _ in 0..<2000 {
            let points = (0..<Int.random(in: 0...9, using: &generator)).map { _ in
                Bool.random(using: &generator)
                    ? decimals.randomElement(using: &generator)!
                    : Decimal(sign: .plus, exponent: -2, significand: Decimal(Int.random(in: 0...10_000, using: &generator)))
            }
            let exact = points.reduce(Decimal(0), +)
            let made = Decimal.sumOfPoints(points)
            #expect(made == exact && made.description == exact.description, "\(points): \(made) against \(exact)")
            if let first = points.first, let last = points.last {
                let difference = Decimal.pointsBetween(first, last)
                #expect(difference == last - first && difference.description == (last - first).description, "\(last) − \(first)")
            }
        }
        // Not whole hundredths: the decimal path, exactly.
        let thousandths = [Decimal(string: "0.125")!, Decimal(string: "1.5")!]
        #expect(Decimal(string: "0.125")!.wholeHundredths == nil && Decimal(string: "1.50")!.wholeHundredths == 150)
        #expect(Decimal.sumOfPoints(thousandths) == Decimal(string: "1.625")!)
        #expect(Decimal.pointsBetween(thousandths[0], thousandths[1]) == Decimal(string: "1.375")!)
        #expect(Decimal(string: "1e12")!.wholeHundredths == nil && Decimal(string: "-2.5")!.wholeHundredths == -250)
    }

    /// A whole number's digits (`/metrics` writes counts with them): the decimal's own text, up to
    /// 2^53; past it, and for fractions, the decimal path.
    @Test func aWholeNumberIsWrittenAsTheDecimalWritesIt() {
        var generator = SystemRandomNumberGenerator()
        var values: [Decimal] = [0, 1, -1, 10, 100, 1200, Decimal(string: "1e3")!, Decimal(string: "9007199254740991")!]
        for _ in 0..<3000 {
            let significand = Int.random(in: -9_999_999...9_999_999, using: &generator)
            values.append(Decimal(sign: significand < 0 ? .minus : .plus, exponent: Int.random(in: 0...8, using: &generator), significand: Decimal(significand.magnitude)))
        }
        for value in values {
            let text = NSDecimalNumber(decimal: value).description(withLocale: nil)
            guard let whole = value.wholeNumber else {
                Issue.record("\(text) is whole")
                continue
            }
            #expect(String(whole) == text)
        }
        for text in ["9007199254740992", "1e20", "0.5", "-2.25", "12.10"] { #expect(Decimal(string: text)!.wholeNumber == nil, "\(text)") }
    }

    /// A status decided in integers (`IndicatorStatus.fastStatus`) is the one decimal arithmetic
    /// decides, on the edges (n/d exactly at the target, exactly at the margin) and at random; a
    /// target or margin finer than millionths, or counts past Int's range, go the decimal way.
    @Test func aStatusInIntegersIsTheDecimalOne() {
        var generator = SystemRandomNumberGenerator()
        let targets = ["0.7", "0.8", "0.9", "0.98", "1", "0", "0.5", "0.333333", "0.125", "2"].map { Decimal(string: $0)! }
        let margins = ["0.05", "0", "0.1", "0.000001"].map { Decimal(string: $0)! }
        var cases: [(Int, Int, Decimal, Decimal)] = []
        for target in targets {
            for margin in margins {
                for d in [1, 2, 3, 7, 20, 50, 100, 1000, 999_983] {
                    // The counts right at the target and at the margin's edge, and one either side.
                    for bar in [target, target - margin, target + margin] {
                        let at = NSDecimalNumber(decimal: bar * Decimal(d)).intValue
                        for n in [at - 1, at, at + 1] where n >= 0 { cases.append((n, d, target, margin)) }
                    }
                }
            }
        }
        for _ in 0..<5000 {
            let d = Int.random(in: 1...100_000, using: &generator)
            cases.append((Int.random(in: 0...d, using: &generator), d, targets.randomElement(using: &generator)!, margins.randomElement(using: &generator)!))
        }
        var decided = 0
        for (n, d, target, margin) in cases {
            let tally = Tally(numerator: Decimal(n), denominator: Decimal(d))
            for comparator in [TargetComparator.greaterThan, .greaterOrEqual, .lessThan, .lessOrEqual] {
                let exact = IndicatorStatus.exactStatus(tally, comparator: comparator, target: target, margin: margin)
                guard let fast = IndicatorStatus.fastStatus(tally, comparator: comparator, target: target, margin: margin) else {
                    Issue.record("\(n)/\(d) \(comparator) \(target) ± \(margin): not decided in integers")
                    continue
                }
                decided += 1
                #expect(fast == exact, "\(n)/\(d) \(comparator) \(target) ± \(margin)")
                #expect(IndicatorStatus.of(tally, comparator: comparator, target: target, margin: margin) == exact)
            }
        }
        #expect(decided == cases.count * 4)
        // Finer than millionths, a fraction of a count, or past Int's range: the decimal path.
        let seventh = Tally(numerator: 1, denominator: 7)
        #expect(IndicatorStatus.fastStatus(seventh, comparator: .greaterThan, target: Decimal(string: "0.1428571")!, margin: 0) == nil)
        #expect(IndicatorStatus.of(seventh, comparator: .greaterThan, target: Decimal(string: "0.1428571")!, margin: 0) == .met)
        #expect(IndicatorStatus.fastStatus(Tally(numerator: Decimal(string: "1.5")!, denominator: 2), comparator: .greaterThan, target: 0, margin: 0) == nil)
        let huge = Tally(numerator: Decimal(string: "9000000000000000")!, denominator: Decimal(string: "9000000000000000")!)
        #expect(IndicatorStatus.fastStatus(huge, comparator: .greaterOrEqual, target: 1, margin: 0) == nil)
        #expect(IndicatorStatus.of(huge, comparator: .greaterOrEqual, target: 1, margin: 0) == .met)
        #expect(Decimal(string: "0.98")!.wholeMillionths == 980_000 && Decimal(string: "0.0000005")!.wholeMillionths == nil)
    }
}

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
}


import Foundation

/// Shortcuts around `Decimal` arithmetic and formatting, which cost ~0.35–0.9 µs an operation
/// (a province's pass makes ~10^5): each gives exactly what the decimal path gives, in value and
/// text, and falls back to it where it could not.
extension Decimal {
    /// The value as a double (for the fast paths; exact for the counts and short decimals chiso holds).
    var fastDouble: Double { NSDecimalNumber(decimal: self).doubleValue }

    /// The value as an integer when it is a whole number below 2^53 in magnitude (counts are),
    /// exactly; nil otherwise. Its text is then `String(value)`, as the decimal's own.
    public var wholeNumber: Int64? {
        guard exponent >= 0 else { return nil }
        let value = fastDouble
        guard abs(value) < 9_007_199_254_740_992 else { return nil }
        return Int64(value)
    }

    /// The value as a count of hundredths, when it is a whole number of them (as points are: rounded
    /// to 2 decimals, or a table's maximum); nil otherwise. A decimal whose exponent is at least −2
    /// is one, and below 10^10 its double times 100 rounds to that count exactly.
    var wholeHundredths: Int? {
        guard exponent >= -2 else { return nil }
        let scaled = fastDouble * 100
        guard abs(scaled) < 1e12 else { return nil }
        return Int(scaled.rounded())
    }

    /// The value as a count of millionths, when it is a whole number of them (as a catalogue's
    /// targets and margins are: 0.7, 0.98, 0.05); nil otherwise. As `wholeHundredths`: below
    /// 10^12 millionths, the double times 10^6 rounds to that count exactly.
    var wholeMillionths: Int? {
        guard exponent >= -6 else { return nil }
        let scaled = fastDouble * 1_000_000
        guard abs(scaled) < 1e12 else { return nil }
        return Int(scaled.rounded())
    }

    /// The sum of points, in whole hundredths when every one is (a decimal `+` costs ~0.35 µs, and a
    /// province's pass sums ~10^5 points into group scores); the decimal sum otherwise. The same
    /// value either way, in the shortest form a decimal sum also leaves.
    static func sumOfPoints<Points: Sequence<Decimal>>(_ points: Points) -> Decimal {
        var total = 0
        for value in points {
            guard let hundredths = value.wholeHundredths else { return points.reduce(Decimal(0), +) }
            total += hundredths
        }
        return shortest(total, places: 2)
    }

    /// `to − from` for points (a gain), in whole hundredths when both are (as `sumOfPoints`).
    static func pointsBetween(_ from: Decimal, _ to: Decimal) -> Decimal {
        guard let a = from.wholeHundredths, let b = to.wholeHundredths else { return to - from }
        return shortest(b - a, places: 2)
    }

    /// A double (≥ 0) half-up to `places` decimals (at most 4), in the shortest form; nil within
    /// `margin` units of the last place of a half, or past 10^12 of them (the fast paths' exact
    /// decimal path decides then).
    static func halfUp(_ value: Double, places: Int, margin: Double) -> Decimal? {
        let scaled = value * [1.0, 10, 100, 1000, 10000][places]
        let whole = scaled.rounded(.down)
        guard abs(scaled - whole - 0.5) >= margin, whole < 1e12 else { return nil }
        return shortest(Int(scaled - whole > 0.5 ? whole + 1 : whole), places: places)
    }

    /// `count` units of the `places`-th decimal place, in the shortest form (0.25, not 0.2500),
    /// as a decimal rounding leaves it.
    static func shortest(_ count: Int, places: Int) -> Decimal {
        var (significand, exponent) = (count, -places)
        while exponent < 0, significand % 10 == 0 {
            significand /= 10
            exponent += 1
        }
        return Decimal(sign: significand < 0 ? .minus : .plus, exponent: exponent, significand: Decimal(significand.magnitude))
    }
}

import Foundation

/// Where a flow indicator (dossiers, documents, payments …) is heading by 31 December, and the
/// rate it still needs over the rest of the year.
///
/// The rule, so that the chairman can redo it by hand:
/// - volume: the rest of the year brings as many cases per day as the year so far
///   (`R = N_ytd / elapsed × remaining`), the year-to-date pace;
/// - quality: those cases go as the current quarter goes (the recent pace; in the first quarter,
///   the year's own ratio), so a unit that improved lately is projected higher than its average;
/// - projected = (n_ytd + q × R) / (N_ytd + R);
/// - required = (target × (N_ytd + R) − n_ytd) / R: the share of the remaining cases that must be
///   on the good side to end the year exactly on target. Above 100 % it can no longer be reached
///   (for a ceiling: below 0 %); at or below 0 % it is secured whatever happens.
public struct YearEndProjection: Sendable, Equatable {
    public enum Outlook: Sendable, Equatable {
        /// The target is met even if every remaining case goes wrong.
        case secured
        /// Reachable: needs `required` of the remaining cases right (or at most `required` for a ceiling).
        case needs(Double)
        /// Cannot be met any more, even if every remaining case goes right.
        case unreachable
    }

    public var projected: Double
    public var outlook: Outlook
    /// The cases the rest of the year is expected to bring (R).
    public var expectedRemaining: Double

    /// Nil when the indicator is not a flow, the year has no cases yet, or the year is over.
    public static func project(
        year: Tally, recent: Tally?, dayOfYear elapsed: Int, daysInYear: Int,
        comparator: TargetComparator, target: Decimal
    ) -> YearEndProjection? {
        let remaining = daysInYear - elapsed
        guard year.denominator > 0, elapsed > 0, remaining > 0 else { return nil }
        let n = NSDecimalNumber(decimal: year.numerator).doubleValue
        let total = NSDecimalNumber(decimal: year.denominator).doubleValue
        let goal = NSDecimalNumber(decimal: target).doubleValue
        let expected = total / Double(elapsed) * Double(remaining)
        let quality = recent?.ratio ?? (n / total)
        let projected = (n + quality * expected) / (total + expected)
        let required = (goal * (total + expected) - n) / expected
        let outlook: Outlook
        if comparator.higherIsBetter {
            outlook = required > 1 ? .unreachable : (required <= 0 ? .secured : .needs(required))
        } else {
            outlook = required < 0 ? .unreachable : (required >= 1 ? .secured : .needs(required))
        }
        return YearEndProjection(projected: projected, outlook: outlook, expectedRemaining: expected)
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

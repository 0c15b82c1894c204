import Foundation

/// Where an indicator stands against its target.
public enum IndicatorStatus: String, Sendable, Codable, CaseIterable {
    case met
    case atRisk = "at_risk"
    case missed
    case noData = "no_data"

    /// Decides the status exactly, in decimal arithmetic: `n/d <op> target` is tested as
    /// `n <op> target·d`, so 70 of 100 is not "over 70 %" and 98 of 100 is "at least 98 %".
    public static func of(_ tally: Tally, comparator: TargetComparator, target: Decimal, margin: Decimal) -> IndicatorStatus {
        guard tally.denominator > 0 else { return .noData }
        let n = tally.numerator, d = tally.denominator
        let bar = target * d
        let met: Bool
        switch comparator {
        case .greaterThan: met = n > bar
        case .greaterOrEqual: met = n >= bar
        case .lessThan: met = n < bar
        case .lessOrEqual: met = n <= bar
        }
        if met { return .met }
        let withinMargin = comparator.higherIsBetter ? n >= (target - margin) * d : n <= (target + margin) * d
        return withinMargin ? .atRisk : .missed
    }
}

extension Tally {
    /// numerator / denominator, nil when the denominator is 0 ("no data", never 0 and never 100 %).
    public var ratio: Double? {
        guard denominator > 0 else { return nil }
        // Divide as doubles so that 91/100 prints as 0.91: both operands are exact as doubles
        // (whole counts, or short decimals), and IEEE division rounds correctly once.
        return NSDecimalNumber(decimal: numerator).doubleValue / NSDecimalNumber(decimal: denominator).doubleValue
    }
}

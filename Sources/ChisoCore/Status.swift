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
        if let fast = fastStatus(tally, comparator: comparator, target: target, margin: margin) { return fast }
        return exactStatus(tally, comparator: comparator, target: target, margin: margin)
    }

    /// The same decision in integers, when the counts are whole numbers and the target and margin
    /// whole millionths (as a catalogue's are): `n <op> (t / 10^6)·d` is `n·10^6 <op> t·d`. A
    /// province's pass decides a status for every result (~10^5), and the decimal products were
    /// ~9 ms of its CPU (perf, the 1 % pass). Nil (the decimal path decides) for anything else or
    /// past Int's range.
    static func fastStatus(_ tally: Tally, comparator: TargetComparator, target: Decimal, margin: Decimal) -> IndicatorStatus? {
        guard let n = tally.numerator.wholeNumber, let d = tally.denominator.wholeNumber, d > 0,
            let t = target.wholeMillionths, let m = margin.wholeMillionths
        else { return nil }
        let (scaledN, overN) = Int(n).multipliedReportingOverflow(by: 1_000_000)
        let (bar, overBar) = t.multipliedReportingOverflow(by: Int(d))
        guard !overN, !overBar else { return nil }
        let met: Bool
        switch comparator {
        case .greaterThan: met = scaledN > bar
        case .greaterOrEqual: met = scaledN >= bar
        case .lessThan: met = scaledN < bar
        case .lessOrEqual: met = scaledN <= bar
        }
        if met { return .met }
        let (edge, overEdge) = (comparator.higherIsBetter ? t - m : t + m).multipliedReportingOverflow(by: Int(d))
        guard !overEdge else { return nil }
        return (comparator.higherIsBetter ? scaledN >= edge : scaledN <= edge) ? .atRisk : .missed
    }

    /// The decision in decimal arithmetic, for any tally, target and margin.
    static func exactStatus(_ tally: Tally, comparator: TargetComparator, target: Decimal, margin: Decimal) -> IndicatorStatus {
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

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
        if comparator.holds(scaledN, bar) { return .met }
        let (edge, overEdge) = (comparator.higherIsBetter ? t - m : t + m).multipliedReportingOverflow(by: Int(d))
        guard !overEdge else { return nil }
        return comparator.withinMargin(scaledN, edge) ? .atRisk : .missed
    }

    /// The decision in decimal arithmetic, for any tally, target and margin.
    static func exactStatus(_ tally: Tally, comparator: TargetComparator, target: Decimal, margin: Decimal) -> IndicatorStatus {
        guard tally.denominator > 0 else { return .noData }
        let n = tally.numerator, d = tally.denominator
        if comparator.holds(n, target * d) { return .met }
        return comparator.withinMargin(n, (comparator.higherIsBetter ? target - margin : target + margin) * d) ? .atRisk : .missed
    }
}

extension TargetComparator {
    /// `value <op> bar`, the comparator's own operation (in decimals or in scaled integers alike).
    func holds<Value: Comparable>(_ value: Value, _ bar: Value) -> Bool {
        switch self {
        case .greaterThan: value > bar
        case .greaterOrEqual: value >= bar
        case .lessThan: value < bar
        case .lessOrEqual: value <= bar
        }
    }

    /// Whether a value that misses the bar is still within the margin's edge (at or past it, on the side the target is).
    func withinMargin<Value: Comparable>(_ value: Value, _ edge: Value) -> Bool { higherIsBetter ? value >= edge : value <= edge }
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

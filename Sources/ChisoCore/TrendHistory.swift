import Foundation

/// One day of an indicator's stored history (its year-to-date figures as of that day).
public struct HistoryPoint: Sendable, Hashable {
    public var day: LocalDate
    public var numerator: Decimal
    public var denominator: Decimal

    public init(day: LocalDate, numerator: Decimal, denominator: Decimal) {
        self.day = day
        self.numerator = numerator
        self.denominator = denominator
    }

    public var ratio: Double? { Tally(numerator: numerator, denominator: denominator).ratio }
}

/// Year-to-date history per indicator and unit, read from the snapshot history for the page.
public struct TrendHistory: Sendable, Equatable {
    public var points: [String: [String: [HistoryPoint]]]

    public init(points: [String: [String: [HistoryPoint]]] = [:]) { self.points = points }

    public func series(indicator: String, unit: String) -> [HistoryPoint] { points[indicator]?[unit] ?? [] }

    public mutating func append(indicator: String, unit: String, point: HistoryPoint) {
        points[indicator, default: [:]][unit, default: []].append(point)
    }
}

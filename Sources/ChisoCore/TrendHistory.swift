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

/// Year-to-date history per indicator and unit, read from the snapshot history for the page:
/// the stored days, and today's live point kept apart. The stored year is read once a day and
/// shared by every refresh's trend (copy on write): appending today's point to it would copy
/// the whole year (125 units × 30 indicators × up to 365 days at province scale) every refresh.
public struct TrendHistory: Sendable, Equatable {
    public var points: [String: [String: [HistoryPoint]]]
    /// Today's live point per indicator and unit (after the stored days).
    public var today: [String: [String: HistoryPoint]] = [:]

    public init(points: [String: [String: [HistoryPoint]]] = [:]) { self.points = points }

    public func series(indicator: String, unit: String) -> [HistoryPoint] {
        let stored = points[indicator]?[unit] ?? []
        guard let live = today[indicator]?[unit] else { return stored }
        return stored + CollectionOfOne(live)
    }

    public mutating func append(indicator: String, unit: String, point: HistoryPoint) {
        points[indicator, default: [:]][unit, default: []].append(point)
    }
}

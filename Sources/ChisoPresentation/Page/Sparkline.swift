import ChisoCore
import Foundation

/// A trend line drawn as inline SVG coordinates: x is the day of the year (so the line grows
/// across the year), y the value, with the target as a horizontal line. Pure geometry; the
/// template draws it.
public struct Sparkline: Sendable, Equatable {
    public static let width = 120.0
    public static let height = 32.0
    public static let maxPoints = 60

    /// `x,y x,y …` for a `<polyline>`, one decimal.
    public var points: String
    /// The last point, marked with a dot.
    public var lastX: String
    public var lastY: String
    /// The target's y.
    public var targetY: String
    /// Lowest and highest value of the y axis, for the accessible description.
    public var low: Double
    public var high: Double
    /// The first and the last day with a value, and those values: written under the line.
    public var first: (day: LocalDate, value: Double)
    public var last: (day: LocalDate, value: Double)
    /// Every day has the same value: the line says nothing the figure does not.
    public var flat: Bool

    public static func == (a: Sparkline, b: Sparkline) -> Bool {
        a.points == b.points && a.lastX == b.lastX && a.lastY == b.lastY && a.targetY == b.targetY && a.low == b.low
            && a.high == b.high && a.first == b.first && a.last == b.last && a.flat == b.flat
    }

    /// Nil when no day of the year has a value.
    public static func make(_ history: [HistoryPoint], year: Int, target: Decimal) -> Sparkline? {
        let firstDay = LocalDate(year: year, month: 1, day: 1).dayNumber
        let yearDays = LocalDate(year: year + 1, month: 1, day: 1).dayNumber - firstDay
        let values: [(x: Int, y: Double)] =
            history
            .filter { $0.day.year == year }
            .sorted { $0.day < $1.day }
            .compactMap { point in point.ratio.map { (point.day.dayNumber - firstDay, $0) } }
        guard !values.isEmpty else { return nil }
        let goal = NSDecimalNumber(decimal: target).doubleValue
        let smallest = min(values.map(\.y).min()!, goal)
        let largest = max(values.map(\.y).max()!, goal)
        // A little air above and below; never below 0.
        let pad = max((largest - smallest) * 0.15, 0.02)
        let low = max(0, smallest - pad)
        let high = largest + pad
        func x(_ day: Int) -> Double { Double(day) / Double(max(yearDays - 1, 1)) * (width - 4) + 2 }
        func y(_ value: Double) -> Double { (height - 2) - (value - low) / (high - low) * (height - 4) }
        func text(_ v: Double) -> String { String(format: "%.1f", v) }
        // At most about one point a week: a 120-unit-wide line shows no more, and the page stays small.
        let stride = max(1, (values.count + maxPoints - 1) / maxPoints)
        var kept = values.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
        if kept.last?.x != values.last?.x { kept.append(values.last!) }
        let points = kept.map { "\(text(x($0.x))),\(text(y($0.y)))" }.joined(separator: " ")
        let last = values.last!, first = values.first!
        let day = { (offset: Int) in LocalDate(year: year, month: 1, day: 1).adding(days: offset) }
        return Sparkline(
            points: points, lastX: text(x(last.x)), lastY: text(y(last.y)), targetY: text(y(goal)),
            low: low, high: high, first: (day(first.x), first.y), last: (day(last.x), last.y),
            flat: values.allSatisfy { $0.y == first.y })
    }
}

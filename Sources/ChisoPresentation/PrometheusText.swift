import ChisoCore
import Foundation

/// Renders a snapshot's figures in the Prometheus text format 0.0.4.
///
/// Done once per refresh, so `/metrics` only copies bytes. Kept apart from swift-prometheus's
/// registry on purpose: a province has ~10⁵ series that change all at once each refresh, and
/// building one collector object per series would cost more than writing the text.
public enum PrometheusText {
    /// Every unit (`chiso snapshot --format prometheus`).
    public static func render(_ snapshot: Snapshot) -> String {
        render(snapshot, units: nil) + timestamp(snapshot)
    }

    /// `chiso_snapshot_as_of_timestamp_seconds`, apart from the figures: the daemon keeps the
    /// figures' text while they stay the same and renders this line for each snapshot.
    public static func timestamp(_ snapshot: Snapshot) -> String {
        var out = ""
        header(MetricName.snapshotTimestamp, into: &out)
        sample(MetricName.snapshotTimestamp.name, nil, number(snapshot.asOf.timeIntervalSince1970), into: &out)
        return out
    }

    /// The units `scope` allows, within its series cap (`Exposition` says what was left out).
    public static func render(_ snapshot: Snapshot, scope: MetricsScope) -> Exposition {
        let depths = MetricsScope.depths(snapshot.units)
        let deepest = depths.values.max() ?? 0
        let wanted = scope.limit(rootKind: snapshot.units.first { $0.parentID == nil }?.kind).map { min($0, deepest) } ?? deepest
        var limit = wanted
        var series = seriesCount(snapshot, depths: depths, limit: limit)
        while limit > 0, series > scope.maxSeries {
            limit -= 1
            series = seriesCount(snapshot, depths: depths, limit: limit)
        }
        // Every unit (a commune's default): no filtering.
        let units = limit >= deepest ? nil : Set(depths.filter { $0.value <= limit }.keys)
        return Exposition(text: render(snapshot, units: units), series: series, depth: limit, wantedDepth: wanted, deepest: deepest)
    }

    /// How many samples the units down to `limit` make.
    static func seriesCount(_ snapshot: Snapshot, depths: [String: Int], limit: Int) -> Int {
        // The snapshot's instant, and each catalogue indicator's target and info.
        var count = 1 + 2 * snapshot.catalogue.indicators.count
        for result in snapshot.results where (depths[result.unitID] ?? 0) <= limit {
            count += 2 + (result.value == nil ? 0 : 1) + (result.status == .noData ? 0 : 1)
        }
        for result in snapshot.qd766 where (depths[result.unitID] ?? 0) <= limit {
            count += 1 + result.groups.count + result.indicators.count + result.groups.filter { $0.estimate != nil }.count
        }
        return count + 2 * depths.values.filter { $0 <= limit }.count + (snapshot.qd766Table?.indicators.count ?? 0)
    }

    static func render(_ snapshot: Snapshot, units: Set<String>?) -> String {
        var out = ""
        let results = units.map { units in snapshot.results.filter { units.contains($0.unitID) } } ?? snapshot.results
        let exported = units.map { units in snapshot.units.filter { units.contains($0.id) } } ?? snapshot.units
        out.reserveCapacity(results.count * 4 * 110 + 4096)
        let definitions = Dictionary(snapshot.catalogue.indicators.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

        header(MetricName.indicatorRatio, into: &out)
        for result in results {
            guard let value = result.value else { continue }
            sample(MetricName.indicatorRatio.name, labels(result), number(value), into: &out)
        }
        header(MetricName.indicatorNumerator, into: &out)
        for result in results {
            sample(MetricName.indicatorNumerator.name, labels(result), number(result.tally.numerator), into: &out)
        }
        header(MetricName.indicatorDenominator, into: &out)
        for result in results {
            sample(MetricName.indicatorDenominator.name, labels(result), number(result.tally.denominator), into: &out)
        }
        header(MetricName.indicatorMet, into: &out)
        for result in results where result.status != .noData {
            sample(MetricName.indicatorMet.name, labels(result), result.status == .met ? "1" : "0", into: &out)
        }
        header(MetricName.indicatorTargetRatio, into: &out)
        for definition in snapshot.catalogue.indicators where definitions[definition.id] != nil {
            sample(MetricName.indicatorTargetRatio.name, "indicator=\"\(escape(definition.id))\"", number(definition.target), into: &out)
        }
        header(MetricName.indicatorInfo, into: &out)
        for group in snapshot.catalogue.grouped() {
            for definition in group.indicators {
                let labels =
                    "indicator=\"\(escape(definition.id))\",plan_ref=\"\(escape(definition.planRef))\",section=\"\(escape(group.section.ref))\""
                sample(MetricName.indicatorInfo.name, labels, "1", into: &out)
            }
        }
        header(MetricName.tasksOverdue, into: &out)
        for unit in exported {
            sample(MetricName.tasksOverdue.name, "unit=\"\(escape(unit.id))\"", String(snapshot.tasksOverdueByUnit[unit.id] ?? 0), into: &out)
        }
        header(MetricName.dossiersOverdue, into: &out)
        for unit in exported {
            sample(MetricName.dossiersOverdue.name, "unit=\"\(escape(unit.id))\"", String(snapshot.dossiersOverdueByUnit[unit.id] ?? 0), into: &out)
        }
        renderQD766(snapshot, units: units, into: &out)
        return out
    }

    /// The QĐ 766 families (`qd766.md`): score, group scores, points per sub-indicator (its id
    /// without `qd766.`), and the maxima.
    static func renderQD766(_ snapshot: Snapshot, units: Set<String>?, into out: inout String) {
        guard let table = snapshot.qd766Table else { return }
        let results = units.map { units in snapshot.qd766.filter { units.contains($0.unitID) } } ?? snapshot.qd766
        let shortIDs = Dictionary(table.indicators.map { ($0.id, escape($0.shortID)) }, uniquingKeysWith: { a, _ in a })
        func place(_ result: QD766Result) -> String { "unit=\"\(escape(result.unitID))\",period=\"\(result.period.rawValue)\"" }
        header(MetricName.qd766Score, into: &out)
        for result in results { sample(MetricName.qd766Score.name, place(result), number(result.score), into: &out) }
        header(MetricName.qd766GroupScore, into: &out)
        for result in results {
            let labels = place(result)
            for group in result.groups {
                sample(MetricName.qd766GroupScore.name, labels + ",group=\"\(escape(group.group))\"", number(group.score), into: &out)
            }
        }
        header(MetricName.qd766Points, into: &out)
        for result in results {
            let labels = place(result)
            for entry in result.indicators {
                sample(
                    MetricName.qd766Points.name, "indicator=\"\(shortIDs[entry.id] ?? escape(entry.id))\"," + labels, number(entry.points), into: &out
                )
            }
        }
        header(MetricName.qd766EstimateGap, into: &out)
        for result in results {
            let labels = place(result)
            for group in result.groups {
                guard let gap = group.gap else { continue }
                sample(MetricName.qd766EstimateGap.name, labels + ",group=\"\(escape(group.group))\"", number(gap), into: &out)
            }
        }
        header(MetricName.qd766MaxPoints, into: &out)
        for indicator in table.indicators {
            sample(MetricName.qd766MaxPoints.name, "indicator=\"\(shortIDs[indicator.id] ?? "")\"", number(indicator.max), into: &out)
        }
    }

    public static func header(_ family: MetricName.Family, into out: inout String) {
        out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
    }

    static func sample(_ name: String, _ labels: String?, _ value: String, into out: inout String) {
        out += name
        if let labels { out += "{"; out += labels; out += "}" }
        out += " "
        out += value
        out += "\n"
    }

    static func labels(_ result: IndicatorResult) -> String {
        "indicator=\"\(escape(result.indicator))\",unit=\"\(escape(result.unitID))\",period=\"\(result.period.rawValue)\""
    }

    /// Label-value escaping of the text format: backslash, double quote and line feed.
    public static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return text }
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func number(_ value: Decimal) -> String {
        NSDecimalNumber(decimal: value).description(withLocale: nil)
    }
}

/// Which units `/metrics` exports. A province has 869 units × 42 indicators × 3 periods: ~3 × 10⁵
/// series, more than a Prometheus should scrape every minute; its communes are what a dashboard
/// shows. `depth`: `.auto` (under a province root, the province and its communes; under any
/// other root, every unit), `.all`, or `.levels(n)` (the roots and n levels below). `maxSeries`:
/// the cap; a depth that would exceed it is reduced until it fits (and the log says so).
public struct MetricsScope: Sendable, Equatable {
    public enum Depth: Sendable, Equatable {
        case auto, all
        case levels(Int)
    }

    public var depth: Depth
    public var maxSeries: Int

    public static let defaultMaxSeries = 100_000

    public init(depth: Depth = .auto, maxSeries: Int = MetricsScope.defaultMaxSeries) {
        self.depth = depth
        self.maxSeries = maxSeries
    }

    /// The deepest level exported (0: the roots), nil for every unit.
    func limit(rootKind: String?) -> Int? {
        switch depth {
        case .all: nil
        case .levels(let levels): levels
        case .auto: rootKind == "province" ? 1 : nil
        }
    }

    /// Each unit's depth below its root (0 for a root).
    static func depths(_ units: [ChisoCore.Unit]) -> [String: Int] {
        let parents = Dictionary(units.map { ($0.id, $0.parentID) }, uniquingKeysWith: { a, _ in a })
        var depths: [String: Int] = [:]
        for unit in units {
            var depth = 0
            var current = unit.parentID
            while let parent = current, depth <= units.count, parents[parent] != nil {
                depth += 1
                current = parents[parent] ?? nil
            }
            depths[unit.id] = depth
        }
        return depths
    }
}

/// What `/metrics` exports of a snapshot: the text, how many series, and how deep it went.
public struct Exposition: Sendable {
    /// The figures' families; the snapshot's timestamp is `PrometheusText.timestamp`.
    public var text: String
    public var series: Int
    /// The deepest level exported.
    public var depth: Int
    /// The level the scope asked for (deeper than `depth` when the cap cut it).
    public var wantedDepth: Int
    /// The deepest level of the tree.
    public var deepest: Int

    public var wasCapped: Bool { depth < wantedDepth }
}

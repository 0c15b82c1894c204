import ChisoCore
import Foundation

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
    /// The figures' families (UTF-8); the snapshot's timestamp is `PrometheusText.timestamp`.
    public var bytes: [UInt8]
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var series: Int
    /// The deepest level exported.
    public var depth: Int
    /// The level the scope asked for (deeper than `depth` when the cap cut it).
    public var wantedDepth: Int
    /// The deepest level of the tree.
    public var deepest: Int

    /// Where each unit's lines are in `bytes` (for the next render).
    public var pieces: MetricsPieces

    public var wasCapped: Bool { depth < wantedDepth }
}

/// Where an exposition's lines of each exported unit are: per unit (in the order exported), per
/// per-unit family, a byte range of its text. The next render copies a unit's ranges when its
/// figures did not change.
public struct MetricsPieces: Sendable {
    public var units: [String] = []
    var ranges: [[Range<Int>]] = []
}

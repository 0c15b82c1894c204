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
    /// `previous`: the last render of the same scope, its snapshot and its text; the units whose
    /// figures are the same in both have their lines copied from that text rather than written
    /// again (a province's refresh after a few dossiers changes 2 or 3 of its 125 exported units).
    public static func render(
        _ snapshot: Snapshot, scope: MetricsScope, previous: (snapshot: Snapshot, pieces: MetricsPieces, text: UnsafeRawBufferPointer)? = nil
    ) -> Exposition {
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
        let (bytes, pieces) = render(snapshot, units: units, previous: previous)
        return Exposition(bytes: bytes, series: series, depth: limit, wantedDepth: wanted, deepest: deepest, pieces: pieces)
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
        String(decoding: render(snapshot, units: units, previous: nil).0, as: UTF8.self)
    }

    /// The families, one unit's lines after another's within each; the lines of a unit whose
    /// figures are `previous`'s are copied from its text.
    static func render(
        _ snapshot: Snapshot, units: Set<String>?, previous: (snapshot: Snapshot, pieces: MetricsPieces, text: UnsafeRawBufferPointer)?
    ) -> ([UInt8], MetricsPieces) {
        let exported = units.map { units in snapshot.units.filter { units.contains($0.id) } } ?? snapshot.units
        let shortIDs = snapshot.qd766Table.map { table in
            Dictionary(table.indicators.map { ($0.id, escape($0.shortID)) }, uniquingKeysWith: { a, _ in a })
        }
        let parts = unitParts(snapshot, exported: exported, previous: previous.map { ($0.snapshot, $0.pieces) }, shortIDs: shortIDs ?? [:])

        var out: [UInt8] = []
        out.reserveCapacity(previous?.text.count ?? (snapshot.results.count * 4 * 110 + 4096))
        var ranges = [[Range<Int>]](repeating: [], count: exported.count)
        func unitFamily(_ family: MetricName.Family, _ position: Int) {
            append(header(family), to: &out)
            for index in exported.indices {
                let start = out.count
                switch parts[index] {
                case .written(let lines): append(lines[position], to: &out)
                case .copied(let ranges):
                    if let text = previous?.text { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[ranges[position]])) }
                }
                ranges[index].append(start..<out.count)
            }
        }
        unitFamily(MetricName.indicatorRatio, 0)
        unitFamily(MetricName.indicatorNumerator, 1)
        unitFamily(MetricName.indicatorDenominator, 2)
        unitFamily(MetricName.indicatorMet, 3)
        append(catalogueLines(snapshot), to: &out)
        unitFamily(MetricName.tasksOverdue, 4)
        unitFamily(MetricName.dossiersOverdue, 5)
        if let table = snapshot.qd766Table {
            unitFamily(MetricName.qd766Score, 6)
            unitFamily(MetricName.qd766GroupScore, 7)
            unitFamily(MetricName.qd766Points, 8)
            unitFamily(MetricName.qd766EstimateGap, 9)
            var lines = header(MetricName.qd766MaxPoints)
            for indicator in table.indicators {
                sample(MetricName.qd766MaxPoints.name, "indicator=\"\(shortIDs?[indicator.id] ?? "")\"", number(indicator.max), into: &lines)
            }
            append(lines, to: &out)
        }
        return (out, MetricsPieces(units: exported.map(\.id), ranges: ranges))
    }

    /// A unit's lines of each per-unit family: written now, or where the previous text has them.
    enum UnitPart {
        case written([String])
        case copied([Range<Int>])
    }

    /// Each exported unit's part: copied when its figures (results, estimates, overdue counts) are
    /// the previous render's, under the same QĐ 766 table (its names are in the labels).
    static func unitParts(
        _ snapshot: Snapshot, exported: [ChisoCore.Unit], previous: (snapshot: Snapshot, pieces: MetricsPieces)?, shortIDs: [String: String]
    ) -> [UnitPart] {
        let reusable = previous.flatMap { previous in previous.snapshot.qd766Table == snapshot.qd766Table ? previous : nil }
        let previousIndex = reusable.map { previous in
            Dictionary(previous.pieces.units.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        }
        return exported.map { unit in
            let results = snapshot.results(of: unit.id)
            let estimates = snapshot.qd766(of: unit.id)
            let tasks = snapshot.tasksOverdueByUnit[unit.id] ?? 0
            let dossiers = snapshot.dossiersOverdueByUnit[unit.id] ?? 0
            if let previous = reusable, let at = previousIndex?[unit.id], previous.snapshot.results(of: unit.id) == results,
                previous.snapshot.qd766(of: unit.id) == estimates,
                previous.snapshot.tasksOverdueByUnit[unit.id] ?? 0 == tasks, previous.snapshot.dossiersOverdueByUnit[unit.id] ?? 0 == dossiers
            {
                return .copied(previous.pieces.ranges[at])
            }
            return .written(unitLines(unit: unit.id, results: results, estimates: estimates, tasks: tasks, dossiers: dossiers, shortIDs: shortIDs))
        }
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// One unit's lines of each per-unit family, in the order `render` writes the families.
    static func unitLines(
        unit: String, results: ArraySlice<IndicatorResult>, estimates: ArraySlice<QD766Result>, tasks: Int, dossiers: Int,
        shortIDs: [String: String]
    ) -> [String] {
        var ratio = "", numerator = "", denominator = "", met = ""
        for result in results {
            let labels = labels(result)
            if let value = result.value { sample(MetricName.indicatorRatio.name, labels, number(value), into: &ratio) }
            sample(MetricName.indicatorNumerator.name, labels, number(result.tally.numerator), into: &numerator)
            sample(MetricName.indicatorDenominator.name, labels, number(result.tally.denominator), into: &denominator)
            if result.status != .noData { sample(MetricName.indicatorMet.name, labels, result.status == .met ? "1" : "0", into: &met) }
        }
        var tasksLine = "", dossiersLine = ""
        sample(MetricName.tasksOverdue.name, "unit=\"\(escape(unit))\"", String(tasks), into: &tasksLine)
        sample(MetricName.dossiersOverdue.name, "unit=\"\(escape(unit))\"", String(dossiers), into: &dossiersLine)
        var score = "", groups = "", points = "", gaps = ""
        for result in estimates {
            let place = "unit=\"\(escape(result.unitID))\",period=\"\(result.period.rawValue)\""
            sample(MetricName.qd766Score.name, place, number(result.score), into: &score)
            for group in result.groups {
                sample(MetricName.qd766GroupScore.name, place + ",group=\"\(escape(group.group))\"", number(group.score), into: &groups)
            }
            for entry in result.indicators {
                sample(
                    MetricName.qd766Points.name, "indicator=\"\(shortIDs[entry.id] ?? escape(entry.id))\"," + place, number(entry.points),
                    into: &points)
            }
            for group in result.groups {
                guard let gap = group.gap else { continue }
                sample(MetricName.qd766EstimateGap.name, place + ",group=\"\(escape(group.group))\"", number(gap), into: &gaps)
            }
        }
        return [ratio, numerator, denominator, met, tasksLine, dossiersLine, score, groups, points, gaps]
    }

    /// The catalogue's families: each indicator's target and its place in the plan.
    static func catalogueLines(_ snapshot: Snapshot) -> String {
        var out = header(MetricName.indicatorTargetRatio)
        for definition in snapshot.catalogue.indicators {
            sample(MetricName.indicatorTargetRatio.name, "indicator=\"\(escape(definition.id))\"", number(definition.target), into: &out)
        }
        out += header(MetricName.indicatorInfo)
        for group in snapshot.catalogue.grouped() {
            for definition in group.indicators {
                let labels =
                    "indicator=\"\(escape(definition.id))\",plan_ref=\"\(escape(definition.planRef))\",section=\"\(escape(group.section.ref))\""
                sample(MetricName.indicatorInfo.name, labels, "1", into: &out)
            }
        }
        return out
    }

    static func header(_ family: MetricName.Family) -> String {
        var out = ""
        header(family, into: &out)
        return out
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

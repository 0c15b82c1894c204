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
        // A unit's results (and estimates) come one after the other: its depth is looked up once
        // per run of them, not once per result (~10^5 string look-ups a province render).
        var last: (unitID: String, exported: Bool)?
        func exported(_ unitID: String) -> Bool {
            if let last, last.unitID == unitID { return last.exported }
            let exported = (depths[unitID] ?? 0) <= limit
            last = (unitID, exported)
            return exported
        }
        // By index: a result's fields read in place, not each result copied (and its strings retained).
        let results = snapshot.results
        for index in results.indices where exported(results[index].unitID) {
            count += 2 + (results[index].hasValue ? 1 : 0) + (results[index].status == .noData ? 0 : 1)
        }
        for result in snapshot.qd766 where exported(result.unitID) {
            count += 1 + result.groups.count + result.indicators.count + result.groups.reduce(0) { $0 + ($1.estimate == nil ? 0 : 1) }
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
        let parts = unitParts(snapshot, exported: exported, previous: previous, shortIDs: shortIDs ?? [:])

        var out: [UInt8] = []
        out.reserveCapacity(previous?.text.count ?? (snapshot.results.count * 4 * 110 + 4096))
        var ranges = [[Range<Int>]](repeating: [], count: exported.count)
        func unitFamily(_ family: MetricName.Family, _ position: Int) {
            append(header(family), to: &out)
            for index in exported.indices {
                let start = out.count
                switch parts[index] {
                case .written(let lines): out.append(contentsOf: lines[position])
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

    /// A unit's lines of each per-unit family: written now (some lines copied from the previous
    /// text), or, all of them, where the previous text has them.
    enum UnitPart {
        case written([[UInt8]])
        case copied([Range<Int>])
    }

    /// Each exported unit's part: copied when its figures (results, estimates, overdue counts) are
    /// the previous render's, under the same QĐ 766 table (its names are in the labels); else
    /// written, each line of a result or estimate figure that is the previous render's copied
    /// from its text (a province's refresh after flags flipped in every commune changes ~3 of a
    /// unit's ~90 results, and a few points of its estimates).
    static func unitParts(
        _ snapshot: Snapshot, exported: [ChisoCore.Unit], previous: (snapshot: Snapshot, pieces: MetricsPieces, text: UnsafeRawBufferPointer)?,
        shortIDs: [String: String]
    ) -> [UnitPart] {
        let reusable = previous.flatMap { previous in previous.snapshot.qd766Table == snapshot.qd766Table ? previous : nil }
        let previousIndex = reusable.map { previous in
            Dictionary(previous.pieces.units.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        }
        // The units in ranges on the machine's cores (a province's 125 exported units after flags
        // flipped everywhere: ~0.04 s on one). The previous text is read, never written, and
        // outlives the call.
        let shared = PreviousRender(reusable)
        // Ranges of at least 16 exported units, up to twice the cores.
        let pieces = Concurrently.ranges(exported.count, pieces: min(Concurrently.defaultPieces, exported.count / 16))
        return Concurrently.map(pieces) { range in
            exported[range].map { unit in Self.unitPart(unit, snapshot: snapshot, reusable: shared.previous, at: previousIndex, shortIDs: shortIDs) }
        }.flatMap { $0 }
    }

    /// The previous render, shared by the pieces of `unitParts` for the length of the call.
    struct PreviousRender: @unchecked Sendable {
        let previous: (snapshot: Snapshot, pieces: MetricsPieces, text: UnsafeRawBufferPointer)?
        init(_ previous: (snapshot: Snapshot, pieces: MetricsPieces, text: UnsafeRawBufferPointer)?) { self.previous = previous }
    }

    private static func unitPart(
        _ unit: ChisoCore.Unit, snapshot: Snapshot, reusable: (snapshot: Snapshot, pieces: MetricsPieces, text: UnsafeRawBufferPointer)?,
        at previousIndex: [String: Int]?, shortIDs: [String: String]
    ) -> UnitPart {
        let results = snapshot.results(of: unit.id)
        let estimates = snapshot.qd766(of: unit.id)
        let tasks = snapshot.tasksOverdueByUnit[unit.id] ?? 0
        let dossiers = snapshot.dossiersOverdueByUnit[unit.id] ?? 0
        let before = reusable.flatMap { previous -> PreviousLines? in
            guard let at = previousIndex?[unit.id] else { return nil }
            return PreviousLines(
                results: previous.snapshot.results(of: unit.id), estimates: previous.snapshot.qd766(of: unit.id),
                ranges: previous.pieces.ranges[at], text: previous.text)
        }
        if let before, let previous = reusable, before.results == results, before.estimates == estimates,
            previous.snapshot.tasksOverdueByUnit[unit.id] ?? 0 == tasks, previous.snapshot.dossiersOverdueByUnit[unit.id] ?? 0 == dossiers
        {
            return .copied(before.ranges)
        }
        return .written(
            unitLines(unit: unit.id, results: results, estimates: estimates, tasks: tasks, dossiers: dossiers, shortIDs: shortIDs, previous: before))
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// A unit's figures in the previous render and its lines there: each family's range cut into
    /// lines, so that a result or estimate figure that did not change is copied rather than written.
    struct PreviousLines {
        var results: ArraySlice<IndicatorResult>
        var estimates: ArraySlice<QD766Result>
        var ranges: [Range<Int>]
        var text: UnsafeRawBufferPointer

        /// The lines (with their line feeds) of family `position`, found with `memchr` (a byte at a
        /// time, the units' families were megabytes scanned at every render).
        func lines(_ position: Int) -> [Range<Int>] {
            guard position < ranges.count, let base = text.baseAddress, !ranges[position].isEmpty else { return [] }
            var out: [Range<Int>] = []
            var start = ranges[position].lowerBound
            let end = ranges[position].upperBound
            while start < end, let found = memchr(base + start, Int32(UInt8(ascii: "\n")), end - start) {
                let index = base.distance(to: UnsafeRawPointer(found))
                out.append(start..<(index + 1))
                start = index + 1
            }
            return out
        }
    }

    /// One unit's lines of each per-unit family, in the order `render` writes the families. With
    /// `previous`, a line whose figure is the one it had there is copied from the previous text:
    /// a result's lines when the result is equal (same indicator, period, tally and status); an
    /// estimate's score, group, points and gap lines when that number (and its labels) is equal.
    /// The previous lines are matched to figures by the same rules that wrote them (a ratio line
    /// for a result with a value, a met line for one with data, a gap line for a group with a gap);
    /// when the counts do not add up nothing is copied.
    static func unitLines(
        unit: String, results: ArraySlice<IndicatorResult>, estimates: ArraySlice<QD766Result>, tasks: Int, dossiers: Int,
        shortIDs: [String: String], previous: PreviousLines? = nil
    ) -> [[UInt8]] {
        var families = [[UInt8]](repeating: [], count: 10)
        var line = ""
        func write(_ family: Int, _ name: String, _ labels: String, _ value: String) {
            line.removeAll(keepingCapacity: true)
            sample(name, labels, value, into: &line)
            append(line, to: &families[family])
        }
        func copy(_ family: Int, _ range: Range<Int>, from text: UnsafeRawBufferPointer) {
            families[family].append(contentsOf: UnsafeRawBufferPointer(rebasing: text[range]))
        }

        // The results: aligned with the previous ones when they are the same indicators and periods.
        let before = previous.flatMap { previous -> (ratio: [Range<Int>], numerator: [Range<Int>], denominator: [Range<Int>], met: [Range<Int>])? in
            let (old, new) = (previous.results, results)
            guard old.count == new.count,
                zip(old, new).allSatisfy({ $0.indicator == $1.indicator && $0.period == $1.period && $0.unitID == $1.unitID })
            else { return nil }
            let lines = (previous.lines(0), previous.lines(1), previous.lines(2), previous.lines(3))
            guard lines.0.count == old.count(where: \.hasValue), lines.1.count == old.count, lines.2.count == old.count,
                lines.3.count == old.count(where: { $0.status != .noData })
            else { return nil }
            return lines
        }
        var (ratioAt, metAt) = (0, 0)
        for (offset, result) in results.enumerated() {
            if let before, let previous {
                let old = previous.results[previous.results.startIndex + offset]
                defer {
                    if old.hasValue { ratioAt += 1 }
                    if old.status != .noData { metAt += 1 }
                }
                if old == result {
                    if result.hasValue { copy(0, before.ratio[ratioAt], from: previous.text) }
                    copy(1, before.numerator[offset], from: previous.text)
                    copy(2, before.denominator[offset], from: previous.text)
                    if result.status != .noData { copy(3, before.met[metAt], from: previous.text) }
                    continue
                }
            }
            let labels = labels(result)
            if let value = result.value { write(0, MetricName.indicatorRatio.name, labels, number(value)) }
            write(1, MetricName.indicatorNumerator.name, labels, number(result.tally.numerator))
            write(2, MetricName.indicatorDenominator.name, labels, number(result.tally.denominator))
            if result.status != .noData { write(3, MetricName.indicatorMet.name, labels, result.status == .met ? "1" : "0") }
        }
        write(4, MetricName.tasksOverdue.name, "unit=\"\(escape(unit))\"", String(tasks))
        write(5, MetricName.dossiersOverdue.name, "unit=\"\(escape(unit))\"", String(dossiers))

        // The estimates: aligned when they are the same units, periods and shapes (groups and entries).
        let earlier = previous.flatMap { previous -> (score: [Range<Int>], groups: [Range<Int>], points: [Range<Int>], gaps: [Range<Int>])? in
            let (old, new) = (previous.estimates, estimates)
            guard old.count == new.count,
                zip(old, new).allSatisfy({
                    $0.unitID == $1.unitID && $0.period == $1.period && $0.groups.map(\.group) == $1.groups.map(\.group)
                        && $0.indicators.map(\.id) == $1.indicators.map(\.id)
                })
            else { return nil }
            let lines = (previous.lines(6), previous.lines(7), previous.lines(8), previous.lines(9))
            guard lines.0.count == old.count, lines.1.count == old.reduce(0, { $0 + $1.groups.count }),
                lines.2.count == old.reduce(0, { $0 + $1.indicators.count }),
                lines.3.count == old.reduce(0, { $0 + $1.groups.count(where: { $0.gap != nil }) })
            else { return nil }
            return lines
        }
        var (groupAt, pointAt, gapAt) = (0, 0, 0)
        for (offset, result) in estimates.enumerated() {
            let old = earlier != nil ? previous.map { $0.estimates[$0.estimates.startIndex + offset] } : nil
            let place = "unit=\"\(escape(result.unitID))\",period=\"\(result.period.rawValue)\""
            if let old, let earlier, let text = previous?.text, old.score == result.score {
                copy(6, earlier.score[offset], from: text)
            } else {
                write(6, MetricName.qd766Score.name, place, number(result.score))
            }
            for (index, group) in result.groups.enumerated() {
                if let old, let earlier, let text = previous?.text, old.groups[index].score == group.score {
                    copy(7, earlier.groups[groupAt + index], from: text)
                } else {
                    write(7, MetricName.qd766GroupScore.name, place + ",group=\"\(escape(group.group))\"", number(group.score))
                }
            }
            for (index, entry) in result.indicators.enumerated() {
                if let old, let earlier, let text = previous?.text, old.indicators[index].points == entry.points {
                    copy(8, earlier.points[pointAt + index], from: text)
                } else {
                    write(
                        8, MetricName.qd766Points.name, "indicator=\"\(shortIDs[entry.id] ?? escape(entry.id))\"," + place, number(entry.points))
                }
            }
            var oldGapAt = gapAt
            for (index, group) in result.groups.enumerated() {
                let oldGap = old?.groups[index].gap
                defer { if oldGap != nil { oldGapAt += 1 } }
                guard let gap = group.gap else { continue }
                if let oldGap, let earlier, let text = previous?.text, oldGap == gap {
                    copy(9, earlier.gaps[oldGapAt], from: text)
                } else {
                    write(9, MetricName.qd766EstimateGap.name, place + ",group=\"\(escape(group.group))\"", number(gap))
                }
            }
            if let old {
                groupAt += old.groups.count
                pointAt += old.indicators.count
                gapAt = oldGapAt
            }
        }
        return families
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

    /// A whole number (counts: most figures) as its digits; others as the decimal writes itself
    /// (through `NSDecimalNumber`'s formatter, ~0.9 µs a number, ~10^4 a province render).
    static func number(_ value: Decimal) -> String {
        if let whole = value.wholeNumber { return String(whole) }
        return NSDecimalNumber(decimal: value).description(withLocale: nil)
    }
}

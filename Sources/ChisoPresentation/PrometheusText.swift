import ChisoCore
import Foundation

/// Renders a snapshot's figures in the Prometheus text format 0.0.4.
///
/// Done once per refresh, so `/metrics` only copies bytes. Kept apart from swift-prometheus's
/// registry on purpose: a province has ~10⁵ series that change all at once each refresh, and
/// building one collector object per series would cost more than writing the text.
public enum PrometheusText {
    public static func render(_ snapshot: Snapshot) -> String {
        var out = ""
        out.reserveCapacity(snapshot.results.count * 4 * 110 + 4096)
        let definitions = Dictionary(snapshot.catalogue.indicators.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

        header(MetricName.indicatorRatio, into: &out)
        for result in snapshot.results {
            guard let value = result.value else { continue }
            sample(MetricName.indicatorRatio.name, labels(result), number(value), into: &out)
        }
        header(MetricName.indicatorNumerator, into: &out)
        for result in snapshot.results {
            sample(MetricName.indicatorNumerator.name, labels(result), number(result.tally.numerator), into: &out)
        }
        header(MetricName.indicatorDenominator, into: &out)
        for result in snapshot.results {
            sample(MetricName.indicatorDenominator.name, labels(result), number(result.tally.denominator), into: &out)
        }
        header(MetricName.indicatorMet, into: &out)
        for result in snapshot.results where result.status != .noData {
            sample(MetricName.indicatorMet.name, labels(result), result.status == .met ? "1" : "0", into: &out)
        }
        header(MetricName.indicatorTargetRatio, into: &out)
        for definition in snapshot.catalogue.indicators where definitions[definition.id] != nil {
            sample(MetricName.indicatorTargetRatio.name, "indicator=\"\(escape(definition.id))\"", number(definition.target), into: &out)
        }
        header(MetricName.tasksOverdue, into: &out)
        for unit in snapshot.units {
            sample(MetricName.tasksOverdue.name, "unit=\"\(escape(unit.id))\"", String(snapshot.tasksOverdueByUnit[unit.id] ?? 0), into: &out)
        }
        header(MetricName.dossiersOverdue, into: &out)
        for unit in snapshot.units {
            sample(MetricName.dossiersOverdue.name, "unit=\"\(escape(unit.id))\"", String(snapshot.dossiersOverdueByUnit[unit.id] ?? 0), into: &out)
        }
        header(MetricName.snapshotTimestamp, into: &out)
        sample(MetricName.snapshotTimestamp.name, nil, number(snapshot.asOf.timeIntervalSince1970), into: &out)
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

import ChisoCore
import Foundation

/// Text escaping and number/date formatting for people (the page, mails). Pure and locale-explicit:
/// Vietnamese uses `98,5 %`, `1.234`, `15/06/2026`; English `98.5 %`, `1,234`, `2026-06-15`.
public enum Format {
    public enum Language: String, Sendable { case vi, en }

    /// Escapes the five characters that matter in HTML text and attribute values.
    public static func html(_ text: String) -> String {
        guard text.contains(where: { "<>&\"'".contains($0) }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A ratio as a percentage with one decimal, trailing `,0` dropped: `98,5 %`, `100 %`.
    public static func percent(_ ratio: Double, _ language: Language) -> String {
        let tenths = (ratio * 1000).rounded()
        let whole = Int(tenths / 10)
        let fraction = Int(abs(tenths.truncatingRemainder(dividingBy: 10)))
        let sign = tenths < 0 && whole == 0 ? "-" : ""
        let separator = language == .vi ? "," : "."
        let body = fraction == 0 ? "\(sign)\(integer(whole, language))" : "\(sign)\(integer(whole, language))\(separator)\(fraction)"
        return body + "\u{00A0}%"
    }

    /// A target as printed on the page: `> 70 %`, `≥ 98 %`; a `>= 100 %` target reads `100 %`.
    public static func target(_ definition: IndicatorDefinition, _ language: Language) -> String {
        let value = NSDecimalNumber(decimal: definition.target).doubleValue
        let text = percent(value, language)
        if definition.comparator == .greaterOrEqual, definition.target == 1 { return text }
        return definition.comparator.symbol + "\u{00A0}" + text
    }

    /// Integers with thousands separators: `1.234` (vi), `1,234` (en).
    public static func integer(_ value: Int, _ language: Language) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += language == .vi ? "." : "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// A decimal count (numerators are whole numbers except for some manual figures).
    public static func count(_ value: Decimal, _ language: Language) -> String {
        var rounded = Decimal()
        var copy = value
        NSDecimalRound(&rounded, &copy, 0, .plain)
        if rounded == value { return integer(NSDecimalNumber(decimal: value).intValue, language) }
        let text = NSDecimalNumber(decimal: value).description(withLocale: nil)
        return language == .vi ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    public static func date(_ day: LocalDate, _ language: Language) -> String {
        switch language {
        case .vi: "\(LocalDate.pad(day.day, 2))/\(LocalDate.pad(day.month, 2))/\(day.year)"
        case .en: day.description
        }
    }

    /// `15/06/2026 10:00` (vi) or `2026-06-15 10:00` (en), local time.
    public static func dateTime(_ instant: Date, calendar: PlanCalendar, _ language: Language) -> String {
        let text = calendar.rfc3339(instant)  // 2026-06-15T10:00:00+07:00
        let day = calendar.localDate(of: instant)
        let clock = String(text.dropFirst(11).prefix(5))
        return "\(date(day, language)) \(clock)"
    }

    /// The gap to the target in percentage points, signed: `+2,5 điểm %` / `-3.1 pp` ("đ.p." is no
    /// abbreviation a reader knows; "điểm %" is how Vietnamese reports write it).
    public static func gap(_ ratio: Double, target: Decimal, _ language: Language) -> String {
        let points = (ratio - NSDecimalNumber(decimal: target).doubleValue) * 100
        let tenths = (points * 10).rounded() / 10
        var text = String(format: "%.1f", abs(tenths))
        if text.hasSuffix(".0") { text.removeLast(2) }
        if language == .vi { text = text.replacingOccurrences(of: ".", with: ",") }
        let sign = tenths > 0 ? "+" : (tenths < 0 ? "−" : "±")
        return sign + text + (language == .vi ? "\u{00A0}điểm\u{00A0}%" : "\u{00A0}pp")
    }
}

extension IndicatorStatus {
    /// The status in words: the page never relies on colour alone.
    public func label(_ language: Format.Language) -> String {
        switch (self, language) {
        case (.met, .vi): "Đạt"
        case (.atRisk, .vi): "Có nguy cơ"
        case (.missed, .vi): "Chưa đạt"
        case (.noData, .vi): "Chưa có dữ liệu"
        case (.met, .en): "Met"
        case (.atRisk, .en): "At risk"
        case (.missed, .en): "Missed"
        case (.noData, .en): "No data"
        }
    }
}

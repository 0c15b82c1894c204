import Foundation

/// The input tables of `inputs.md` as chiso imports them: columns, types, which may be left out
/// (they have a default or may be null), the primary key, the allowed values and the cross-column
/// rules — checked before anything reaches the database, so that an error names the file, the
/// line and the column. The database enforces all of it again.
public struct InputTable: Sendable {
    public enum ColumnType: Sendable, Equatable {
        case text, boolean, date, timestamp, numeric
    }

    public struct Column: Sendable {
        public var name: String
        public var type: ColumnType
        /// Must be in the file (NOT NULL without a default).
        public var required: Bool
        /// May be empty (NULL).
        public var nullable: Bool
        public var allowed: [String]?
        /// The column's default, for an empty cell of a NOT NULL column that has one ("now": the import's time).
        public var defaultValue: String?

        init(_ name: String, _ type: ColumnType, required: Bool = false, nullable: Bool = false, allowed: [String]? = nil, default defaultValue: String? = nil) {
            self.name = name
            self.type = type
            self.required = required
            self.nullable = nullable
            self.allowed = allowed
            self.defaultValue = defaultValue
        }
    }

    public var name: String
    public var columns: [Column]
    public var primaryKey: [String]

    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }

    public static let all: [InputTable] = [
        InputTable(name: "units", columns: [
            Column("id", .text, required: true), Column("parent_id", .text, nullable: true), Column("name", .text, required: true),
            Column("kind", .text, required: true, allowed: ["province", "commune", "department", "center", "other"]),
            Column("alert_email", .text, nullable: true), Column("head_email", .text, nullable: true),
        ], primaryKey: ["id"]),
        InputTable(name: "procedures", columns: [
            Column("code", .text, required: true), Column("name", .text, required: true), Column("field", .text, nullable: true),
            Column("service_level", .text, required: true, allowed: ["full", "partial", "none"]),
            Column("full_online_eligible", .boolean, default: "f"), Column("has_fee", .boolean, default: "f"), Column("online_payment_enabled", .boolean, default: "f"),
            Column("requires_result_document", .boolean, default: "t"), Column("published", .boolean, default: "t"), Column("location_independent", .boolean, default: "f"),
            Column("internal", .boolean, default: "f"),
        ], primaryKey: ["code"]),
        InputTable(name: "dossiers", columns: [
            Column("code", .text, required: true), Column("procedure_code", .text, required: true), Column("unit_id", .text, required: true),
            Column("channel", .text, required: true, allowed: ["in_person", "online", "postal"]),
            Column("status", .text, required: true, allowed: ["processing", "finished", "withdrawn", "rejected"]),
            Column("received_at", .timestamp, required: true), Column("due_at", .timestamp, nullable: true),
            Column("finished_at", .timestamp, nullable: true), Column("received_at_center", .boolean, default: "t"), Column("digitised", .boolean, default: "f"),
            Column("reused_data", .boolean, default: "f"), Column("e_result", .boolean, default: "f"), Column("synced_national", .boolean, default: "f"),
            Column("apologised_at", .timestamp, nullable: true), Column("updated_at", .timestamp, default: "now"),
        ], primaryKey: ["code"]),
        InputTable(name: "payments", columns: [
            Column("id", .text, required: true), Column("dossier_code", .text, required: true), Column("paid_at", .timestamp, required: true),
            Column("amount", .numeric, required: true),
            Column("method", .text, required: true, allowed: ["national_portal", "provincial_gateway", "cash", "bank_transfer"]),
        ], primaryKey: ["id"]),
        InputTable(name: "documents", columns: [
            Column("id", .text, required: true), Column("unit_id", .text, required: true),
            Column("direction", .text, required: true, allowed: ["outgoing", "incoming"]),
            Column("registered_at", .timestamp, required: true), Column("digitally_signed", .boolean, default: "f"), Column("processed_electronically", .boolean, default: "f"),
            Column("security_level", .text, allowed: ["normal", "confidential", "secret", "top_secret"], default: "normal"),
        ], primaryKey: ["id"]),
        InputTable(name: "feedback", columns: [
            Column("id", .text, required: true), Column("unit_id", .text, required: true), Column("received_at", .timestamp, required: true),
            Column("resolved_at", .timestamp, nullable: true), Column("result_published", .boolean, default: "f"),
        ], primaryKey: ["id"]),
        InputTable(name: "report_forms", columns: [
            Column("id", .text, required: true), Column("unit_id", .text, required: true), Column("name", .text, required: true),
            Column("periodic", .boolean, default: "t"), Column("eform", .boolean, default: "f"), Column("connected_provincial", .boolean, default: "f"),
        ], primaryKey: ["id"]),
        InputTable(name: "tasks", columns: [
            Column("id", .text, required: true), Column("plan_ref", .text, nullable: true),
            Column("source", .text, required: true, allowed: ["plan", "province", "other"]),
            Column("title", .text, required: true), Column("product", .text, nullable: true), Column("lead_unit_id", .text, required: true),
            Column("coordinating", .text, nullable: true), Column("monitoring_unit_id", .text, nullable: true),
            Column("due_date", .date, nullable: true), Column("status", .text, required: true, allowed: ["open", "done", "cancelled"]),
            Column("done_at", .timestamp, nullable: true), Column("tracked_electronically", .boolean, default: "t"),
        ], primaryKey: ["id"]),
        InputTable(name: "manual_values", columns: [
            Column("indicator", .text, required: true), Column("unit_id", .text, required: true), Column("period_end", .date, required: true),
            Column("numerator", .numeric, required: true), Column("denominator", .numeric, required: true),
            Column("recorded_at", .timestamp, default: "now"), Column("note", .text, nullable: true),
        ], primaryKey: ["indicator", "unit_id", "period_end", "recorded_at"]),
    ]

    public static func named(_ name: String) -> InputTable? { all.first { $0.name == name } }
}

/// One file made ready for COPY: its columns, a text-format COPY line per record and the file
/// line of each, or every problem found (up to `maxErrors`).
public struct PreparedImport: Sendable {
    public var table: InputTable
    public var columns: [String]
    /// COPY text format lines (tab-separated, `\N` for NULL, escaped), without the line number.
    public var copyLines: [String]
    public var fileLines: [Int]
}

public struct ImportErrors: Error, Equatable, CustomStringConvertible {
    public var messages: [String]
    /// More problems than listed.
    public var truncated: Bool
    public init(messages: [String], truncated: Bool = false) {
        self.messages = messages
        self.truncated = truncated
    }
    public var description: String {
        messages.joined(separator: "\n") + (truncated ? "\n… more errors not listed (the first \(messages.count) are)" : "")
    }
}

/// Checks and converts a CSV file for one input table. Pure: the time zone is a parameter.
public enum ImportPreparer {
    public static let maxErrors = 50

    /// - Parameter now: the import's time, for empty `updated_at`/`recorded_at` cells.
    public static func prepare(_ file: CSVFile, table: InputTable, fileName: String, timeZone: TimeZone, now: Date) throws(ImportErrors) -> PreparedImport {
        var errors: [String] = []
        var truncated = false
        func fail(_ message: String) {
            if errors.count < maxErrors { errors.append(message) } else { truncated = true }
        }
        // The header: contract names only, each once, every required column present.
        var seen: Set<String> = []
        for name in file.header {
            if table.column(name) == nil {
                fail("\(fileName):1: unknown column '\(name)' for \(table.name) (columns: \(table.columns.map(\.name).joined(separator: ", ")))")
            } else if !seen.insert(name).inserted {
                fail("\(fileName):1: column '\(name)' appears twice")
            }
        }
        for column in table.columns where column.required && !seen.contains(column.name) {
            fail("\(fileName):1: column '\(column.name)' is missing; \(table.name) needs it")
        }
        if !errors.isEmpty { throw ImportErrors(messages: errors, truncated: truncated) }

        let columns = file.header.map { table.column($0)! }
        let index = Dictionary(uniqueKeysWithValues: file.header.enumerated().map { ($1, $0) })
        let keyIndexes = table.primaryKey.compactMap { index[$0] }
        var keys: [String: Int] = [:]
        var lines: [String] = []
        lines.reserveCapacity(file.records.count)
        var fileLines: [Int] = []
        fileLines.reserveCapacity(file.records.count)
        let clock = TimestampParser(timeZone: timeZone)
        let importTime = TimestampParser.Instant(now)
        var values = [ParsedValue](repeating: .null, count: columns.count)

        for record in file.records {
            let where_ = "\(fileName):\(record.line)"
            if record.fields.count != columns.count {
                fail("\(where_): \(record.fields.count) fields, the header has \(columns.count)")
                continue
            }
            var ok = true
            for (position, column) in columns.enumerated() {
                let raw = record.fields[position]
                let text = raw.trimmingCharacters(in: .whitespaces)
                if text.isEmpty {
                    if column.nullable {
                        values[position] = .null
                    } else if let fallback = column.defaultValue {
                        values[position] = fallback == "now" ? .instant(importTime, original: "now") : .text(fallback)
                    } else {
                        fail("\(where_): \(column.name) is empty; it is required")
                        ok = false
                    }
                    continue
                }
                switch column.type {
                case .text:
                    if let allowed = column.allowed, !allowed.contains(text) {
                        fail("\(where_): \(column.name) '\(text)' is not one of \(allowed.joined(separator: ", "))")
                        ok = false
                    }
                    values[position] = .text(column.allowed == nil ? raw : text)
                case .boolean:
                    switch text.lowercased() {
                    case "true", "t", "1", "yes", "có", "x": values[position] = .text("t")
                    case "false", "f", "0", "no", "không": values[position] = .text("f")
                    default:
                        fail("\(where_): \(column.name) '\(text)' is not a boolean (true/false, 1/0, có/không)")
                        ok = false
                    }
                case .date:
                    if let day = clock.date(text) {
                        values[position] = .date(day)
                    } else {
                        fail("\(where_): \(column.name) '\(text)' is not a date (YYYY-MM-DD or dd/MM/yyyy)")
                        ok = false
                    }
                case .timestamp:
                    if let instant = clock.timestamp(text) {
                        values[position] = .instant(instant, original: text)
                    } else {
                        fail("\(where_): \(column.name) '\(text)' is not a time (ISO 8601 or dd/MM/yyyy HH:mm)")
                        ok = false
                    }
                case .numeric:
                    let normalised = text.replacingOccurrences(of: " ", with: "")
                    if let number = Decimal(string: normalised, locale: Locale(identifier: "en_US_POSIX")), normalised.allSatisfy({ "0123456789.-+eE".contains($0) }) {
                        values[position] = .number(number, original: text)
                    } else {
                        fail("\(where_): \(column.name) '\(text)' is not a number (use . for decimals)")
                        ok = false
                    }
                }
            }
            guard ok else { continue }
            if let problem = crossCheck(table.name, header: file.header, values: values) {
                fail("\(where_): \(problem)")
                continue
            }
            if !keyIndexes.isEmpty {
                let key = keyIndexes.map { values[$0].copyText }.joined(separator: "\u{1F}")
                if let first = keys[key] {
                    fail("\(where_): \(table.primaryKey.joined(separator: ", ")) \(keyIndexes.map { record.fields[$0] }.joined(separator: ", ")) already on line \(first)")
                    continue
                }
                keys[key] = record.line
            }
            if errors.isEmpty {
                lines.append(values.map(\.copyText).joined(separator: "\t"))
                fileLines.append(record.line)
            }
        }
        if !errors.isEmpty { throw ImportErrors(messages: errors, truncated: truncated) }
        return PreparedImport(table: table, columns: file.header, copyLines: lines, fileLines: fileLines)
    }

    /// The rules of `inputs.md` that involve two columns, in the words of the error message.
    static func crossCheck(_ table: String, header: [String], values: [ParsedValue]) -> String? {
        func value(_ name: String) -> ParsedValue? { header.firstIndex(of: name).map { values[$0] } }
        func notBefore(_ later: String, _ earlier: String) -> String? {
            guard case .instant(let a, let textA)? = value(later), case .instant(let b, let textB)? = value(earlier), a.epoch < b.epoch else { return nil }
            return "\(later) \(textA) is before \(earlier) \(textB)"
        }
        func statusRule(_ status: String, _ column: String) -> String? {
            guard case .text(let current)? = value("status") else { return nil }
            let present: Bool = if case .instant? = value(column) { true } else { false }
            if current == status && !present { return "status is \(status) but \(column) is empty" }
            if current != status && present { return "\(column) is set but status is \(current), not \(status)" }
            return nil
        }
        func positive(_ column: String, allowZero: Bool) -> String? {
            guard case .number(let n, let text)? = value(column) else { return nil }
            if allowZero ? n < 0 : n <= 0 { return "\(column) \(text) must be \(allowZero ? "0 or more" : "more than 0")" }
            return nil
        }
        switch table {
        case "units":
            if case .text(let id)? = value("id"), case .text(let parent)? = value("parent_id"), id == parent { return "parent_id \(parent) is the unit itself" }
            return nil
        case "dossiers":
            return notBefore("due_at", "received_at") ?? notBefore("finished_at", "received_at") ?? statusRule("finished", "finished_at")
        case "payments":
            return positive("amount", allowZero: false)
        case "feedback":
            return notBefore("resolved_at", "received_at")
        case "tasks":
            return statusRule("done", "done_at")
        case "manual_values":
            return positive("numerator", allowZero: true) ?? positive("denominator", allowZero: false)
        default:
            return nil
        }
    }
}

/// A checked value, with what COPY receives.
enum ParsedValue: Sendable {
    case null
    case text(String)
    case date(LocalDate)
    case instant(TimestampParser.Instant, original: String)
    case number(Decimal, original: String)

    var copyText: String {
        switch self {
        case .null: return "\\N"
        case .text(let text): return ParsedValue.escape(text)
        case .date(let day): return day.description
        case .instant(let instant, _): return instant.text
        case .number(let number, _): return "\(number)"
        }
    }

    /// COPY text format: backslash, tab, newline and carriage return are escaped.
    static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\r\n": out += "\\r\\n"
            default: out.append(character)
            }
        }
        return out
    }
}

/// Dates and times as upstream exports write them: ISO 8601 (`2026-06-15`, `2026-06-15T10:00:00+07:00`,
/// `2026-06-15 10:00`) or Vietnamese day-first (`15/06/2026`, `15/06/2026 10:00`). A time without
/// an offset is local time in the plan's zone.
struct TimestampParser: Sendable {
    struct Instant: Sendable {
        /// `2026-06-15 10:00:00+07:00`, what PostgreSQL reads unambiguously.
        var text: String
        var epoch: Int64

        init(text: String, epoch: Int64) {
            self.text = text
            self.epoch = epoch
        }

        /// An instant in UTC.
        init(_ date: Date) {
            let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
            let day = LocalDate(dayNumber: Int((seconds >= 0 ? seconds : seconds - 86_399) / 86_400))
            let rest = Int(seconds - Int64(day.dayNumber) * 86_400)
            self.init(text: "\(day.description) \(LocalDate.pad(rest / 3600, 2)):\(LocalDate.pad(rest % 3600 / 60, 2)):\(LocalDate.pad(rest % 60, 2))+00:00", epoch: seconds)
        }
    }

    let timeZone: TimeZone

    func date(_ text: String) -> LocalDate? {
        let u = Array(text.utf8)
        if u.count == 10, u[4] == 45, u[7] == 45 { return LocalDate(iso: text) }
        if u.count >= 8, u.count <= 10 {
            let parts = text.split(separator: "/")
            if parts.count == 3, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]), parts[2].count == 4,
               (1...12).contains(m), (1...LocalDate.daysIn(month: m, year: y)).contains(d) {
                return LocalDate(year: y, month: m, day: d)
            }
        }
        return nil
    }

    func timestamp(_ text: String) -> Instant? {
        // Split date and time at 'T' or ' '.
        var dayPart = Substring(text), timePart = Substring("")
        if let separator = text.firstIndex(where: { $0 == "T" || $0 == " " }) {
            dayPart = text[..<separator]
            timePart = text[text.index(after: separator)...].drop { $0 == " " }
        }
        guard let day = date(String(dayPart)) else { return nil }
        var hour = 0, minute = 0, second = 0, fraction = ""
        var offsetSeconds: Int?
        if !timePart.isEmpty {
            // Offset: Z, ±HH, ±HH:MM, ±HHMM at the end.
            var clock = timePart
            if clock.hasSuffix("Z") {
                offsetSeconds = 0
                clock = clock.dropLast()
            } else if let sign = clock.lastIndex(where: { $0 == "+" || $0 == "-" }) {
                let offsetText = clock[clock.index(after: sign)...].replacingOccurrences(of: ":", with: "")
                guard offsetText.count == 2 || offsetText.count == 4, let value = Int(offsetText) else { return nil }
                let hours = offsetText.count == 2 ? value : value / 100
                let minutes = offsetText.count == 2 ? 0 : value % 100
                guard hours <= 14, minutes < 60 else { return nil }
                offsetSeconds = (hours * 3600 + minutes * 60) * (clock[sign] == "-" ? -1 : 1)
                clock = clock[..<sign]
            }
            let fields = clock.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 2 || fields.count == 3, let h = Int(fields[0]), let m = Int(fields[1]), fields[0].count <= 2, fields[1].count == 2,
                  (0...23).contains(h), (0...59).contains(m) else { return nil }
            hour = h
            minute = m
            if fields.count == 3 {
                let secondsText = fields[2].split(separator: ".", maxSplits: 1)
                guard let s = Int(secondsText[0]), secondsText[0].count == 2, (0...60).contains(s) else { return nil }
                second = s
                if secondsText.count == 2 {
                    guard secondsText[1].allSatisfy(\.isNumber), !secondsText[1].isEmpty else { return nil }
                    fraction = "." + secondsText[1]
                }
            }
        }
        let localSeconds = Int64(day.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let offset = offsetSeconds ?? timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(localSeconds - 7 * 3600)))
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        let offsetText = "\(sign)\(LocalDate.pad(magnitude / 3600, 2)):\(LocalDate.pad(magnitude % 3600 / 60, 2))"
        let text = "\(day.description) \(LocalDate.pad(hour, 2)):\(LocalDate.pad(minute, 2)):\(LocalDate.pad(second, 2))\(fraction)\(offsetText)"
        return Instant(text: text, epoch: localSeconds - Int64(offset))
    }
}

import ChisoCore
import Foundation

/// The input tables of `inputs.md` as chiso imports them: columns, types, which may be left out
/// (they have a default or may be null), the primary key, the allowed values and the cross-column
/// rules — checked before anything reaches the database, so that an error names the file, the
/// line and the column. The database enforces all of it again.
public struct InputTable: Sendable {
    public enum ColumnType: Sendable, Equatable {
        case text, boolean, date, timestamp
        /// A decimal number written plainly: digits, one `.` before the decimals, an optional sign.
        case numeric
        /// A whole number of at most `digits` digits (`numeric(14, 0)`: đồng): no separator, no fraction.
        case whole(digits: Int)
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

        init(
            _ name: String, _ type: ColumnType, required: Bool = false, nullable: Bool = false, allowed: [String]? = nil,
            default defaultValue: String? = nil
        ) {
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
        InputTable(
            name: "units",
            columns: [
                Column("id", .text, required: true), Column("parent_id", .text, nullable: true), Column("name", .text, required: true),
                Column("kind", .text, required: true, allowed: ["province", "commune", "department", "center", "other"]),
                Column("alert_email", .text, nullable: true), Column("head_email", .text, nullable: true),
            ], primaryKey: ["id"]),
        InputTable(
            name: "procedures",
            columns: [
                Column("code", .text, required: true), Column("name", .text, required: true), Column("field", .text, nullable: true),
                Column("service_level", .text, required: true, allowed: ["full", "partial", "none"]),
                Column("full_online_eligible", .boolean, default: "f"), Column("has_fee", .boolean, default: "f"),
                Column("online_payment_enabled", .boolean, default: "f"),
                Column("requires_result_document", .boolean, default: "t"), Column("published", .boolean, default: "t"),
                Column("location_independent", .boolean, default: "f"),
                Column("internal", .boolean, default: "f"),
            ], primaryKey: ["code"]),
        InputTable(
            name: "dossiers",
            columns: [
                Column("code", .text, required: true), Column("procedure_code", .text, required: true), Column("unit_id", .text, required: true),
                Column("channel", .text, required: true, allowed: ["in_person", "online", "postal"]),
                Column("status", .text, required: true, allowed: ["processing", "finished", "withdrawn", "rejected"]),
                Column("received_at", .timestamp, required: true), Column("due_at", .timestamp, nullable: true),
                Column("finished_at", .timestamp, nullable: true), Column("received_at_center", .boolean, default: "t"),
                Column("digitised", .boolean, default: "f"),
                Column("reused_data", .boolean, default: "f"), Column("e_result", .boolean, default: "f"),
                Column("synced_national", .boolean, default: "f"),
                Column("apologised_at", .timestamp, nullable: true), Column("updated_at", .timestamp, default: "now"),
                Column("late_official", .text, nullable: true),
            ], primaryKey: ["code"]),
        InputTable(
            name: "payments",
            columns: [
                Column("id", .text, required: true), Column("dossier_code", .text, required: true), Column("paid_at", .timestamp, required: true),
                Column("amount", .whole(digits: 14), required: true),
                Column("method", .text, required: true, allowed: ["national_portal", "provincial_gateway", "cash", "bank_transfer"]),
            ], primaryKey: ["id"]),
        InputTable(
            name: "documents",
            columns: [
                Column("id", .text, required: true), Column("unit_id", .text, required: true),
                Column("direction", .text, required: true, allowed: ["outgoing", "incoming"]),
                Column("registered_at", .timestamp, required: true), Column("digitally_signed", .boolean, default: "f"),
                Column("processed_electronically", .boolean, default: "f"),
                Column("security_level", .text, allowed: ["normal", "confidential", "secret", "top_secret"], default: "normal"),
            ], primaryKey: ["id"]),
        InputTable(
            name: "feedback",
            columns: [
                Column("id", .text, required: true), Column("unit_id", .text, required: true), Column("received_at", .timestamp, required: true),
                Column("resolved_at", .timestamp, nullable: true), Column("result_published", .boolean, default: "f"),
            ], primaryKey: ["id"]),
        InputTable(
            name: "report_forms",
            columns: [
                Column("id", .text, required: true), Column("unit_id", .text, required: true), Column("name", .text, required: true),
                Column("periodic", .boolean, default: "t"), Column("eform", .boolean, default: "f"),
                Column("connected_provincial", .boolean, default: "f"),
            ], primaryKey: ["id"]),
        InputTable(
            name: "tasks",
            columns: [
                Column("id", .text, required: true), Column("plan_ref", .text, nullable: true),
                Column("source", .text, required: true, allowed: ["plan", "province", "other"]),
                Column("title", .text, required: true), Column("product", .text, nullable: true), Column("lead_unit_id", .text, required: true),
                Column("coordinating", .text, nullable: true), Column("monitoring_unit_id", .text, nullable: true),
                Column("due_date", .date, nullable: true), Column("status", .text, required: true, allowed: ["open", "done", "cancelled"]),
                Column("done_at", .timestamp, nullable: true), Column("tracked_electronically", .boolean, default: "t"),
            ], primaryKey: ["id"]),
        InputTable(
            name: "manual_values",
            columns: [
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

    public init(table: InputTable, columns: [String], copyLines: [String], fileLines: [Int]) {
        self.table = table
        self.columns = columns
        self.copyLines = copyLines
        self.fileLines = fileLines
    }
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
    public static func prepare(
        _ file: CSVFile, table: InputTable, fileName: String, timeZone: TimeZone, now: Date
    ) throws(ImportErrors) -> PreparedImport {
        var checker = try RowChecker(header: file.header, table: table, fileName: fileName, timeZone: timeZone, now: now)
        let (lines, fileLines) = checker.check(file.records[...])
        if let errors = checker.failure { throw errors }
        return PreparedImport(table: table, columns: file.header, copyLines: lines, fileLines: fileLines)
    }

    /// Leading and trailing spaces and tabs removed, without Foundation (this runs per cell).
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return text }
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        if !blank(first) && !blank(last) { return text }
        let bytes = Array(utf8)
        var start = 0, end = bytes.count
        while start < end, blank(bytes[start]) { start += 1 }
        while end > start, blank(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The rules of `inputs.md` that involve two columns, in the words of the error message.
    static func crossCheck(_ table: String, header: [String], values: [ParsedValue]) -> String? {
        func value(_ name: String) -> ParsedValue? { header.firstIndex(of: name).map { values[$0] } }
        func notBefore(_ later: String, _ earlier: String) -> String? {
            guard case .instant(let a, let textA)? = value(later), case .instant(let b, let textB)? = value(earlier), a.epoch < b.epoch else {
                return nil
            }
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
            if case .text(let id)? = value("id"), case .text(let parent)? = value("parent_id"), id == parent {
                return "parent_id \(parent) is the unit itself"
            }
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

/// Checks records of one file, a slice at a time (so that checking can run while earlier rows
/// are already on their way to the database), keeping what must span the whole file: the keys
/// seen and the errors found.
public struct RowChecker: Sendable {
    public let table: InputTable
    public let columns: [InputTable.Column]
    let fileName: String
    let keyIndexes: [Int]
    let clock: TimestampParser
    let importTime: TimestampParser.Instant
    var keys: [String: Int] = [:]
    public private(set) var errors: [String] = []
    public private(set) var truncated = false

    /// `12`, `-3`, `0.25`: a sign, digits, and at most one `.` followed by digits. Nothing else:
    /// `1.000.000` (a thousands separator) or `1,5` would otherwise be read as something else.
    static func plainDecimal(_ text: String) -> Decimal? {
        var bytes = Substring(text).utf8[...]
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }) else {
            return nil
        }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// The errors so far, as the error to throw; nil while the file is clean.
    public var failure: ImportErrors? { errors.isEmpty ? nil : ImportErrors(messages: errors, truncated: truncated) }

    /// Checks the header: contract names only, each once, every required column present.
    public init(header: [String], table: InputTable, fileName: String, timeZone: TimeZone, now: Date) throws(ImportErrors) {
        self.table = table
        self.fileName = fileName
        var problems: [String] = []
        var seen: Set<String> = []
        for name in header {
            if table.column(name) == nil {
                problems.append(
                    "\(fileName):1: unknown column '\(name)' for \(table.name) (columns: \(table.columns.map(\.name).joined(separator: ", ")))")
            } else if !seen.insert(name).inserted {
                problems.append("\(fileName):1: column '\(name)' appears twice")
            }
        }
        for column in table.columns where column.required && !seen.contains(column.name) {
            problems.append("\(fileName):1: column '\(column.name)' is missing; \(table.name) needs it")
        }
        if !problems.isEmpty { throw ImportErrors(messages: problems) }
        columns = header.map { table.column($0)! }
        let index = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        keyIndexes = table.primaryKey.compactMap { index[$0] }
        clock = TimestampParser(timeZone: timeZone)
        importTime = TimestampParser.Instant(now)
    }

    mutating func fail(_ message: String) {
        if errors.count < ImportPreparer.maxErrors { errors.append(message) } else { truncated = true }
    }

    /// COPY lines for the good records (none once an error was found: the file will not load).
    public mutating func check(_ records: ArraySlice<CSVFile.Record>) -> (lines: [String], fileLines: [Int]) {
        var lines: [String] = []
        lines.reserveCapacity(records.count)
        var fileLines: [Int] = []
        fileLines.reserveCapacity(records.count)
        let header = columns.map(\.name)
        var values = [ParsedValue](repeating: .null, count: columns.count)
        let fileName = self.fileName
        let clock = self.clock
        let importTime = self.importTime

        for record in records {
            let where_ = "\(fileName):\(record.line)"
            if record.fields.count != columns.count {
                fail("\(where_): \(record.fields.count) fields, the header has \(columns.count)")
                continue
            }
            var ok = true
            for (position, column) in columns.enumerated() {
                let raw = record.fields[position]
                // PostgreSQL's text cannot hold U+0000: name it here, not as an encoding error from the server.
                if raw.utf8.contains(0) {
                    fail("\(where_): \(column.name) contains a NUL character (\\0), which the database cannot store")
                    ok = false
                    continue
                }
                let text = ImportPreparer.trimmed(raw)
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
                    switch text.count <= 5 ? text.lowercased() : text {
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
                    if let number = Self.plainDecimal(text) {
                        values[position] = .number(number, original: text)
                    } else {
                        fail("\(where_): \(column.name) '\(text)' is not a number (digits, with . before any decimals; no thousands separator)")
                        ok = false
                    }
                case .whole(let digits):
                    let unsigned = text.hasPrefix("+") || text.hasPrefix("-") ? text.dropFirst() : Substring(text)
                    if !unsigned.isEmpty, unsigned.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
                        if unsigned.drop(while: { $0 == "0" }).count > digits {
                            fail("\(where_): \(column.name) '\(text)' has more than \(digits) digits")
                            ok = false
                        } else {
                            values[position] = .number(Decimal(string: String(text)) ?? 0, original: text)
                        }
                    } else {
                        fail("\(where_): \(column.name) '\(text)' is not a whole number (digits only: no thousands separator, no decimals)")
                        ok = false
                    }
                }
            }
            guard ok else { continue }
            if let problem = ImportPreparer.crossCheck(table.name, header: header, values: values) {
                fail("\(where_): \(problem)")
                continue
            }
            if !keyIndexes.isEmpty {
                let key = keyIndexes.map { values[$0].copyText }.joined(separator: "\u{1F}")
                if let first = keys[key] {
                    let given = keyIndexes.map { record.fields[$0] }.joined(separator: ", ")
                    fail("\(where_): \(table.primaryKey.joined(separator: ", ")) \(given) already on line \(first)")
                    continue
                }
                keys[key] = record.line
            }
            if errors.isEmpty {
                lines.append(values.map(\.copyText).joined(separator: "\t"))
                fileLines.append(record.line)
            }
        }
        return (lines, fileLines)
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
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return text }
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
            self.init(
                text:
                    "\(day.description) \(LocalDate.pad(rest / 3600, 2)):\(LocalDate.pad(rest % 3600 / 60, 2)):\(LocalDate.pad(rest % 60, 2))+00:00",
                epoch: seconds)
        }
    }

    let timeZone: TimeZone
    /// The zone's offset per local day (asked of Foundation once per day: this runs per cell).
    private let offsets = OffsetCache()

    init(timeZone: TimeZone) { self.timeZone = timeZone }

    func date(_ text: String) -> LocalDate? {
        var bytes = Array(text.utf8)
        return Self.parseDate(&bytes, from: 0, to: bytes.count)
    }

    /// `YYYY-MM-DD` or `d/M/yyyy` (one or two digits for day and month) in bytes[from..<to].
    static func parseDate(_ b: inout [UInt8], from: Int, to: Int) -> LocalDate? {
        func number(_ start: Int, _ end: Int) -> Int? {
            guard start < end else { return nil }
            var value = 0
            for i in start..<end {
                let d = Int(b[i]) - 48
                guard (0...9).contains(d) else { return nil }
                value = value * 10 + d
            }
            return value
        }
        let length = to - from
        var y: Int?, m: Int?, d: Int?
        if length == 10, b[from + 4] == 0x2D, b[from + 7] == 0x2D {
            y = number(from, from + 4); m = number(from + 5, from + 7); d = number(from + 8, from + 10)
        } else if (8...10).contains(length) {
            guard let slash1 = (from..<to).first(where: { b[$0] == 0x2F }),
                let slash2 = (slash1 + 1..<to).first(where: { b[$0] == 0x2F }), to - slash2 - 1 == 4,
                (1...2).contains(slash1 - from), (1...2).contains(slash2 - slash1 - 1)
            else { return nil }
            d = number(from, slash1); m = number(slash1 + 1, slash2); y = number(slash2 + 1, to)
        }
        guard let year = y, let month = m, let day = d, (1...12).contains(month), (1...LocalDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }

    func timestamp(_ text: String) -> Instant? {
        var b = Array(text.utf8)
        let n = b.count
        // The date ends at 'T' or the first space.
        var split = 0
        while split < n, b[split] != 0x54, b[split] != 0x20 { split += 1 }
        guard let day = Self.parseDate(&b, from: 0, to: split) else { return nil }
        var i = split
        while i < n, b[i] == 0x54 || b[i] == 0x20 { i += 1 }
        func digits(_ count: Int) -> Int? {
            guard i + count <= n else { return nil }
            var value = 0
            for k in i..<(i + count) {
                let d = Int(b[k]) - 48
                guard (0...9).contains(d) else { return nil }
                value = value * 10 + d
            }
            i += count
            return value
        }
        var hour = 0, minute = 0, second = 0
        var fraction = ""
        var offsetSeconds: Int?
        if i < n {
            // H or HH
            let oneDigitHour = i + 1 < n && b[i + 1] == 0x3A
            guard let h = digits(oneDigitHour ? 1 : 2), i < n, b[i] == 0x3A else { return nil }
            i += 1
            guard let m = digits(2), h <= 23, m <= 59 else { return nil }
            hour = h; minute = m
            if i < n, b[i] == 0x3A {
                i += 1
                guard let s = digits(2), s <= 60 else { return nil }
                second = s
                if i < n, b[i] == 0x2E {
                    let start = i
                    i += 1
                    while i < n, (0x30...0x39).contains(b[i]) { i += 1 }
                    guard i > start + 1 else { return nil }
                    fraction = String(decoding: b[start..<i], as: UTF8.self)
                }
            }
            while i < n, b[i] == 0x20 { i += 1 }
            if i < n {
                if b[i] == 0x5A, i + 1 == n {
                    offsetSeconds = 0
                    i += 1
                } else if b[i] == 0x2B || b[i] == 0x2D {
                    let negative = b[i] == 0x2D
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    var om = 0
                    if i < n, b[i] == 0x3A { i += 1 }
                    if i < n { guard let value = digits(2) else { return nil }; om = value }
                    guard oh <= 14, om < 60 else { return nil }
                    offsetSeconds = (oh * 3600 + om * 60) * (negative ? -1 : 1)
                } else {
                    return nil
                }
                guard i == n else { return nil }
            }
        }
        let localSeconds = Int64(day.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let offset = offsetSeconds ?? offsets.offset(for: day, hour: hour, in: timeZone)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        let offsetText = "\(sign)\(LocalDate.pad(magnitude / 3600, 2)):\(LocalDate.pad(magnitude % 3600 / 60, 2))"
        let text = "\(day.description) \(LocalDate.pad(hour, 2)):\(LocalDate.pad(minute, 2)):\(LocalDate.pad(second, 2))\(fraction)\(offsetText)"
        return Instant(text: text, epoch: localSeconds - Int64(offset))
    }
}

/// Offsets of a time zone by local day and hour; filled lazily (imports are single-threaded per file).
final class OffsetCache: @unchecked Sendable {
    private var byHour: [Int: Int] = [:]
    private let lock = NSLock()

    func offset(for day: LocalDate, hour: Int, in timeZone: TimeZone) -> Int {
        let key = day.dayNumber * 24 + hour
        lock.lock()
        defer { lock.unlock() }
        if let known = byHour[key] { return known }
        let localSeconds = Int64(key) * 3600
        // The offset at the instant this local hour falls on (first guess: the standard offset).
        let guess = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(localSeconds)))
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(localSeconds - Int64(guess))))
        byHour[key] = offset
        return offset
    }
}

import Foundation
import Logging

/// The log: `log_level` (trace, debug, info, notice, warning, error, critical; default info),
/// `log_format` (`text`: a timestamp in the configured time zone's offset, the level, the
/// message and its metadata, for a terminal; `journald`: one line per entry with a `<N>` syslog
/// priority and no timestamp of its own, which journald reads as the entry's priority
/// (`journalctl -p warning` then works); `json`: one JSON object per line; `logfmt`:
/// `ts=… level=… msg="…" key=value`; default: journald when started by systemd with its standard
/// error on the journal (`JOURNAL_STREAM` set), else text). Every format writes one line per
/// entry to standard error.
public struct LogConfiguration: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text, journald, json, logfmt
    }

    public var level: Logger.Level
    public var format: Format
    /// Whose offset the timestamps of `text`, `json` and `logfmt` carry.
    public var timeZone: TimeZone = PlanConfiguration.defaultTimeZone

    init(reader: SettingsScope, timeZone: TimeZone = PlanConfiguration.defaultTimeZone) {
        self.timeZone = timeZone
        level = reader.value("log_level", default: .info) { found throws(ConfigurationError) in
            guard let level = Logger.Level(rawValue: found.value.lowercased()) else {
                throw ConfigurationError(
                    setting: found.setting, problem: "unknown log level '\(found.value)' (trace, debug, info, notice, warning, error, critical)")
            }
            return level
        }
        let underSystemd = !(reader.environment["JOURNAL_STREAM"] ?? "").isEmpty
        format = reader.value("log_format", default: underSystemd ? .journald : .text) { found throws(ConfigurationError) in
            guard let format = Format(rawValue: found.value.lowercased()) else {
                throw ConfigurationError(
                    setting: found.setting,
                    problem: "unknown log format '\(found.value)' (\(Format.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return format
        }
    }

    /// A logger writing to standard error at this level, in this format.
    public func makeLogger(label: String = "chiso") -> Logger {
        let format = self.format, zone = timeZone
        var logger =
            switch format {
            case .journald: Logger(label: label) { JournaldLogHandler(label: $0) }
            case .text, .json, .logfmt: Logger(label: label) { LineLogHandler(label: $0, format: format, timeZone: zone) }
            }
        logger.logLevel = level
        return logger
    }
}

/// `text`, `json` and `logfmt` lines on standard error, stamped in the configured zone's offset.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let format: LogConfiguration.Format
    let timeZone: TimeZone

    public init(label: String, format: LogConfiguration.Format, timeZone: TimeZone) {
        self.label = label
        self.format = format
        self.timeZone = timeZone
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// `2026-06-15T10:00:00.123+07:00`.
    static func timestamp(_ instant: Date, in zone: TimeZone) -> String {
        instant.formatted(
            Date.ISO8601FormatStyle(timeZone: zone).year().month().day().time(includingFractionalSeconds: true).timeZone(
                separator: .colon))
    }

    public static func line(
        format: LogConfiguration.Format, at instant: Date, timeZone: TimeZone, level: Logger.Level, label: String, message: Logger.Message,
        metadata: Logger.Metadata
    ) -> String {
        let stamp = timestamp(instant, in: timeZone)
        let fields = metadata.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        let text = "\(message)"
        switch format {
        case .json:
            var object: [String: String] = ["ts": stamp, "level": level.rawValue, "logger": label, "msg": text]
            for (key, value) in fields where object[key] == nil { object[key] = value }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        case .logfmt:
            let pairs = [("ts", stamp), ("level", level.rawValue), ("logger", label), ("msg", text)] + fields
            return pairs.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ") + "\n"
        case .text, .journald:
            let oneLine = text.replacingOccurrences(of: "\n", with: " ")
            return "\(stamp) \(level.rawValue) \(label): \(oneLine)\(fields.map { " \($0.0)=\($0.1)" }.joined())\n"
        }
    }

    /// A logfmt value: bare when it has no space, quote, equals sign or control character.
    static func logfmtValue(_ value: String) -> String {
        let plain = !value.isEmpty && !value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline || $0 == "\\" }
        if plain { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let text = Self.line(
            format: format, at: Date(), timeZone: timeZone, level: event.level, label: label, message: event.message, metadata: merged)
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Lines for systemd's journal: `<3>chiso: refresh failed …` on standard error. journald takes the
/// `<N>` prefix as the priority (SyslogLevelPrefix=yes, its default) and stamps the time itself.
public struct JournaldLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// syslog(3) priorities: the journal's `-p` filter.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public static func line(level: Logger.Level, label: String, message: Logger.Message, metadata: Logger.Metadata) -> String {
        let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        // One entry is one line: a line break inside a message would start a new entry.
        let text = "\(message)".replacingOccurrences(of: "\n", with: " ")
        return "<\(priority(level))>\(label): \(text)\(fields.isEmpty ? "" : " " + fields)\n"
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        FileHandle.standardError.write(Data(Self.line(level: event.level, label: label, message: event.message, metadata: merged).utf8))
    }
}

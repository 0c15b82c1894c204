import Foundation
import Logging

/// The log: `log_level` (trace, debug, info, notice, warning, error, critical; default info),
/// `log_format` (`text`: swift-log's lines with a timestamp, for a terminal; `journald`: one line
/// per entry with a `<N>` syslog priority and no timestamp of its own, which journald reads as
/// the entry's priority (`journalctl -p warning` then works); default text).
public struct LogConfiguration: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text, journald
    }

    public var level: Logger.Level
    public var format: Format

    init(reader: SettingsScope) {
        level = reader.value("log_level", default: .info) { found throws(ConfigurationError) in
            guard let level = Logger.Level(rawValue: found.value.lowercased()) else {
                throw ConfigurationError(
                    setting: found.setting, problem: "unknown log level '\(found.value)' (trace, debug, info, notice, warning, error, critical)")
            }
            return level
        }
        format = reader.value("log_format", default: .text) { found throws(ConfigurationError) in
            guard let format = Format(rawValue: found.value.lowercased()) else {
                throw ConfigurationError(setting: found.setting, problem: "unknown log format '\(found.value)' (text, journald)")
            }
            return format
        }
    }

    /// A logger writing to standard error at this level, in this format.
    public func makeLogger(label: String = "chiso") -> Logger {
        var logger =
            switch format {
            case .text: Logger(label: label) { StreamLogHandler.standardError(label: $0) }
            case .journald: Logger(label: label) { JournaldLogHandler(label: $0) }
            }
        logger.logLevel = level
        return logger
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

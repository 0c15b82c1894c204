import ChisoAlerts
import ChisoCore
import Foundation

/// The overdue alerts: when, to whom, through what. Keys under `alerts` (variables
/// `CHISO_ALERT_*`, or `CHISO_ALERTS_*`): `enabled` (default true), `command` (the
/// sendmail-compatible command, split once into argv, no shell; default `/usr/sbin/sendmail -t -i`),
/// `from`, `time` (HH:MM local; default 07:30), `working_days` (default mon–fri), `holidays`
/// (YYYY-MM-DD list), `warn_days` (default 3), `escalate_after_days` (default 7), `timeout`
/// (seconds per mail command or webhook call; default 30), `max_attempts` (default 5),
/// `retry_after` (seconds before the first retry, doubling; default 60), `webhook_url`,
/// `webhook_secret`, `page_url` (the status page's public address, linked from digests).
public struct AlertSettings: Sendable {
    /// Whether the daemon decides and sends digests on its schedule.
    public var enabled: Bool
    /// The mail command's argv, split once at configuration time (no shell).
    public var command: [String]
    public var from: MailComposer.Sender
    public var policy: AlertPolicy
    /// Bound on one run of the mail command (and one webhook call).
    public var timeout: Duration
    /// Attempts per digest before it is marked failed.
    public var maxAttempts: Int
    /// The first retry comes after this long; each next one after twice as long.
    public var retryAfter: Duration
    public var webhookURL: String?
    public var webhookSecret: String?
    /// The status page's public address; digests link each unit to its page there.
    public var pageURL: String?

    public static let defaultCommand = ["/usr/sbin/sendmail", "-t", "-i"]
    static let defaultSender = MailComposer.Sender("chiso <chiso@localhost.localdomain>")!

    /// Exponential backoff: retryAfter, 2×, 4×, … after the 1st, 2nd, 3rd failed attempt.
    public func retryDelay(afterAttempts attempts: Int) -> Duration {
        retryAfter * (1 << min(max(attempts - 1, 0), 16))
    }

    init(reader: SettingsScope) {
        enabled = reader.flag("enabled", default: true)
        command = reader.value("command", default: Self.defaultCommand) { found throws(ConfigurationError) in
            do {
                return try CommandWords.split(found.value)
            } catch {
                throw ConfigurationError(setting: found.setting, problem: "'\(found.value)' \(error)")
            }
        }
        from = reader.value("from", default: Self.defaultSender) { found throws(ConfigurationError) in
            guard let sender = MailComposer.Sender(found.value) else {
                throw ConfigurationError(
                    setting: found.setting, problem: "'\(found.value)' is not a mail address (name@domain or Name <name@domain>)")
            }
            return sender
        }
        policy = AlertPolicy(
            sendAtMinute: Self.sendAt(reader), workingDays: Self.workingDays(reader), holidays: Self.holidays(reader),
            warnDays: reader.wholeNumber("warn_days", default: 3, in: 0...60),
            escalateAfterDays: reader.wholeNumber("escalate_after_days", default: 7, in: 1...365))
        timeout = reader.seconds("timeout", default: 30, minimum: 1)
        maxAttempts = reader.wholeNumber("max_attempts", default: 5, in: 1...50)
        retryAfter = reader.seconds("retry_after", default: 60, minimum: 1)
        webhookURL = reader.httpURL("webhook_url")
        webhookSecret = reader.find("webhook_secret").flatMap { $0.value.isEmpty ? nil : $0.value }
        pageURL = reader.httpURL("page_url")
    }

    /// `time`: minutes after local midnight.
    static func sendAt(_ reader: SettingsScope) -> Int {
        reader.value("time", default: 450) { found throws(ConfigurationError) in
            let parts = found.value.split(separator: ":")
            guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute) else {
                throw ConfigurationError(setting: found.setting, problem: "'\(found.value)' is not a local time HH:MM")
            }
            return hour * 60 + minute
        }
    }

    static func workingDays(_ reader: SettingsScope) -> Set<Int> {
        let dayNames = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]
        return reader.value("working_days", default: [1, 2, 3, 4, 5]) { found throws(ConfigurationError) in
            var days: Set<Int> = []
            for name in found.value.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let day = dayNames[String(name.prefix(3))], name.count >= 3 else {
                    throw ConfigurationError(setting: found.setting, problem: "'\(name)' is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
                }
                days.insert(day)
            }
            return days
        }
    }

    static func holidays(_ reader: SettingsScope) -> Set<LocalDate> {
        reader.value("holidays", default: []) { found throws(ConfigurationError) in
            var days: Set<LocalDate> = []
            for item in found.value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                guard let day = LocalDate(iso: item) else {
                    throw ConfigurationError(setting: found.setting, problem: "'\(item)' is not a YYYY-MM-DD date")
                }
                days.insert(day)
            }
            return days
        }
    }
}

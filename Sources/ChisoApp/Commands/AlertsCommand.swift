import ArgumentParser
import ChisoAlerts
import ChisoCore
import ChisoImport
import ChisoPresentation
import ChisoStorage
import ChisoWeb
import Foundation
import Hummingbird
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `chiso alerts --once [--dry-run] [--as-of T]`: what the daemon's alert service does at T, once.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Decide and send today's overdue digests once (what the daemon does on its schedule).")
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    /// interface.md's common options: accepted and checked by every command, listed in `--help` where used.
    @OptionGroup(visibility: .hidden) var daemon: DaemonOptions
    @Flag(help: "Run one pass and exit (required: the daemon runs the schedule).") var once = false
    @Flag(name: .customLong("dry-run"), help: "Print the digests that would be sent; record and send nothing.") var dryRun = false

    func run() async throws {
        guard once else { fail("alerts: pass --once (the daemon, chiso serve, sends alerts on its schedule)") }
        let settings = await resolveSettings(configFile, database, plan, daemon)
        let logger = settings.log.makeLogger()
        let instant = settings.clock.evaluationInstant()
        let metrics = OperationalMetrics().alerts
        let dryRun = self.dryRun
        let report = try await withDatabase(settings, logger: logger) { client in
            let service = makeAlertService(settings, client: client, store: nil, metrics: metrics, logger: logger)
            return await service.pass(at: instant, dryRun: dryRun)
        }
        let calendar = settings.calendar
        if !settings.alerts.policy.digestsAreDue(at: instant, calendar: calendar) {
            let minute = settings.alerts.policy.sendAtMinute
            print("no digests at \(calendar.rfc3339(instant)): not a working day or before \(String(format: "%02d:%02d", minute / 60, minute % 60))")
        }
        for entry in report.decided {
            if dryRun {
                print(AlertsCommand.readable(entry))
            } else {
                let recipients = entry.mail.to.isEmpty ? "(undeliverable: no address)" : (entry.mail.to + entry.mail.cc).joined(separator: ", ")
                print("decided: \(entry.unitID) → \(recipients): \(entry.mail.subject)")
            }
        }
        for unit in report.delivered { print("delivered: \(unit)") }
        for unit in report.failed { print("not delivered (will retry or has failed): \(unit)") }
        if report.decided.isEmpty && report.delivered.isEmpty && report.failed.isEmpty { print("nothing to send") }
        if !report.failed.isEmpty { throw ExitCode(2) }
    }

    /// The headers and the plain-text part of a digest, decoded, for `--dry-run`.
    static func readable(_ entry: OutboxEntry) -> String {
        let message = entry.mail.message
        let headers = message.components(separatedBy: "\r\n\r\n").first ?? ""
        var text = ""
        if let start = message.range(of: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n") {
            let rest = message[start.upperBound...]
            let encoded = rest.prefix { $0 != "-" }.replacingOccurrences(of: "\r\n", with: "")
            text = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        let header = "=== \(entry.unitID) (\(entry.status.rawValue))\n\(headers.replacingOccurrences(of: "\r\n", with: "\n"))"
        return "\(header)\nSubject (decoded): \(entry.mail.subject)\n\n\(text)"
    }
}

import ChisoAlerts
import ChisoCore
import ChisoWeb
import Foundation
import Logging
import ServiceLifecycle

/// The overdue alerts, as a service: every `checkEvery`, if today's digests are due (a working
/// day, past the sending time) it decides them — recorded in the outbox in the same transaction —
/// then delivers whatever is due (new digests, retries, digests a crashed process left behind).
/// A pass catches its own errors; `run()` ends only at shutdown. `chiso alerts --once` runs one pass.
public struct AlertService<C: Clock>: Service where C.Duration == Duration {
    public struct Report: Sendable, Equatable {
        public var decided: [OutboxEntry] = []
        public var delivered: [String] = []
        public var failed: [String] = []
    }

    public let outbox: any AlertOutbox
    public let composer: MailComposer
    public let mail: any MailHook
    public let webhook: (any MailHook)?
    public let settings: AlertSettings
    public let calendar: PlanCalendar
    public let store: SnapshotStore?
    public let metrics: RefreshMetrics
    public let checkEvery: Duration
    /// Fixed T (`--as-of`), or nil for the current time at each pass.
    public let asOf: Date?
    public let clock: C
    public let logger: Logger
    public let now: @Sendable () -> Date

    public init(
        outbox: any AlertOutbox, composer: MailComposer, mail: any MailHook, webhook: (any MailHook)?, settings: AlertSettings,
        calendar: PlanCalendar, store: SnapshotStore?, metrics: RefreshMetrics, checkEvery: Duration = .seconds(30),
        asOf: Date? = nil, clock: C, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.outbox = outbox
        self.composer = composer
        self.mail = mail
        self.webhook = webhook
        self.settings = settings
        self.calendar = calendar
        self.store = store
        self.metrics = metrics
        self.checkEvery = checkEvery
        self.asOf = asOf
        self.clock = clock
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await self.pass(at: self.asOf ?? self.now())
                do { try await clock.sleep(for: checkEvery) } catch { return }
            }
        }
    }

    /// Decides (when due) and delivers. `dryRun`: decides without recording and delivers nothing.
    @discardableResult
    public func pass(at instant: Date, dryRun: Bool = false, force: Bool = false) async -> Report {
        var report = Report()
        if force || settings.policy.digestsAreDue(at: instant, calendar: calendar) {
            do {
                let composer = self.composer
                report.decided = try await withDeadline(settings.timeout * 2, clock: clock) {
                    try await outbox.decide(
                        now: instant, policy: settings.policy, calendar: calendar, webhook: webhook != nil, record: !dryRun,
                        compose: { composer.compose($0) })
                }
                for entry in report.decided where entry.status == .undeliverable {
                    logger.warning("alert for \(entry.unitID) is undeliverable: \(entry.lastError ?? "no address")")
                }
                if !report.decided.isEmpty {
                    logger.info("alerts decided", metadata: ["digests": "\(report.decided.count)", "day": "\(calendar.localDate(of: instant))"])
                }
            } catch {
                databaseFailed("deciding today's digests", error)
            }
        }
        guard !dryRun else { return report }
        await deliver(at: instant, into: &report)
        do {
            let summary = try await withDeadline(settings.timeout, clock: clock) { try await outbox.summary(now: instant, calendar: calendar) }
            metrics.alertOutbox(pending: summary.pending, undeliverable: summary.undeliverable)
            store?.recordAlerts(summary)
            if outageLogged.exchange(false) { logger.notice("alerts: the outbox is reachable again") }
        } catch {
            databaseFailed("reading the outbox summary", error)
        }
        return report
    }

    /// The database is away: said once per outage (the refresher says it too), then only at debug level.
    func databaseFailed(_ what: String, _ error: any Error) {
        let message: Logger.Message = "alerts: \(what) failed: \(RefreshFailure.describe(error))"
        if outageLogged.exchange(true) == false { logger.error(message) } else { logger.debug(message) }
    }

    private let outageLogged = OutageFlag()

    func deliver(at instant: Date, into report: inout Report) async {
        let due: [OutboxEntry]
        do {
            // A claim outlives one full attempt (mail and webhook); after that another process may retake it.
            let claim = settings.timeout * 2 + .seconds(30)
            due = try await withDeadline(settings.timeout, clock: clock) { try await outbox.claimDue(now: instant, claimFor: claim, limit: 50) }
        } catch {
            databaseFailed("reading the outbox", error)
            return
        }
        for entry in due {
            var failure: String?
            if !entry.mailSent && !entry.mail.to.isEmpty {
                do {
                    try await mail.send(entry.mail)
                    metrics.alertSent(kind: "mail")
                    // Not recorded: a retry would send it again (same Message-ID); say so.
                    do { try await outbox.markMailSent(entry.id, at: instant) } catch { databaseFailed("recording a sent mail", error) }
                } catch {
                    metrics.alertFailed(kind: "mail")
                    failure = "\(error)"
                }
            }
            if failure == nil, entry.webhookPending, let webhook {
                do {
                    try await webhook.send(entry.mail)
                    metrics.alertSent(kind: "webhook")
                    do { try await outbox.markWebhookSent(entry.id) } catch { databaseFailed("recording a sent webhook", error) }
                } catch {
                    metrics.alertFailed(kind: "webhook")
                    failure = "\(error)"
                }
            }
            do {
                if let failure {
                    let attempts = entry.attempts + 1
                    let retryAt = attempts >= settings.maxAttempts ? nil : instant.addingTimeInterval(settings.retryDelay(afterAttempts: attempts).seconds)
                    try await outbox.markFailed(entry.id, error: failure, retryAt: retryAt)
                    report.failed.append(entry.unitID)
                    if let retryAt {
                        logger.warning("alert for \(entry.unitID) not delivered (attempt \(attempts) of \(settings.maxAttempts)); retry at \(calendar.rfc3339(retryAt)): \(failure)")
                    } else {
                        logger.error("alert for \(entry.unitID) failed for good after \(attempts) attempts: \(failure)")
                    }
                } else {
                    try await outbox.markSent(entry.id, at: instant)
                    report.delivered.append(entry.unitID)
                    logger.info("alert delivered", metadata: ["unit": "\(entry.unitID)", "message_id": "\(entry.mail.messageID)"])
                }
            } catch {
                logger.error("alerts: recording the delivery of \(entry.unitID) failed: \(RefreshFailure.describe(error))")
            }
        }
    }
}

import ChisoAlerts
import ChisoCore
import ChisoStorage
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
    public let mail: any DeliveryHook
    public let webhook: (any DeliveryHook)?
    public let settings: AlertSettings
    public let calendar: PlanCalendar
    public let store: SnapshotStore?
    public let metrics: AlertMetrics
    public let checkEvery: Duration
    /// T (fixed `--as-of`, or now at each pass).
    public let time: EvaluationClock
    /// What the service sleeps on between passes and bounds its database calls with.
    public let clock: C
    public let logger: Logger
    /// With replicas: only the leader decides (nil: a single instance, it always does); every
    /// instance delivers what is due, a few digests at a time.
    public let leadership: Leadership?

    public init(
        outbox: any AlertOutbox, composer: MailComposer, mail: any DeliveryHook, webhook: (any DeliveryHook)?, settings: AlertSettings,
        calendar: PlanCalendar, store: SnapshotStore?, metrics: AlertMetrics, checkEvery: Duration = .seconds(30),
        time: EvaluationClock, clock: C, logger: Logger, leadership: Leadership? = nil
    ) {
        self.leadership = leadership
        self.outbox = outbox
        self.composer = composer
        self.mail = mail
        self.webhook = webhook
        self.settings = settings
        self.calendar = calendar
        self.store = store
        self.metrics = metrics
        self.checkEvery = checkEvery
        self.time = time
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Whether this instance leads (and so decides) is known within moments of the start.
            await self.leadership?.waitForFirstDecision(upTo: .seconds(2))
            while !Task.isCancelled {
                _ = await self.pass(at: self.time.evaluationInstant())
                do { try await clock.sleep(for: checkEvery) } catch { return }
            }
        }
    }

    /// Decides (when due) and delivers. `dryRun`: decides without recording and delivers nothing.
    @discardableResult
    public func pass(at instant: Date, dryRun: Bool = false, force: Bool = false) async -> Report {
        var report = Report()
        let leads = leadership?.isLeader ?? true
        if force || (leads && settings.policy.digestsAreDue(at: instant, calendar: calendar)) {
            do {
                report.decided = try await withDeadline(settings.timeout * 2, clock: clock, operation: "deciding the digests") {
                    try await decide(at: instant, record: !dryRun)
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
            let summary = try await withDeadline(settings.timeout, clock: clock, operation: "reading the outbox summary") {
                try await outbox.summary(now: instant, calendar: calendar)
            }
            metrics.outbox(pending: summary.pending, undeliverable: summary.undeliverable)
            store?.recordAlerts(summary)
            if outageLogged.exchange(false) { logger.notice("alerts: the outbox is reachable again") }
        } catch {
            databaseFailed("reading the outbox summary", error)
        }
        return report
    }

    /// Reads, decides (the pure planner, in storage's transaction) and records today's digests.
    public func decide(at instant: Date, record: Bool) async throws -> [OutboxEntry] {
        let composer = self.composer, policy = settings.policy, calendar = self.calendar, webhook = self.webhook != nil
        return try await outbox.decide(AlertReadWindow(asOf: instant, policy: policy, calendar: calendar), record: record) { inputs, previous in
            AlertDecider.entries(
                inputs, previous: previous, policy: policy, now: instant, calendar: calendar, webhook: webhook,
                compose: composer.compose)
        }
    }

    /// The database is away: said once per outage (the refresher says it too), then only at debug level.
    func databaseFailed(_ what: String, _ error: any Error) {
        let message: Logger.Message = "alerts: \(what) failed: \(DatabaseFailure.describe(error))"
        if outageLogged.exchange(true) == false { logger.error(message) } else { logger.debug(message) }
    }

    private let outageLogged = PassFlag()

    /// How many due digests one claim takes: a few, so that replicas share the work (each claims
    /// the next few when done) and a process killed mid-delivery strands few.
    static var claimBatch: Int { 5 }

    func deliver(at instant: Date, into report: inout Report) async {
        // A claim outlives one full attempt (mail and webhook); after that another process may retake it.
        let claim = settings.timeout * 2 + .seconds(30)
        var seen: Set<Int64> = []
        while !Task.isCancelled {
            let due: [OutboxEntry]
            do {
                due = try await withDeadline(settings.timeout, clock: clock, operation: "claiming due digests") {
                    try await outbox.claimDue(now: instant, claimFor: claim, limit: Self.claimBatch)
                }
            } catch {
                databaseFailed("reading the outbox", error)
                return
            }
            // A retry scheduled for now comes back at once: one attempt per digest and pass.
            let fresh = due.filter { seen.insert($0.id).inserted }
            if fresh.isEmpty { return }
            await deliver(fresh, at: instant, into: &report)
        }
    }

    func deliver(_ due: [OutboxEntry], at instant: Date, into report: inout Report) async {
        for entry in due {
            var failure: String?
            if !entry.mailSent && !entry.mail.to.isEmpty {
                do {
                    try await mail.send(entry.mail)
                    metrics.delivered(kind: "mail")
                    // Not recorded: a retry would send it again (same Message-ID); say so.
                    do { try await outbox.markMailSent(entry.id, at: instant) } catch { databaseFailed("recording a sent mail", error) }
                } catch {
                    metrics.failedAttempt(kind: "mail")
                    failure = "\(error)"
                }
            }
            if failure == nil, entry.webhookPending, let webhook {
                do {
                    try await webhook.send(entry.mail)
                    metrics.delivered(kind: "webhook")
                    do { try await outbox.markWebhookSent(entry.id) } catch { databaseFailed("recording a sent webhook", error) }
                } catch {
                    metrics.failedAttempt(kind: "webhook")
                    failure = "\(error)"
                }
            }
            do {
                if let failure {
                    let attempts = entry.attempts + 1
                    let retryAt =
                        attempts >= settings.maxAttempts ? nil : instant.addingTimeInterval(settings.retryDelay(afterAttempts: attempts).seconds)
                    try await outbox.markFailed(entry.id, error: failure, retryAt: retryAt)
                    report.failed.append(entry.unitID)
                    if let retryAt {
                        let attempt = "attempt \(attempts) of \(settings.maxAttempts)"
                        logger.warning("alert for \(entry.unitID) not delivered (\(attempt)); retry at \(calendar.rfc3339(retryAt)): \(failure)")
                    } else {
                        logger.error("alert for \(entry.unitID) failed for good after \(attempts) attempts: \(failure)")
                    }
                } else {
                    try await outbox.markSent(entry.id, at: instant)
                    report.delivered.append(entry.unitID)
                    logger.info("alert delivered", metadata: ["unit": "\(entry.unitID)", "message_id": "\(entry.mail.messageID)"])
                }
            } catch {
                logger.error("alerts: recording the delivery of \(entry.unitID) failed: \(DatabaseFailure.describe(error))")
            }
        }
    }
}

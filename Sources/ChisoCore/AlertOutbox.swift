import Foundation

/// A digest made into a message (by the alerts shell), ready to record in the outbox.
public struct ComposedMail: Sendable, Equatable {
    public var messageID: String
    public var subject: String
    public var to: [String]
    public var cc: [String]
    /// The whole RFC 5322 message, CRLF line ends.
    public var message: String
    /// The same digest as JSON, for the webhook.
    public var payload: String

    public init(messageID: String, subject: String, to: [String], cc: [String], message: String, payload: String) {
        self.messageID = messageID
        self.subject = subject
        self.to = to
        self.cc = cc
        self.message = message
        self.payload = payload
    }
}

/// Where a digest stands in the outbox.
public enum OutboxStatus: String, Sendable, Codable {
    /// Decided, not yet delivered (or waiting for a retry).
    case pending
    /// Claimed by a delivering process.
    case sending
    case sent
    /// Gave up after the last attempt.
    case failed
    /// No address on the unit or any ancestor: nothing to send to.
    case undeliverable
}

/// One row of the outbox.
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var unitID: String
    public var localDay: LocalDate
    public var mail: ComposedMail
    public var status: OutboxStatus
    public var attempts: Int
    /// Whether the mail part is done (a retry then only redoes the webhook).
    public var mailSent: Bool
    /// Whether a webhook delivery is still owed.
    public var webhookPending: Bool
    public var escalatedTaskIDs: [String]
    /// The tasks the digest lists (overdue, then due soon), recorded with it.
    public var taskIDs: [String]
    public var lastError: String?

    public init(
        id: Int64, unitID: String, localDay: LocalDate, mail: ComposedMail, status: OutboxStatus, attempts: Int = 0,
        mailSent: Bool = false, webhookPending: Bool = false, escalatedTaskIDs: [String] = [], taskIDs: [String] = [],
        lastError: String? = nil
    ) {
        self.taskIDs = taskIDs
        self.id = id
        self.unitID = unitID
        self.localDay = localDay
        self.mail = mail
        self.status = status
        self.attempts = attempts
        self.mailSent = mailSent
        self.webhookPending = webhookPending
        self.escalatedTaskIDs = escalatedTaskIDs
        self.lastError = lastError
    }
}

/// A digest that did not reach anyone: listed on the page, counted in the metrics.
public struct AlertProblem: Sendable, Equatable {
    public var unitID: String
    public var localDay: LocalDate
    public var status: OutboxStatus
    public var reason: String

    public init(unitID: String, localDay: LocalDate, status: OutboxStatus, reason: String) {
        self.unitID = unitID
        self.localDay = localDay
        self.status = status
        self.reason = reason
    }
}

/// The outbox's counts, for metrics and the page.
public struct AlertSummary: Sendable, Equatable {
    /// Digests decided and not yet delivered (waiting or being retried).
    public var pending: Int
    /// Units whose latest digest could not be addressed.
    public var undeliverable: Int
    /// Recent digests that failed for good or could not be addressed (last 7 days), newest first.
    public var problems: [AlertProblem]

    public init(pending: Int = 0, undeliverable: Int = 0, problems: [AlertProblem] = []) {
        self.pending = pending
        self.undeliverable = undeliverable
        self.problems = problems
    }
}

/// The alert outbox: PostgreSQL in production (`chiso_alert_outbox`), memory in tests.
public protocol AlertOutbox: Sendable {
    /// In one transaction, under the deciders' lock: reads the inputs within `window` and each
    /// unit's previous digest, hands them to `decide` (pure: `AlertDecider.entries`), and records
    /// what it returns (an entry whose unit is already recorded for the day is skipped, so two
    /// deciders record one digest). Returns what was recorded now; with `record: false`, what
    /// `decide` returned, and nothing is written.
    func decide(
        _ window: AlertReadWindow, record: Bool,
        _ decide: @escaping @Sendable (AlertInputs, [String: PreviousDigest]) -> [OutboxEntry]
    ) async throws -> [OutboxEntry]
    /// Claims entries due for delivery (pending, or claimed by a process that did not finish in time).
    func claimDue(now: Date, claimFor: Duration, limit: Int) async throws -> [OutboxEntry]
    func markMailSent(_ id: Int64, at: Date) async throws
    func markWebhookSent(_ id: Int64) async throws
    /// Closes a delivered entry.
    func markSent(_ id: Int64, at: Date) async throws
    /// Records a failed attempt: retried at `retryAt`, or failed for good when nil.
    func markFailed(_ id: Int64, error: String, retryAt: Date?) async throws
    func summary(now: Date, calendar: PlanCalendar) async throws -> AlertSummary
}

/// The bounds within which the alert decision reads its inputs, as of T.
public struct AlertReadWindow: Sendable, Equatable {
    public var asOf: Date
    /// Open tasks due up to this day (today + warn days) are read, overdue ones included.
    public var dueThrough: LocalDate
    /// Late dossiers are those active in the year that starts here (as the year's indicators count them).
    public var yearStart: Date
    /// Tasks completed after this instant are read: the planner keeps those after each unit's
    /// previous digest, and 40 days covers the longest gap between two digests that can matter.
    public var completedSince: Date

    public init(asOf: Date, policy: AlertPolicy, calendar: PlanCalendar) {
        let today = calendar.localDate(of: asOf)
        self.asOf = asOf
        dueThrough = today.adding(days: max(policy.warnDays, 0))
        yearStart = calendar.startOfDay(LocalDate(year: today.year, month: 1, day: 1))
        completedSince = asOf.addingTimeInterval(-40 * 86_400)
    }
}

/// Turns the planner's digests into outbox entries. Pure: storage calls it inside its transaction.
public enum AlertDecider {
    public static let undeliverableReason = "no valid alert_email on the unit or any unit above it"

    public static func entries(
        _ inputs: AlertInputs, previous: [String: PreviousDigest], policy: AlertPolicy, now: Date, calendar: PlanCalendar,
        webhook: Bool, compose: (Digest) -> ComposedMail
    ) -> [OutboxEntry] {
        AlertPlanner.plan(inputs, previous: previous, policy: policy, now: now, calendar: calendar).map { digest in
            OutboxEntry(
                id: 0, unitID: digest.unit.id, localDay: digest.localDay, mail: compose(digest),
                status: digest.isDeliverable ? .pending : .undeliverable,
                webhookPending: webhook && digest.isDeliverable, escalatedTaskIDs: digest.escalatedTaskIDs,
                taskIDs: (digest.overdue + digest.dueSoon).map(\.task.id),
                lastError: digest.isDeliverable ? nil : undeliverableReason)
        }
    }
}

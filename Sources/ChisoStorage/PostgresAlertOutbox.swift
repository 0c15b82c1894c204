import ChisoCore
import Foundation
import Logging
import PostgresNIO

/// The alert outbox in `chiso_alert_outbox`. Deciding reads the inputs, lets the pure decider
/// plan them, and records the digests in one transaction under an advisory lock, so that two processes (replicas, or the
/// daemon and `chiso alerts --once`) record one digest per unit and day; the unique key
/// (unit_id, local_day, kind) holds even without the lock.
public struct PostgresAlertOutbox: AlertOutbox {
    public let client: any ConnectionSource
    public let schema: SchemaName
    public let statementTimeout: Duration
    public let logger: Logger
    /// With replicas: the lease this instance's writes must hold (nil from the provider: not the
    /// leader, nothing is written). No provider: a single instance, no check.
    public let fence: (@Sendable () -> LeaseFence?)?

    public init(
        client: any ConnectionSource, schema: SchemaName, statementTimeout: Duration = .seconds(60), logger: Logger,
        fence: (@Sendable () -> LeaseFence?)? = nil
    ) {
        self.fence = fence
        self.client = client
        self.schema = schema
        self.statementTimeout = statementTimeout
        self.logger = logger
    }

    public func decide(
        _ window: AlertReadWindow, record: Bool,
        _ decide: @escaping @Sendable (AlertInputs, [String: PreviousDigest]) -> [OutboxEntry]
    ) async throws -> [OutboxEntry] {
        let lockKey = "chiso-alerts:\(schema.rawValue)"
        let fence = record ? try currentFence() : nil
        return try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)
            let inputs = try await inputs(connection, window)
            let previous = try await previousDigests(connection)
            let entries = decide(inputs, previous)
            guard record else { return entries }
            // Only the leader records digests (a paused one that lost the lease is refused here).
            if let fence { try await PostgresLeaderLease.assertHeld(fence, on: connection, logger: logger) }
            var recorded: [OutboxEntry] = []
            for entry in entries {
                if let id = try await insert(entry, decidedAt: window.asOf, connection) {
                    var stored = entry
                    stored.id = id
                    recorded.append(stored)
                }  // else another decider was first
            }
            return recorded
        }
    }

    /// Everything the planner reads, as plain structs: the same queries as the refresh for units,
    /// open tasks and overdue dossiers (`InputQueries`), plus what only a digest needs.
    func inputs(_ connection: PostgresConnection, _ window: AlertReadWindow) async throws -> AlertInputs {
        let now = window.asOf
        var inputs = AlertInputs(units: try await InputQueries.units(connection, logger: logger))
        inputs.openTasks = try await InputQueries.openTasks(connection, asOf: now, dueThrough: window.dueThrough, logger: logger)
        inputs.overdueDossiers = try await InputQueries.overdueDossiers(connection, asOf: now, logger: logger)
        inputs.completedTasks = try await completedTasks(connection, window)
        try await lateDossiers(connection, window, into: &inputs)
        return inputs
    }

    func completedTasks(_ connection: PostgresConnection, _ window: AlertReadWindow) async throws -> [CompletedTask] {
        let done = try await connection.query(
            """
            SELECT id, plan_ref, title, lead_unit_id, done_at
            FROM tasks
            WHERE status = 'done' AND done_at > \(window.completedSince) AND done_at <= \(window.asOf)
            ORDER BY done_at, id
            """, logger: logger)
        var out: [CompletedTask] = []
        for try await (id, planRef, title, lead, doneAt) in done.decode((String, String?, String, String, Date).self) {
            out.append(CompletedTask(id: id, planRef: planRef, title: title, leadUnitID: lead, doneAt: doneAt))
        }
        return out
    }

    /// The late dossiers as of T that a digest names: active in the year and late as
    /// `dossiers_on_time` counts them; unapologised ones counted as `late_dossiers_apologised`
    /// does (its denominator less its numerator, for the year); the first of each kind named per
    /// unit, most overdue first.
    func lateDossiers(_ connection: PostgresConnection, _ window: AlertReadWindow, into inputs: inout AlertInputs) async throws {
        let now = window.asOf, yearStart = window.yearStart
        try await connection.query(
            """
            CREATE TEMP TABLE late_dossiers ON COMMIT DROP AS
            SELECT * FROM (
                SELECT d.unit_id, d.code, p.name AS procedure, d.received_at, d.due_at,
                       (d.status = 'finished' AND d.finished_at <= \(now)) AS done,
                       (d.apologised_at IS NULL OR d.apologised_at > \(now)) AS unapologised
                FROM dossiers d JOIN procedures p ON p.code = d.procedure_code
                WHERE d.status IN ('processing', 'finished') AND d.received_at <= \(now) AND d.due_at IS NOT NULL
                  AND CASE WHEN d.status = 'finished' AND d.finished_at <= \(now) THEN d.finished_at > d.due_at
                           ELSE d.due_at < \(now) END
                  AND (d.received_at >= \(yearStart) OR d.status = 'processing' OR d.finished_at >= \(yearStart)
                       OR NOT (d.status = 'finished' AND d.finished_at <= \(now)))
            ) late
            """, logger: logger)
        let counts = try await connection.query(
            """
            SELECT unit_id, count(*) FROM late_dossiers WHERE unapologised GROUP BY unit_id
            """, logger: logger)
        for try await (unit, unapologised) in counts.decode((String, Int).self) { inputs.lateWithoutApology[unit] = unapologised }

        let limit = AlertInputs.dossierLinesPerDigest
        let named = try await connection.query(
            """
            SELECT kind, unit_id, code, procedure, received_at, due_at FROM (
                SELECT kind, unit_id, code, procedure, received_at, due_at,
                       row_number() OVER (PARTITION BY kind, unit_id ORDER BY due_at, code) AS rank
                FROM (
                    SELECT CASE WHEN NOT done AND due_at < \(now) THEN 'overdue' END AS kind, * FROM late_dossiers
                    UNION ALL
                    SELECT CASE WHEN unapologised THEN 'unapologised' END, * FROM late_dossiers
                ) k
                WHERE kind IS NOT NULL
            ) ranked
            WHERE rank <= \(limit)
            ORDER BY kind, unit_id, rank
            """, logger: logger)
        for try await (kind, unit, code, procedure, received, due) in named.decode((String, String, String, String, Date, Date?).self) {
            let line = DossierLine(code: code, procedure: procedure, receivedAt: received, dueAt: due)
            if kind == "overdue" {
                inputs.overdueDossierLines[unit, default: []].append(line)
            } else {
                inputs.unapologisedDossierLines[unit, default: []].append(line)
            }
        }
    }

    /// Each unit's latest digest, to thread the next one and to skip a unit already decided today.
    func previousDigests(_ connection: PostgresConnection) async throws -> [String: PreviousDigest] {
        var previous: [String: PreviousDigest] = [:]
        let last = try await connection.query(
            """
            SELECT DISTINCT ON (unit_id) unit_id, local_day::text, decided_at, message_id
            FROM chiso_alert_outbox
            ORDER BY unit_id, local_day DESC, decided_at DESC
            """, logger: logger)
        for try await (unit, day, decidedAt, messageID) in last.decode((String, String, Date, String).self) {
            if let localDay = LocalDate(iso: day) { previous[unit] = PreviousDigest(localDay: localDay, decidedAt: decidedAt, messageID: messageID) }
        }
        return previous
    }

    /// Records one decided entry; nil when the unit already has its digest of the day.
    func insert(_ entry: OutboxEntry, decidedAt now: Date, _ connection: PostgresConnection) async throws -> Int64? {
        let mail = entry.mail
        let day = entry.localDay.description
        let webhookStatus: String? = entry.webhookPending ? "pending" : nil
        let rows = try await connection.query(
            """
            INSERT INTO chiso_alert_outbox (unit_id, local_day, decided_at, message_id, recipients, cc, subject, message,
                                            payload, task_ids, escalated_task_ids, status, next_attempt_at, last_error, webhook_status)
            VALUES (\(entry.unitID), \(day)::date, \(now), \(mail.messageID), \(mail.to), \(mail.cc), \(mail.subject), \(mail.message),
                    \(mail.payload)::jsonb, \(entry.taskIDs), \(entry.escalatedTaskIDs), \(entry.status.rawValue), \(now), \(entry.lastError),
                    \(webhookStatus))
            ON CONFLICT (unit_id, local_day, kind) DO NOTHING
            RETURNING id
            """, logger: logger)
        var inserted: Int64?
        for try await id in rows.decode(Int64.self) { inserted = id }
        return inserted
    }

    public func claimDue(now: Date, claimFor: Duration, limit: Int) async throws -> [OutboxEntry] {
        let until = now.addingTimeInterval(Double(claimFor.components.seconds))
        return try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE chiso_alert_outbox o SET status = 'sending', claimed_until = \(until)
                FROM (
                    SELECT id FROM chiso_alert_outbox
                    WHERE (status = 'pending' AND next_attempt_at <= \(now))
                       OR (status = 'sending' AND claimed_until <= \(now))
                    ORDER BY next_attempt_at, id
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ) due
                WHERE o.id = due.id
                RETURNING o.id, o.unit_id, o.local_day::text, o.message_id, o.subject, o.recipients, o.cc, o.message, o.payload::text,
                          o.attempts, o.sent_at IS NOT NULL, o.webhook_status = 'pending', o.escalated_task_ids, o.last_error
                """, logger: logger)
            var out: [OutboxEntry] = []
            for try await row in rows.decode(
                (Int64, String, String, String, String, [String], [String], String, String, Int, Bool, Bool?, [String], String?).self)
            {
                let (id, unit, day, messageID, subject, to, cc, message, payload, attempts, mailSent, webhookPending, escalated, lastError) = row
                out.append(
                    OutboxEntry(
                        id: id, unitID: unit, localDay: LocalDate(iso: day) ?? LocalDate(year: 1970, month: 1, day: 1),
                        mail: ComposedMail(messageID: messageID, subject: subject, to: to, cc: cc, message: message, payload: payload),
                        status: .sending, attempts: attempts, mailSent: mailSent, webhookPending: webhookPending ?? false,
                        escalatedTaskIDs: escalated, lastError: lastError))
            }
            return out.sorted { $0.id < $1.id }
        }
    }

    public func markMailSent(_ id: Int64, at instant: Date) async throws {
        try await execute("UPDATE chiso_alert_outbox SET sent_at = \(instant) WHERE id = \(id)")
    }

    public func markWebhookSent(_ id: Int64) async throws {
        try await execute("UPDATE chiso_alert_outbox SET webhook_status = 'sent' WHERE id = \(id)")
    }

    public func markSent(_ id: Int64, at instant: Date) async throws {
        try await execute(
            """
            UPDATE chiso_alert_outbox
            SET status = 'sent', attempts = attempts + 1, claimed_until = NULL, sent_at = coalesce(sent_at, \(instant)), last_error = NULL
            WHERE id = \(id)
            """)
    }

    public func markFailed(_ id: Int64, error: String, retryAt: Date?) async throws {
        let status = retryAt == nil ? "failed" : "pending"
        try await execute(
            """
            UPDATE chiso_alert_outbox
            SET status = \(status), attempts = attempts + 1, claimed_until = NULL, last_error = \(error),
                next_attempt_at = coalesce(\(retryAt), next_attempt_at),
                webhook_status = CASE WHEN \(status) = 'failed' AND webhook_status = 'pending' THEN 'failed' ELSE webhook_status END
            WHERE id = \(id)
            """)
    }

    public func summary(now: Date, calendar: PlanCalendar) async throws -> AlertSummary {
        let since = calendar.localDate(of: now).adding(days: -7).description
        return try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, readOnlySnapshot: true, logger: logger) {
            connection in
            var summary = AlertSummary()
            let counts = try await connection.query(
                """
                SELECT (SELECT count(*) FROM chiso_alert_outbox WHERE status IN ('pending', 'sending'))::int,
                       (SELECT count(*) FROM (SELECT DISTINCT ON (unit_id) status FROM chiso_alert_outbox
                                              ORDER BY unit_id, local_day DESC, decided_at DESC) latest
                        WHERE status = 'undeliverable')::int
                """, logger: logger)
            for try await (pending, undeliverable) in counts.decode((Int, Int).self) {
                summary.pending = pending
                summary.undeliverable = undeliverable
            }
            let problems = try await connection.query(
                """
                SELECT unit_id, local_day::text, status, coalesce(last_error, '')
                FROM chiso_alert_outbox
                WHERE status IN ('failed', 'undeliverable') AND local_day >= \(since)::date
                ORDER BY local_day DESC, unit_id
                LIMIT 100
                """, logger: logger)
            for try await (unit, day, status, reason) in problems.decode((String, String, String, String).self) {
                summary.problems.append(
                    AlertProblem(
                        unitID: unit, localDay: LocalDate(iso: day) ?? LocalDate(year: 1970, month: 1, day: 1),
                        status: OutboxStatus(rawValue: status) ?? .failed, reason: reason))
            }
            return summary
        }
    }

    private func execute(_ query: PostgresQuery) async throws {
        try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, logger: logger) { connection in
            _ = try await connection.query(query, logger: logger)
        }
    }
}

extension PostgresAlertOutbox {
    /// The fence to check, nil when no lease is in use; `StorageError.notLeader` when this
    /// instance does not hold the lease.
    func currentFence() throws(StorageError) -> LeaseFence? {
        guard let fence else { return nil }
        guard let held = fence() else { throw .notLeader(term: nil) }
        return held
    }
}

import ChisoCore
import Foundation
import Logging
import PostgresNIO

/// The alert outbox in `chiso_alert_outbox`. Deciding reads the inputs, plans and records the
/// digests in one transaction under an advisory lock, so that two processes (replicas, or the
/// daemon and `chiso alerts --once`) record one digest per unit and day; the unique key
/// (unit_id, local_day, kind) holds even without the lock.
public struct PostgresAlertOutbox: AlertOutbox {
    public let client: PostgresClient
    public let schema: SchemaName
    public let statementTimeout: Duration
    public let logger: Logger

    public init(client: PostgresClient, schema: SchemaName, statementTimeout: Duration = .seconds(60), logger: Logger) {
        self.client = client
        self.schema = schema
        self.statementTimeout = statementTimeout
        self.logger = logger
    }

    public func decide(
        now: Date, policy: AlertPolicy, calendar: PlanCalendar, webhook: Bool, record: Bool,
        compose: @escaping @Sendable (Digest) -> ComposedMail
    ) async throws -> [OutboxEntry] {
        let today = calendar.localDate(of: now)
        let yearStart = calendar.startOfDay(LocalDate(year: today.year, month: 1, day: 1))
        let horizon = today.adding(days: max(policy.warnDays, 0)).description
        let lockKey = "chiso-alerts:\(schema.rawValue)"
        return try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)
            var inputs = AlertInputs(units: try await PostgresKPISource(client: client, schema: schema, logger: logger).units(connection))

            let open = try await connection.query("""
                SELECT id, plan_ref, title, lead_unit_id, monitoring_unit_id, due_date::text
                FROM tasks
                WHERE status <> 'cancelled' AND NOT (status = 'done' AND done_at <= \(now))
                  AND due_date <= \(horizon)::date
                ORDER BY due_date, id
                """, logger: logger)
            for try await (id, planRef, title, lead, monitoring, due) in open.decode((String, String?, String, String, String?, String).self) {
                guard let dueDate = LocalDate(iso: due) else { throw StorageError.unexpectedValue(table: "tasks", column: "due_date", value: due) }
                inputs.openTasks.append(OpenTask(id: id, planRef: planRef, title: title, leadUnitID: lead, monitoringUnitID: monitoring, dueDate: dueDate))
            }

            // Completed since the oldest "previous digest" that can matter: the planner keeps those after each unit's last one.
            let window = now.addingTimeInterval(-40 * 86_400)
            let done = try await connection.query("""
                SELECT id, plan_ref, title, lead_unit_id, done_at
                FROM tasks
                WHERE status = 'done' AND done_at > \(window) AND done_at <= \(now)
                ORDER BY done_at, id
                """, logger: logger)
            for try await (id, planRef, title, lead, doneAt) in done.decode((String, String?, String, String, Date).self) {
                inputs.completedTasks.append(CompletedTask(id: id, planRef: planRef, title: title, leadUnitID: lead, doneAt: doneAt))
            }

            // The late dossiers as of T (active in the year), once, for the counts and the names.
            try await connection.query("""
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
            let dossiers = try await connection.query("""
                SELECT unit_id,
                       count(*) FILTER (WHERE NOT done AND due_at < \(now)) AS overdue,
                       count(*) FILTER (WHERE unapologised) AS unapologised
                FROM late_dossiers
                GROUP BY unit_id
                """, logger: logger)
            for try await (unit, overdue, unapologised) in dossiers.decode((String, Int, Int).self) {
                if overdue > 0 { inputs.overdueDossiers[unit] = overdue }
                if unapologised > 0 { inputs.lateWithoutApology[unit] = unapologised }
            }

            // Name the first dossiers of each kind per unit, most overdue first.
            let limit = AlertInputs.dossierLinesPerDigest
            let named = try await connection.query("""
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
                if kind == "overdue" { inputs.overdueDossierLines[unit, default: []].append(line) } else { inputs.unapologisedDossierLines[unit, default: []].append(line) }
            }

            var previous: [String: PreviousDigest] = [:]
            let last = try await connection.query("""
                SELECT DISTINCT ON (unit_id) unit_id, local_day::text, decided_at, message_id
                FROM chiso_alert_outbox
                ORDER BY unit_id, local_day DESC, decided_at DESC
                """, logger: logger)
            for try await (unit, day, decidedAt, messageID) in last.decode((String, String, Date, String).self) {
                if let localDay = LocalDate(iso: day) { previous[unit] = PreviousDigest(localDay: localDay, decidedAt: decidedAt, messageID: messageID) }
            }

            var recorded: [OutboxEntry] = []
            for digest in AlertPlanner.plan(inputs, previous: previous, policy: policy, now: now, calendar: calendar) {
                let mail = compose(digest)
                let status: OutboxStatus = digest.isDeliverable ? .pending : .undeliverable
                let error: String? = digest.isDeliverable ? nil : "no valid alert_email on the unit or any unit above it"
                var entry = OutboxEntry(
                    id: 0, unitID: digest.unit.id, localDay: digest.localDay, mail: mail, status: status,
                    webhookPending: webhook && digest.isDeliverable, escalatedTaskIDs: digest.escalatedTaskIDs, lastError: error)
                if record {
                    let day = digest.localDay.description
                    let taskIDs = (digest.overdue + digest.dueSoon).map(\.task.id)
                    let escalated = digest.escalatedTaskIDs
                    let webhookStatus: String? = entry.webhookPending ? "pending" : nil
                    let rows = try await connection.query("""
                        INSERT INTO chiso_alert_outbox (unit_id, local_day, decided_at, message_id, recipients, cc, subject, message,
                                                        payload, task_ids, escalated_task_ids, status, next_attempt_at, last_error, webhook_status)
                        VALUES (\(digest.unit.id), \(day)::date, \(now), \(mail.messageID), \(mail.to), \(mail.cc), \(mail.subject), \(mail.message),
                                \(mail.payload)::jsonb, \(taskIDs), \(escalated), \(status.rawValue), \(now), \(error), \(webhookStatus))
                        ON CONFLICT (unit_id, local_day, kind) DO NOTHING
                        RETURNING id
                        """, logger: logger)
                    var inserted: Int64?
                    for try await id in rows.decode(Int64.self) { inserted = id }
                    guard let inserted else { continue }  // another decider was first
                    entry.id = inserted
                }
                recorded.append(entry)
            }
            return recorded
        }
    }

    public func claimDue(now: Date, claimFor: Duration, limit: Int) async throws -> [OutboxEntry] {
        let until = now.addingTimeInterval(Double(claimFor.components.seconds))
        return try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, logger: logger) { connection in
            let rows = try await connection.query("""
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
            for try await row in rows.decode((Int64, String, String, String, String, [String], [String], String, String, Int, Bool, Bool?, [String], String?).self) {
                let (id, unit, day, messageID, subject, to, cc, message, payload, attempts, mailSent, webhookPending, escalated, lastError) = row
                out.append(OutboxEntry(
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
        try await execute("""
            UPDATE chiso_alert_outbox
            SET status = 'sent', attempts = attempts + 1, claimed_until = NULL, sent_at = coalesce(sent_at, \(instant)), last_error = NULL
            WHERE id = \(id)
            """)
    }

    public func markFailed(_ id: Int64, error: String, retryAt: Date?) async throws {
        let status = retryAt == nil ? "failed" : "pending"
        let next = retryAt ?? Date()
        try await execute("""
            UPDATE chiso_alert_outbox
            SET status = \(status), attempts = attempts + 1, claimed_until = NULL, last_error = \(error),
                next_attempt_at = \(next),
                webhook_status = CASE WHEN \(status) = 'failed' AND webhook_status = 'pending' THEN 'failed' ELSE webhook_status END
            WHERE id = \(id)
            """)
    }

    public func summary(now: Date, calendar: PlanCalendar) async throws -> AlertSummary {
        let since = calendar.localDate(of: now).adding(days: -7).description
        return try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, readOnlySnapshot: true, logger: logger) { connection in
            var summary = AlertSummary()
            let counts = try await connection.query("""
                SELECT (SELECT count(*) FROM chiso_alert_outbox WHERE status IN ('pending', 'sending'))::int,
                       (SELECT count(*) FROM (SELECT DISTINCT ON (unit_id) status FROM chiso_alert_outbox
                                              ORDER BY unit_id, local_day DESC, decided_at DESC) latest
                        WHERE status = 'undeliverable')::int
                """, logger: logger)
            for try await (pending, undeliverable) in counts.decode((Int, Int).self) {
                summary.pending = pending
                summary.undeliverable = undeliverable
            }
            let problems = try await connection.query("""
                SELECT unit_id, local_day::text, status, coalesce(last_error, '')
                FROM chiso_alert_outbox
                WHERE status IN ('failed', 'undeliverable') AND local_day >= \(since)::date
                ORDER BY local_day DESC, unit_id
                LIMIT 100
                """, logger: logger)
            for try await (unit, day, status, reason) in problems.decode((String, String, String, String).self) {
                summary.problems.append(AlertProblem(
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

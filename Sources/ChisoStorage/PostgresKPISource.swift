import ChisoCore
import Foundation
import Logging
import PostgresNIO

/// Reads one refresh's inputs from PostgreSQL: every aggregation happens in the database, per own
/// unit and period; the core rolls units up. All queries read one REPEATABLE READ, READ ONLY
/// snapshot (one consistent view): the payments and the online services on a second connection
/// that imports it, each query bounded by `statement_timeout`.
public struct PostgresKPISource: KPISource {
    public let client: any ConnectionSource
    public let schema: SchemaName
    public let statementTimeout: Duration
    public let logger: Logger

    /// How long a refresh waits for a connection before it fails (nil: as long as PostgresNIO waits).
    public var connectTimeout: Duration?
    /// The days feedback deadlines count (`feedback_on_time`).
    public var workingDays: WorkingDays
    /// Set once a second connection could not read through a refresh's snapshot (`loadInputs`).
    private let secondConnectionRefused = OnceFlag()

    public init(
        client: any ConnectionSource, schema: SchemaName, statementTimeout: Duration = .seconds(60), connectTimeout: Duration? = nil,
        workingDays: WorkingDays = WorkingDays(), logger: Logger
    ) {
        self.workingDays = workingDays
        self.connectTimeout = connectTimeout
        self.client = client
        self.schema = schema
        self.statementTimeout = statementTimeout
        self.logger = logger
    }

    public func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs {
        let periods = calendar.periods(asOf: asOf)
        return try await client.withChisoTransaction(
            schema: schema, statementTimeout: statementTimeout, readOnlySnapshot: true, connectTimeout: connectTimeout, logger: logger
        ) { connection in
            // The payments and the online services are read on a second connection, in this
            // transaction's snapshot, while this one reads the tallies: each statement is one
            // server process, and a province's full read is four statements of 0.4–2.7 s.
            let exported = secondConnectionRefused.isSet ? nil : try await connection.exportSnapshot(logger: logger)
            async let secondReads = secondConnectionReads(exported, asOf: asOf, periods: periods)
            var inputs = try await InputQueries.smallTables(connection, asOf: asOf, calendar: calendar, logger: logger)
            inputs.tallies.merge(try await tallies(connection, asOf: asOf, calendar: calendar)) { $0 + $1 }
            inputs.overdueDossiers = try await InputQueries.overdueDossiers(connection, asOf: asOf, logger: logger)
            let reads: SecondReads
            switch await secondReads {
            case (.success(let read), _)?:
                reads = read
            case (.failure(let error), let began)?:
                try Task.checkCancellation()
                noteSecondConnectionFailed(error, began: began, refused: secondConnectionRefused, logger: logger)
                reads = try await self.reads(connection, asOf: asOf, periods: periods)
            case nil:
                reads = try await self.reads(connection, asOf: asOf, periods: periods)
            }
            inputs.tallies.merge(reads.payments.tallies) { $0 + $1 }
            inputs.paidProcedures = reads.payments.paid
            inputs.procedureUses = reads.payments.uses + reads.onlineServices
            inputs.pass = RefreshPass(kind: .full, reason: nil, changes: 0, pending: 0, differences: 0)
            return inputs
        }
    }

    /// What the second connection reads: the payments and the online services used.
    struct SecondReads: Sendable {
        var payments: (tallies: [TallyKey: Tally], paid: [PaidProcedure], uses: [ProcedureUse])
        var onlineServices: [ProcedureUse]
    }

    private func reads(_ connection: PostgresConnection, asOf t: Date, periods: [Period]) async throws -> SecondReads {
        SecondReads(
            payments: try await payments(connection, asOf: t, periods: periods),
            onlineServices: try await onlineServiceUses(connection, asOf: t, periods: periods))
    }

    /// `reads` on a second pooled connection, in a transaction reading through `exported` (nil:
    /// none), and whether it began reading (its transaction took the snapshot) before any failure.
    private func secondConnectionReads(
        _ exported: ExportedSnapshot?, asOf t: Date, periods: [Period]
    ) async -> (Result<SecondReads, any Error>, began: Bool)? {
        guard let exported else { return nil }
        let began = OnceFlag()
        do {
            let reads = try await client.withChisoTransaction(
                schema: schema, statementTimeout: statementTimeout, importing: exported, connectTimeout: connectTimeout, logger: logger
            ) { connection in
                began.set()
                return try await self.reads(connection, asOf: t, periods: periods)
            }
            return (.success(reads), true)
        } catch {
            return (.failure(error), began.isSet)
        }
    }

    /// The manual rows whose period_end falls in T's year to date, recorded up to `recordedBy`
    /// (a past month's publication counts the figures entered after the month's end).
    public func manualValues(asOf t: Date, recordedBy: Date, calendar: PlanCalendar) async throws -> [ManualValue] {
        try await client.withChisoTransaction(
            schema: schema, statementTimeout: statementTimeout, readOnlySnapshot: true, connectTimeout: connectTimeout, logger: logger
        ) { connection in
            try await InputQueries.manualValues(connection, asOf: t, periods: calendar.periods(asOf: t), recordedBy: recordedBy, logger: self.logger)
        }
    }

    /// Late dossiers per own unit and official (`dossiers.late_official`) among those active in
    /// the period that starts at `start` (the QĐ 766 publication's list of who caused delays): as
    /// of T, finished after their due time, or unfinished past it.
    public func lateOfficials(asOf t: Date, periodStart start: Date) async throws -> [QD766Publication.OfficialDelay] {
        try await client.withChisoTransaction(
            schema: schema, statementTimeout: statementTimeout, readOnlySnapshot: true, connectTimeout: connectTimeout, logger: logger
        ) { connection in
            let rows = try await connection.query(
                """
                SELECT unit_id, late_official, count(*)
                FROM dossiers
                WHERE status IN ('processing', 'finished') AND late_official IS NOT NULL AND received_at <= \(t)
                  AND (received_at >= \(start) OR NOT (status = 'finished' AND finished_at <= \(t)) OR finished_at >= \(start))
                  AND CASE WHEN status = 'finished' AND finished_at <= \(t) THEN finished_at > due_at ELSE due_at < \(t) END
                GROUP BY 1, 2
                """, logger: logger)
            var out: [QD766Publication.OfficialDelay] = []
            for try await (unit, official, count) in rows.decode((String, String, Int).self) {
                out.append(QD766Publication.OfficialDelay(official: official, unitID: unit, unitName: unit, lateDossiers: count))
            }
            return out
        }
    }

    /// Own-unit numerators and denominators of the dossier, document and feedback indicators, per
    /// period, as long rows (unit, period, indicator, numerator, denominator). The formulas of
    /// `indicators.md` live here (and, for the incremental refresh, in `CapturedRows`).
    func tallies(_ connection: PostgresConnection, asOf t: Date, calendar: PlanCalendar) async throws -> [TallyKey: Tally] {
        let periods = calendar.periods(asOf: t)
        let year = periods[0], quarter = periods[1], month = periods[2]
        let deadlines = FeedbackDeadlines(calendar: calendar, workingDays: workingDays).table(year: year.startDate.year)
        let query: PostgresQuery = """
            WITH period (kind, start_at) AS (
                VALUES ('year'::text, \(year.start)::timestamptz), ('quarter', \(quarter.start)::timestamptz),
                       ('month', \(month.start)::timestamptz)
            ),
            -- Per local receiving day of the year, when its open feedback turns late (15 working days).
            deadline (day, late_from) AS (
                SELECT * FROM unnest(\(deadlines.days)::date[], \(deadlines.lateFrom)::timestamptz[])
            ),
            dossier AS (
                -- D: withdrawn and rejected are excluded everywhere; rows received after T do not exist.
                -- Kept: every dossier active in the year (the widest period).
                SELECT d.unit_id, d.received_at, d.finished_at, d.due_at, d.apologised_at, d.channel,
                       d.synced_national, d.received_at_center, d.digitised, d.reused_data, d.e_result,
                       pr.service_level, pr.requires_result_document, pr.has_fee, d.chiso_paid_online_at,
                       (d.status = 'finished' AND d.finished_at <= \(t)) AS done
                FROM dossiers d
                JOIN procedures pr ON pr.code = d.procedure_code
                WHERE d.status IN ('processing', 'finished')
                  AND d.received_at <= \(t)
                  AND (d.received_at >= \(year.start) OR d.status = 'processing' OR d.finished_at >= \(year.start))
            ),
            dossier_flagged AS (
                SELECT x.*,
                       CASE WHEN x.done THEN (x.due_at IS NULL OR x.finished_at <= x.due_at)
                            ELSE (x.due_at IS NULL OR x.due_at >= \(t)) END AS on_time
                FROM dossier x
            ),
            dossier_agg AS (
                -- Joined to a period exactly when active in it: received in P, or not finished as of T, or finished in P.
                SELECT f.unit_id, p.kind,
                       count(*) AS active,
                       count(*) FILTER (WHERE f.on_time) AS active_on_time,
                       count(*) FILTER (WHERE NOT f.on_time) AS active_late,
                       count(*) FILTER (WHERE NOT f.on_time AND f.apologised_at <= \(t)) AS late_apologised,
                       count(*) FILTER (WHERE f.received_at >= p.start_at) AS received,
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.synced_national) AS received_synced,
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.received_at_center) AS received_at_center,
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.digitised) AS received_digitised,
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.reused_data) AS received_reused,
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.service_level = 'full') AS received_full,
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.service_level = 'full' AND f.channel = 'online')
                           AS received_full_online,
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.channel = 'online') AS received_online,
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.has_fee) AS received_fee,
                       -- 3.6: paid online by T (the trigger-kept first online payment, sql/V009).
                       count(*) FILTER (WHERE f.received_at >= p.start_at AND f.has_fee AND f.chiso_paid_online_at <= \(t))
                           AS received_fee_paid_online,
                       count(*) FILTER (WHERE f.done AND f.finished_at >= p.start_at AND f.requires_result_document) AS results,
                       count(*) FILTER (WHERE f.done AND f.finished_at >= p.start_at AND f.requires_result_document AND f.e_result)
                           AS results_electronic
                FROM dossier_flagged f
                JOIN period p ON f.received_at >= p.start_at OR NOT f.done OR f.finished_at >= p.start_at
                GROUP BY f.unit_id, p.kind
            ),
            document_agg AS (
                SELECT d.unit_id, p.kind,
                       count(*) FILTER (WHERE d.direction = 'outgoing') AS outgoing,
                       count(*) FILTER (WHERE d.direction = 'outgoing' AND d.digitally_signed) AS outgoing_signed,
                       count(*) AS documents,
                       count(*) FILTER (WHERE d.processed_electronically) AS electronic
                FROM documents d
                JOIN period p ON d.registered_at >= p.start_at
                WHERE d.security_level = 'normal' AND d.registered_at <= \(t) AND d.registered_at >= \(year.start)
                GROUP BY d.unit_id, p.kind
            ),
            feedback_agg AS (
                SELECT f.unit_id, p.kind,
                       count(*) AS received,
                       count(*) FILTER (WHERE f.resolved_at <= \(t) AND f.result_published) AS handled_published,
                       count(*) FILTER (WHERE CASE WHEN f.resolved_at <= \(t) THEN f.resolved_at < dl.late_from
                                                   ELSE \(t) < dl.late_from END) AS on_time
                FROM feedback f
                JOIN period p ON f.received_at >= p.start_at
                JOIN deadline dl ON dl.day = timezone(\(calendar.timeZone.identifier)::text, f.received_at)::date
                WHERE f.received_at <= \(t) AND f.received_at >= \(year.start)
                GROUP BY f.unit_id, p.kind
            )
            SELECT a.unit_id, a.kind, v.indicator, v.numerator, v.denominator
            FROM dossier_agg a CROSS JOIN LATERAL (VALUES
                ('dossiers_on_time', a.active_on_time, a.active),
                ('late_dossiers_apologised', a.late_apologised, a.active_late),
                ('dossiers_synced_national', a.received_synced, a.received),
                ('dossiers_received_at_center', a.received_at_center, a.received),
                ('dossiers_digitised', a.received_digitised, a.received),
                ('dossiers_data_reused', a.received_reused, a.received),
                ('dossiers_full_online', a.received_full_online, a.received_full),
                ('dossiers_received_online', a.received_online, a.received),
                ('fee_dossiers_paid_online', a.received_fee_paid_online, a.received_fee),
                ('results_digitised', a.results_electronic, a.results)
            ) AS v (indicator, numerator, denominator)
            UNION ALL
            SELECT a.unit_id, a.kind, v.indicator, v.numerator, v.denominator
            FROM document_agg a CROSS JOIN LATERAL (VALUES
                ('documents_signed', a.outgoing_signed, a.outgoing),
                ('documents_electronic', a.electronic, a.documents)
            ) AS v (indicator, numerator, denominator)
            UNION ALL
            SELECT a.unit_id, a.kind, v.indicator, v.numerator, v.denominator
            FROM feedback_agg a CROSS JOIN LATERAL (VALUES
                ('feedback_handled_published', a.handled_published, a.received),
                ('feedback_on_time', a.on_time, a.received)
            ) AS v (indicator, numerator, denominator)
            """
        return try await InputQueries.decodeTallies(connection.query(query, logger: logger))
    }

    /// Payments in each period per own unit and procedure (a payment's unit is its dossier's unit),
    /// in one pass over payments: summed into `payments_online_national`, and, for procedures with
    /// online payment deployed, kept per procedure so the core can count them distinct over each subtree.
    func payments(
        _ connection: PostgresConnection, asOf t: Date, periods: [Period]
    ) async throws -> (tallies: [TallyKey: Tally], paid: [PaidProcedure], uses: [ProcedureUse]) {
        let year = periods[0], quarter = periods[1], month = periods[2]
        let query: PostgresQuery = """
            WITH period (kind, start_at) AS (
                VALUES ('year'::text, \(year.start)::timestamptz), ('quarter', \(quarter.start)::timestamptz), ('month', \(month.start)::timestamptz)
            )
            SELECT d.unit_id, p.kind, d.procedure_code, pr.online_payment_enabled, pr.has_fee AND NOT pr.internal,
                   count(*) AS payments,
                   count(*) FILTER (WHERE pay.method = 'national_portal') AS national,
                   bool_or(pay.method IN ('national_portal', 'provincial_gateway')) AS paid_online
            FROM payments pay
            JOIN dossiers d ON d.code = pay.dossier_code
            JOIN procedures pr ON pr.code = d.procedure_code
            JOIN period p ON pay.paid_at >= p.start_at
            WHERE pay.paid_at <= \(t) AND pay.paid_at >= \(year.start)
            GROUP BY d.unit_id, p.kind, d.procedure_code, pr.online_payment_enabled, pr.has_fee AND NOT pr.internal
            """
        var tallies: [TallyKey: Tally] = [:]
        var paid: [PaidProcedure] = []
        var uses: [ProcedureUse] = []
        for try await (unit, kind, procedure, enabled, fee, count, national, online) in try await connection.query(query, logger: logger)
            .decode((String, String, String, Bool, Bool, Int, Int, Bool).self)
        {
            guard let period = PeriodKind(rawValue: kind) else {
                throw StorageError.unexpectedValue(table: "payments", column: "period", value: kind)
            }
            tallies[TallyKey(unitID: unit, period: period, indicator: .paymentsOnlineNational), default: Tally()] += Tally(
                numerator: Decimal(national), denominator: Decimal(count))
            if enabled {
                paid.append(PaidProcedure(unitID: unit, period: period, procedureCode: procedure, paidOnline: online))
            }
            if fee && online {
                uses.append(ProcedureUse(unitID: unit, period: period, procedureCode: procedure, indicator: .feeProceduresPaidOnline))
            }
        }
        return (tallies, paid, uses)
    }

    /// `online_services_used`: per own unit and period, the non-internal procedures with online
    /// service (`full` or `partial`) that received a dossier in D through `online` (distinct over
    /// subtrees in the core).
    func onlineServiceUses(_ connection: PostgresConnection, asOf t: Date, periods: [Period]) async throws -> [ProcedureUse] {
        let year = periods[0], quarter = periods[1], month = periods[2]
        let query: PostgresQuery = """
            WITH period (kind, start_at) AS (
                VALUES ('year'::text, \(year.start)::timestamptz), ('quarter', \(quarter.start)::timestamptz), ('month', \(month.start)::timestamptz)
            )
            SELECT d.unit_id, p.kind, d.procedure_code
            FROM dossiers d
            JOIN procedures pr ON pr.code = d.procedure_code
            JOIN period p ON d.received_at >= p.start_at
            WHERE d.status IN ('processing', 'finished') AND d.channel = 'online'
              AND d.received_at <= \(t) AND d.received_at >= \(year.start)
              AND NOT pr.internal AND pr.service_level IN ('full', 'partial')
            GROUP BY 1, 2, 3
            """
        var out: [ProcedureUse] = []
        for try await (unit, kind, procedure) in try await connection.query(query, logger: logger).decode((String, String, String).self) {
            guard let period = PeriodKind(rawValue: kind) else {
                throw StorageError.unexpectedValue(table: "dossiers", column: "period", value: kind)
            }
            out.append(ProcedureUse(unitID: unit, period: period, procedureCode: procedure, indicator: .onlineServicesUsed))
        }
        return out
    }
}

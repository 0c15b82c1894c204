import ChisoCore
import Foundation
import Logging
import PostgresNIO

/// Reads one refresh's inputs from PostgreSQL: every aggregation happens in the database, per own
/// unit and period; the core rolls units up. All queries run in one REPEATABLE READ, READ ONLY
/// transaction (one consistent view), each bounded by `statement_timeout`.
public struct PostgresKPISource: KPISource {
    public let client: any ConnectionSource
    public let schema: SchemaName
    public let statementTimeout: Duration
    public let logger: Logger

    /// How long a refresh waits for a connection before it fails (nil: as long as PostgresNIO waits).
    public var connectTimeout: Duration?

    public init(
        client: any ConnectionSource, schema: SchemaName, statementTimeout: Duration = .seconds(60), connectTimeout: Duration? = nil, logger: Logger
    ) {
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
            var inputs = KPIInputs(units: try await InputQueries.units(connection, logger: logger))
            inputs.tallies = try await tallies(connection, asOf: asOf, periods: periods, timeZone: calendar.timeZone.identifier)
            let payments = try await payments(connection, asOf: asOf, periods: periods)
            inputs.tallies.merge(payments.tallies) { $0 + $1 }
            inputs.paidProcedures = payments.paid
            inputs.catalogueTallies = try await catalogueTallies(connection)
            inputs.manualValues = try await manualValues(connection, asOf: asOf, periods: periods)
            // Overdue, and due within `Evaluator.dueSoonDays` days.
            inputs.openTasks = try await InputQueries.openTasks(
                connection, asOf: asOf, dueThrough: periods[0].endDate.adding(days: Evaluator.dueSoonDays), logger: logger)
            inputs.overdueDossiers = try await InputQueries.overdueDossiers(connection, asOf: asOf, logger: logger)
            return inputs
        }
    }

    /// Own-unit numerators and denominators of every `.sum` indicator, per period, as long rows
    /// (unit, period, indicator, numerator, denominator). The formulas of `indicators.md` live here.
    func tallies(_ connection: PostgresConnection, asOf t: Date, periods: [Period], timeZone: String) async throws -> [TallyKey: Tally] {
        let year = periods[0], quarter = periods[1], month = periods[2]
        let today = year.endDate.description
        let query: PostgresQuery = """
            WITH period (kind, start_at, start_date) AS (
                VALUES ('year'::text, \(year.start)::timestamptz, \(year.startDate.description)::date),
                       ('quarter', \(quarter.start)::timestamptz, \(quarter.startDate.description)::date),
                       ('month', \(month.start)::timestamptz, \(month.startDate.description)::date)
            ),
            dossier AS (
                -- D: withdrawn and rejected are excluded everywhere; rows received after T do not exist.
                -- Kept: every dossier active in the year (the widest period).
                SELECT d.unit_id, d.received_at, d.finished_at, d.due_at, d.apologised_at, d.channel,
                       d.synced_national, d.received_at_center, d.digitised, d.reused_data, d.e_result,
                       pr.service_level, pr.requires_result_document,
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
                       count(*) FILTER (WHERE f.resolved_at <= \(t) AND f.result_published) AS handled_published
                FROM feedback f
                JOIN period p ON f.received_at >= p.start_at
                WHERE f.received_at <= \(t) AND f.received_at >= \(year.start)
                GROUP BY f.unit_id, p.kind
            ),
            form_agg AS (
                SELECT r.unit_id, p.kind,
                       count(*) AS periodic,
                       count(*) FILTER (WHERE r.eform) AS eform,
                       count(*) FILTER (WHERE r.connected_provincial) AS connected
                FROM report_forms r CROSS JOIN period p
                WHERE r.periodic
                GROUP BY r.unit_id, p.kind
            ),
            task_agg AS (
                SELECT t.lead_unit_id AS unit_id, p.kind,
                       count(*) FILTER (WHERE t.source = 'province' AND (t.due_date IS NULL OR t.due_date >= p.start_date)) AS province,
                       count(*) FILTER (WHERE t.source = 'province' AND (t.due_date IS NULL OR t.due_date >= p.start_date)
                                          AND t.tracked_electronically) AS province_tracked,
                       count(*) FILTER (WHERE t.source = 'plan' AND t.due_date >= p.start_date AND t.due_date < \(today)::date) AS plan_due,
                       count(*) FILTER (WHERE t.source = 'plan' AND t.due_date >= p.start_date AND t.due_date < \(today)::date
                                          AND t.status = 'done' AND t.done_at <= \(t)
                                          AND timezone(\(timeZone)::text, t.done_at)::date <= t.due_date) AS plan_on_time
                FROM tasks t CROSS JOIN period p
                WHERE t.status <> 'cancelled'
                GROUP BY t.lead_unit_id, p.kind
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
                ('results_digitised', a.results_electronic, a.results)
            ) AS v (indicator, numerator, denominator)
            UNION ALL
            SELECT a.unit_id, a.kind, v.indicator, v.numerator, v.denominator
            FROM document_agg a CROSS JOIN LATERAL (VALUES
                ('documents_signed', a.outgoing_signed, a.outgoing),
                ('documents_electronic', a.electronic, a.documents)
            ) AS v (indicator, numerator, denominator)
            UNION ALL
            SELECT a.unit_id, a.kind, 'feedback_handled_published', a.handled_published, a.received FROM feedback_agg a
            UNION ALL
            SELECT a.unit_id, a.kind, v.indicator, v.numerator, v.denominator
            FROM form_agg a CROSS JOIN LATERAL (VALUES
                ('report_forms_eform', a.eform, a.periodic),
                ('report_forms_connected', a.connected, a.periodic)
            ) AS v (indicator, numerator, denominator)
            UNION ALL
            SELECT a.unit_id, a.kind, v.indicator, v.numerator, v.denominator
            FROM task_agg a CROSS JOIN LATERAL (VALUES
                ('province_tasks_tracked', a.province_tracked, a.province),
                ('plan_tasks_on_time', a.plan_on_time, a.plan_due)
            ) AS v (indicator, numerator, denominator)
            """
        var out: [TallyKey: Tally] = [:]
        for try await (unit, kind, indicator, numerator, denominator) in try await connection.query(query, logger: logger)
            .decode((String, String, String, Int, Int).self)
        {
            guard let period = PeriodKind(rawValue: kind), let computed = ComputedIndicator(rawValue: indicator) else {
                throw StorageError.unexpectedValue(table: "tallies", column: "indicator", value: "\(kind)/\(indicator)")
            }
            out[TallyKey(unitID: unit, period: period, indicator: computed), default: Tally()] += Tally(
                numerator: Decimal(numerator), denominator: Decimal(denominator))
        }
        return out
    }

    /// Payments in each period per own unit and procedure (a payment's unit is its dossier's unit),
    /// in one pass over payments: summed into `payments_online_national`, and, for procedures with
    /// online payment deployed, kept per procedure so the core can count them distinct over each subtree.
    func payments(
        _ connection: PostgresConnection, asOf t: Date, periods: [Period]
    ) async throws -> (tallies: [TallyKey: Tally], paid: [PaidProcedure]) {
        let year = periods[0], quarter = periods[1], month = periods[2]
        let query: PostgresQuery = """
            WITH period (kind, start_at) AS (
                VALUES ('year'::text, \(year.start)::timestamptz), ('quarter', \(quarter.start)::timestamptz), ('month', \(month.start)::timestamptz)
            )
            SELECT d.unit_id, p.kind, d.procedure_code, pr.online_payment_enabled,
                   count(*) AS payments,
                   count(*) FILTER (WHERE pay.method = 'national_portal') AS national,
                   bool_or(pay.method IN ('national_portal', 'provincial_gateway')) AS paid_online
            FROM payments pay
            JOIN dossiers d ON d.code = pay.dossier_code
            JOIN procedures pr ON pr.code = d.procedure_code
            JOIN period p ON pay.paid_at >= p.start_at
            WHERE pay.paid_at <= \(t) AND pay.paid_at >= \(year.start)
            GROUP BY d.unit_id, p.kind, d.procedure_code, pr.online_payment_enabled
            """
        var tallies: [TallyKey: Tally] = [:]
        var paid: [PaidProcedure] = []
        for try await (unit, kind, procedure, enabled, count, national, online) in try await connection.query(query, logger: logger)
            .decode((String, String, String, Bool, Int, Int, Bool).self)
        {
            guard let period = PeriodKind(rawValue: kind) else {
                throw StorageError.unexpectedValue(table: "payments", column: "period", value: kind)
            }
            tallies[TallyKey(unitID: unit, period: period, indicator: .paymentsOnlineNational), default: Tally()] += Tally(
                numerator: Decimal(national), denominator: Decimal(count))
            if enabled {
                paid.append(PaidProcedure(unitID: unit, period: period, procedureCode: procedure, paidOnline: online))
            }
        }
        return (tallies, paid)
    }

    /// The three indicators that describe the current procedure catalogue.
    func catalogueTallies(_ connection: PostgresConnection) async throws -> [ComputedIndicator: Tally] {
        let rows = try await connection.query(
            """
            SELECT count(*) FILTER (WHERE NOT internal),
                   count(*) FILTER (WHERE NOT internal AND published),
                   count(*) FILTER (WHERE NOT internal AND location_independent),
                   count(*) FILTER (WHERE full_online_eligible),
                   count(*) FILTER (WHERE full_online_eligible AND service_level = 'full')
            FROM procedures
            """, logger: logger)
        var out: [ComputedIndicator: Tally] = [:]
        for try await (external, published, independent, eligible, full) in rows.decode((Int, Int, Int, Int, Int).self) {
            out[.proceduresPublished] = Tally(numerator: Decimal(published), denominator: Decimal(external))
            out[.proceduresLocationIndependent] = Tally(numerator: Decimal(independent), denominator: Decimal(external))
            out[.servicesFullOnline] = Tally(numerator: Decimal(full), denominator: Decimal(eligible))
        }
        return out
    }

    /// Candidate manual rows (recorded by T, period_end within the year to date); the core picks per period.
    func manualValues(_ connection: PostgresConnection, asOf t: Date, periods: [Period]) async throws -> [ManualValue] {
        let rows = try await connection.query(
            """
            SELECT indicator, unit_id, period_end::text, numerator, denominator, recorded_at
            FROM manual_values
            WHERE recorded_at <= \(t)
              AND period_end >= \(periods[0].startDate.description)::date
              AND period_end <= \(periods[0].endDate.description)::date
            """, logger: logger)
        var out: [ManualValue] = []
        for try await (indicator, unit, end, numerator, denominator, recordedAt) in rows.decode((String, String, String, Decimal, Decimal, Date).self)
        {
            guard let periodEnd = LocalDate(iso: end) else {
                throw StorageError.unexpectedValue(table: "manual_values", column: "period_end", value: end)
            }
            out.append(
                ManualValue(
                    indicator: indicator, unitID: unit, periodEnd: periodEnd, numerator: numerator, denominator: denominator, recordedAt: recordedAt))
        }
        return out
    }
}

import ChisoCore
import Foundation
import Logging
import PostgresNIO

/// The queries that read one fact each, shared by the refresh (page and metrics) and the alert
/// decision (mail): the same task is overdue, and the same dossier is late, in all three.
enum InputQueries {
    static func units(_ connection: PostgresConnection, logger: Logger) async throws -> [ChisoCore.Unit] {
        var out: [ChisoCore.Unit] = []
        let rows = try await connection.query(
            "SELECT id, parent_id, name, kind, alert_email, head_email FROM units ORDER BY id", logger: logger)
        for try await (id, parent, name, kind, alert, head) in rows.decode((String, String?, String, String, String?, String?).self) {
            out.append(ChisoCore.Unit(id: id, parentID: parent, name: name, kind: kind, alertEmail: alert, headEmail: head))
        }
        return out
    }

    /// Tasks open as of T (a task done after T was still open then) due up to `dueThrough`,
    /// overdue ones included; soonest due first.
    static func openTasks(_ connection: PostgresConnection, asOf t: Date, dueThrough: LocalDate, logger: Logger) async throws -> [OpenTask] {
        let rows = try await connection.query(
            """
            SELECT id, plan_ref, title, lead_unit_id, monitoring_unit_id, due_date::text
            FROM tasks
            WHERE status <> 'cancelled'
              AND NOT (status = 'done' AND done_at <= \(t))
              AND due_date <= \(dueThrough.description)::date
            ORDER BY due_date, id
            """, logger: logger)
        var out: [OpenTask] = []
        for try await (id, planRef, title, lead, monitoring, due) in rows.decode((String, String?, String, String, String?, String).self) {
            guard let dueDate = LocalDate(iso: due) else {
                throw StorageError.unexpectedValue(table: "tasks", column: "due_date", value: due)
            }
            out.append(OpenTask(id: id, planRef: planRef, title: title, leadUnitID: lead, monitoringUnitID: monitoring, dueDate: dueDate))
        }
        return out
    }

    /// Dossiers in D, received by T, not finished as of T, with due_at before T; per own unit.
    static func overdueDossiers(_ connection: PostgresConnection, asOf t: Date, logger: Logger) async throws -> [String: Int] {
        let rows = try await connection.query(
            """
            SELECT unit_id, count(*)
            FROM dossiers
            WHERE status IN ('processing', 'finished')
              AND received_at <= \(t)
              AND NOT (status = 'finished' AND finished_at <= \(t))
              AND due_at < \(t)
            GROUP BY unit_id
            """, logger: logger)
        var out: [String: Int] = [:]
        for try await (unit, count) in rows.decode((String, Int).self) { out[unit] = count }
        return out
    }

    /// What a refresh reads whole from the small tables (units, procedures, report forms, tasks,
    /// manual values): everything of `KPIInputs` but the large tables' figures.
    static func smallTables(_ connection: PostgresConnection, asOf t: Date, calendar: PlanCalendar, logger: Logger) async throws -> KPIInputs {
        try await refuseNewerSchema(connection, logger: logger)
        let periods = calendar.periods(asOf: t)
        var inputs = KPIInputs(units: try await units(connection, logger: logger))
        inputs.tallies = try await smallTallies(connection, asOf: t, periods: periods, timeZone: calendar.timeZone.identifier, logger: logger)
        inputs.catalogueTallies = try await catalogueTallies(connection, logger: logger)
        inputs.manualValues = try await manualValues(connection, asOf: t, periods: periods, logger: logger)
        // Overdue, and due within `Evaluator.dueSoonDays` days.
        inputs.openTasks = try await openTasks(
            connection, asOf: t, dueThrough: periods[0].endDate.adding(days: Evaluator.dueSoonDays), logger: logger)
        inputs.planTasks = try await planTasks(connection, asOf: t, periods: periods, timeZone: calendar.timeZone.identifier, logger: logger)
        return inputs
    }

    /// A schema migrated by a newer chiso (an older binary put back) is not read: its tables may
    /// mean what this binary does not know. Every refresh fails with the reason until the right
    /// binary runs (the page says so; `/readyz` is 503).
    static func refuseNewerSchema(_ connection: PostgresConnection, logger: Logger) async throws {
        let known = Migration.all.map(\.version).max() ?? 0
        let rows = try await connection.query("SELECT max(version) FROM chiso_schema_migrations", logger: logger)
        for try await (found, ) in rows.decode((Int?,).self) {
            if let found, found > known {
                let schema = try await currentSchema(connection, logger: logger)
                throw StorageError.schemaNewer(schema: schema, found: found, known: known)
            }
        }
    }

    static func currentSchema(_ connection: PostgresConnection, logger: Logger) async throws -> String {
        for try await (name, ) in try await connection.query("SELECT current_schema()", logger: logger).decode((String?,).self) {
            return name ?? "?"
        }
        return "?"
    }

    /// Plan tasks due in each period up to the day before T's, per lead unit and appendix section:
    /// the same tasks, and the same "on time", as `plan_tasks_on_time`.
    static func planTasks(
        _ connection: PostgresConnection, asOf t: Date, periods: [Period], timeZone: String, logger: Logger
    ) async throws -> [PlanTaskCount] {
        let year = periods[0], quarter = periods[1], month = periods[2]
        let today = year.endDate.description
        let rows = try await connection.query(
            """
            WITH period (kind, start_date) AS (
                VALUES ('year'::text, \(year.startDate.description)::date), ('quarter', \(quarter.startDate.description)::date),
                       ('month', \(month.startDate.description)::date)
            )
            SELECT t.lead_unit_id, p.kind, coalesce(split_part(t.plan_ref, '.', 1), '') AS section,
                   count(*)::int8,
                   count(*) FILTER (WHERE t.status = 'done' AND t.done_at <= \(t)
                                      AND timezone(\(timeZone)::text, t.done_at)::date <= t.due_date)::int8,
                   count(*) FILTER (WHERE t.status = 'done' AND t.done_at <= \(t)
                                      AND timezone(\(timeZone)::text, t.done_at)::date > t.due_date)::int8,
                   count(*) FILTER (WHERE NOT (t.status = 'done' AND t.done_at <= \(t)))::int8
            FROM tasks t CROSS JOIN period p
            WHERE t.source = 'plan' AND t.status <> 'cancelled' AND t.due_date >= p.start_date AND t.due_date < \(today)::date
            GROUP BY 1, 2, 3
            """, logger: logger)
        var out: [PlanTaskCount] = []
        for try await (unit, kind, section, due, onTime, late, overdue) in rows.decode((String, String, String, Int, Int, Int, Int).self) {
            guard let period = PeriodKind(rawValue: kind) else { continue }
            out.append(PlanTaskCount(unitID: unit, period: period, section: section, due: due, doneOnTime: onTime, doneLate: late, overdue: overdue))
        }
        return out
    }

    /// The earliest instant after T at which a small table's figures change with no row changing
    /// (a task done, a manual value recorded, stamped after T); nil when there is none.
    static func nextSmallTableEvent(_ connection: PostgresConnection, asOf t: Date, logger: Logger) async throws -> Date? {
        let rows = try await connection.query(
            """
            SELECT least((SELECT min(done_at) FROM tasks WHERE done_at > \(t)),
                         (SELECT min(recorded_at) FROM manual_values WHERE recorded_at > \(t)))
            """, logger: logger)
        for try await (next, ) in rows.decode((Date?,).self) { return next }
        return nil
    }

    /// Report forms (the same in every period) and tasks, per own unit and period.
    static func smallTallies(
        _ connection: PostgresConnection, asOf t: Date, periods: [Period], timeZone: String, logger: Logger
    ) async throws -> [TallyKey: Tally] {
        let year = periods[0], quarter = periods[1], month = periods[2]
        let today = year.endDate.description
        let query: PostgresQuery = """
            WITH period (kind, start_date) AS (
                VALUES ('year'::text, \(year.startDate.description)::date), ('quarter', \(quarter.startDate.description)::date),
                       ('month', \(month.startDate.description)::date)
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
        return try await decodeTallies(connection.query(query, logger: logger))
    }

    /// Long rows (unit, period, indicator, numerator, denominator) into tallies.
    static func decodeTallies(_ rows: PostgresRowSequence) async throws -> [TallyKey: Tally] {
        var out: [TallyKey: Tally] = [:]
        for try await (unit, kind, indicator, numerator, denominator) in rows.decode((String, String, String, Int, Int).self) {
            guard let period = PeriodKind(rawValue: kind), let computed = ComputedIndicator(rawValue: indicator) else {
                throw StorageError.unexpectedValue(table: "tallies", column: "indicator", value: "\(kind)/\(indicator)")
            }
            out[TallyKey(unitID: unit, period: period, indicator: computed), default: Tally()] += Tally(
                numerator: Decimal(numerator), denominator: Decimal(denominator))
        }
        return out
    }

    /// The figures that describe the current procedure catalogue (and the denominators of the
    /// `.proceduresInUse` figures: the procedures of their kind).
    static func catalogueTallies(_ connection: PostgresConnection, logger: Logger) async throws -> [ComputedIndicator: Tally] {
        let rows = try await connection.query(
            """
            SELECT count(*) FILTER (WHERE NOT internal),
                   count(*) FILTER (WHERE NOT internal AND published),
                   count(*) FILTER (WHERE NOT internal AND location_independent),
                   count(*) FILTER (WHERE full_online_eligible),
                   count(*) FILTER (WHERE full_online_eligible AND service_level = 'full'),
                   count(*) FILTER (WHERE NOT internal AND has_fee),
                   count(*) FILTER (WHERE NOT internal AND has_fee AND online_payment_enabled),
                   count(*) FILTER (WHERE NOT internal AND service_level IN ('full', 'partial'))
            FROM procedures
            """, logger: logger)
        var out: [ComputedIndicator: Tally] = [:]
        for try await (external, published, independent, eligible, full, fee, feeEnabled, online) in rows.decode(
            (Int, Int, Int, Int, Int, Int, Int, Int).self)
        {
            out[.proceduresPublished] = Tally(numerator: Decimal(published), denominator: Decimal(external))
            out[.proceduresLocationIndependent] = Tally(numerator: Decimal(independent), denominator: Decimal(external))
            out[.servicesFullOnline] = Tally(numerator: Decimal(full), denominator: Decimal(eligible))
            out[.feeProceduresPaymentEnabled] = Tally(numerator: Decimal(feeEnabled), denominator: Decimal(fee))
            // Only the denominators count: the numerators are distinct over each subtree.
            out[.feeProceduresPaidOnline] = Tally(numerator: 0, denominator: Decimal(fee))
            out[.onlineServicesUsed] = Tally(numerator: 0, denominator: Decimal(online))
        }
        return out
    }

    /// Candidate manual rows (recorded by T, period_end within the year to date); the core picks per period.
    /// `recordedBy`: the last recording instant taken (default T; a past month's publication takes
    /// the figures entered since, up to now).
    static func manualValues(
        _ connection: PostgresConnection, asOf t: Date, periods: [Period], recordedBy: Date? = nil, logger: Logger
    ) async throws -> [ManualValue] {
        let rows = try await connection.query(
            """
            SELECT indicator, unit_id, period_end::text, numerator, denominator, recorded_at
            FROM manual_values
            WHERE recorded_at <= \(recordedBy ?? t)
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

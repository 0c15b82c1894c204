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
}

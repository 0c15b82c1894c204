import ChisoCore
import Foundation

/// The JSON document as `JSONEncoder` (sorted keys, slashes unescaped) made it before
/// `SnapshotJSON` wrote it by hand: the reference the writer must match byte for byte.
enum JSONEncoderReference {
    struct Document: Encodable {
        /// Nil in `members` (the daemon writes them in `times`).
        var as_of: String?
        var refreshed_at: String?
        var time_zone: String
        var plan: String
        var indicators: [Indicator]
        var overdue_tasks: [Task]
        /// Open tasks due from today to today + 7 (an extension of interface.md), with `days_left`.
        var due_soon_tasks: [Task]
        var units: [UnitEntry]
    }

    struct Indicator: Encodable {
        var indicator: String
        var unit: String
        var period: String
        var name_vi: String
        var name_en: String
        var plan_ref: String
        var source: String
        var comparator: String
        var target: Decimal
        var numerator: Decimal
        var denominator: Decimal
        var value: Double?
        var status: String

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(indicator, forKey: .indicator)
            try c.encode(unit, forKey: .unit)
            try c.encode(period, forKey: .period)
            try c.encode(name_vi, forKey: .name_vi)
            try c.encode(name_en, forKey: .name_en)
            try c.encode(plan_ref, forKey: .plan_ref)
            try c.encode(source, forKey: .source)
            try c.encode(comparator, forKey: .comparator)
            try c.encode(target, forKey: .target)
            try c.encode(numerator, forKey: .numerator)
            try c.encode(denominator, forKey: .denominator)
            try c.encode(value, forKey: .value)  // explicit null when there is no data
            try c.encode(status, forKey: .status)
        }

        enum CodingKeys: String, CodingKey {
            case indicator, unit, period, name_vi, name_en, plan_ref, source, comparator, target, numerator, denominator, value, status
        }
    }

    struct Task: Encodable {
        var id: String
        var plan_ref: String?
        var title: String
        var lead_unit: String
        var monitoring_unit: String?
        var due_date: String
        /// One of the two: an overdue task's days past due, or a due-soon task's days left (nil keys are left out).
        var days_overdue: Int?
        var days_left: Int? = nil
    }

    struct UnitEntry: Encodable {
        var id: String
        var parent: String?
        var name: String
        var kind: String
        var tasks_overdue: Int
        var dossiers_overdue: Int
    }

    static func encode(_ snapshot: Snapshot, times: Bool = true) -> Data {
        let calendar = PlanCalendar(timeZone: snapshot.timeZone)
        let definitions = Dictionary(snapshot.catalogue.indicators.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let document = Document(
            as_of: times ? calendar.rfc3339(snapshot.asOf) : nil,
            refreshed_at: times ? calendar.rfc3339(snapshot.refreshedAt) : nil,
            time_zone: snapshot.timeZone.identifier,
            plan: snapshot.catalogue.plan,
            indicators: snapshot.results.compactMap { result in
                guard let definition = definitions[result.indicator] else { return nil }
                return Indicator(
                    indicator: result.indicator, unit: result.unitID, period: result.period.rawValue,
                    name_vi: definition.nameVI, name_en: definition.nameEN, plan_ref: definition.planRef,
                    source: definition.source.rawValue, comparator: definition.comparator.rawValue,
                    target: definition.target, numerator: result.tally.numerator, denominator: result.tally.denominator,
                    value: result.value, status: result.status.rawValue)
            },
            overdue_tasks: snapshot.overdueTasks.map {
                Task(
                    id: $0.task.id, plan_ref: $0.task.planRef, title: $0.task.title, lead_unit: $0.task.leadUnitID,
                    monitoring_unit: $0.task.monitoringUnitID, due_date: $0.task.dueDate.description, days_overdue: $0.daysOverdue)
            },
            due_soon_tasks: snapshot.dueSoonTasks.map {
                Task(
                    id: $0.task.id, plan_ref: $0.task.planRef, title: $0.task.title, lead_unit: $0.task.leadUnitID,
                    monitoring_unit: $0.task.monitoringUnitID, due_date: $0.task.dueDate.description, days_overdue: nil, days_left: $0.daysLeft)
            },
            units: snapshot.units.map {
                UnitEntry(
                    id: $0.id, parent: $0.parentID, name: $0.name, kind: $0.kind,
                    tasks_overdue: snapshot.tasksOverdueByUnit[$0.id] ?? 0,
                    dossiers_overdue: snapshot.dossiersOverdueByUnit[$0.id] ?? 0)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // The document is plain data; encoding cannot fail.
        return (try? encoder.encode(document)) ?? Data("{}".utf8)
    }
}

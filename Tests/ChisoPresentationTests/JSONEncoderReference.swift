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
        var qd766: [QD766]
    }

    struct QD766: Encodable {
        var unit: String
        var period: String
        var score: Decimal
        var band: String
        var groups: [QD766Group]
        var indicators: [QD766Indicator]
        var actions: [QD766Action]
    }

    struct QD766Action: Encodable {
        var id: String
        var gain: Decimal
        var amount: Decimal?
        var points_each: Decimal?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(gain, forKey: .gain)
            try c.encode(amount, forKey: .amount)  // explicit null: a figure to enter
            try c.encodeIfPresent(points_each, forKey: .points_each)
        }

        enum CodingKeys: String, CodingKey { case id, gain, amount, points_each }
    }

    struct QD766Group: Encodable {
        var group: String
        var score: Decimal
        var max: Decimal
        var estimate: Decimal?
    }

    struct QD766Indicator: Encodable {
        var id: String
        var group: String
        var numerator: Decimal
        var denominator: Decimal
        var ratio: Double?
        var points: Decimal
        var max: Decimal
        var source: String
        var inherited_from: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(group, forKey: .group)
            try c.encode(numerator, forKey: .numerator)
            try c.encode(denominator, forKey: .denominator)
            try c.encode(ratio, forKey: .ratio)  // explicit null when there is no data
            try c.encode(points, forKey: .points)
            try c.encode(max, forKey: .max)
            try c.encode(source, forKey: .source)
            try c.encodeIfPresent(inherited_from, forKey: .inherited_from)
        }

        enum CodingKeys: String, CodingKey {
            case id, group, numerator, denominator, ratio, points, max, source, inherited_from
        }
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
            },
            qd766: snapshot.qd766.map { result in
                QD766(
                    unit: result.unitID, period: result.period.rawValue, score: result.score, band: result.band,
                    groups: result.groups.map { QD766Group(group: $0.group, score: $0.score, max: $0.max, estimate: $0.estimate) },
                    indicators: result.indicators.map {
                        QD766Indicator(
                            id: $0.id, group: $0.group, numerator: $0.numerator, denominator: $0.denominator, ratio: $0.ratio?.double,
                            points: $0.points, max: $0.max, source: $0.source.rawValue, inherited_from: $0.inheritedFrom)
                    },
                    actions: result.actions.map { QD766Action(id: $0.id, gain: $0.gain, amount: $0.amount, points_each: $0.pointsEach) })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // The document is plain data; encoding cannot fail.
        return (try? encoder.encode(document)) ?? Data("{}".utf8)
    }
}

import ChisoCore
import Foundation

/// The plan's appendix as data (`plan/ke-hoach-cchc-2026.tsv`): one row per appendix row, in the
/// plan's own words, with the unit ids its lead and monitoring units map to. Each row becomes one
/// task per deadline milestone (`DeadlineRules`), with ids `KH2026-II.11`, or `KH2026-II.10-01`…
/// for a row with several milestones. A deadline phrase no rule covers fails the load.
public struct PlanTask: Sendable, Equatable {
    public var id: String
    public var planRef: String
    public var title: String
    public var product: String?
    public var leadUnitID: String
    public var coordinating: String?
    public var monitoringUnitID: String?
    public var dueDate: LocalDate?
    public var deadline: String
    public var kind: DeadlineRules.Milestone.Kind
    /// The line of the plan file the task comes from.
    public var line: Int
}

public enum PlanFile {
    public static let requiredColumns = ["plan_ref", "title", "deadline", "lead_unit_id"]
    public static let optionalColumns = ["product", "lead", "coordinating", "monitoring", "monitoring_unit_id"]

    public static func parse(_ data: Data, fileName: String, planYear: Int) throws(ImportErrors) -> [PlanTask] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImportErrors(messages: ["\(fileName): not UTF-8 text"])
        }
        var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        guard let headerLine = lines.first, !headerLine.isEmpty else {
            throw ImportErrors(messages: ["\(fileName): is empty; the first line must name the columns"])
        }
        let header = headerLine.components(separatedBy: "\t")
        var errors: [String] = []
        for name in header where !requiredColumns.contains(name) && !optionalColumns.contains(name) {
            errors.append("\(fileName):1: unknown column '\(name)' (columns: \((requiredColumns + optionalColumns).joined(separator: ", ")))")
        }
        for name in requiredColumns where !header.contains(name) {
            errors.append("\(fileName):1: column '\(name)' is missing")
        }
        if !errors.isEmpty { throw ImportErrors(messages: errors) }
        let index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })

        var tasks: [PlanTask] = []
        var refs: [String: Int] = [:]
        for (offset, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let number = offset + 1
            let cells = line.components(separatedBy: "\t")
            guard cells.count == header.count else {
                errors.append("\(fileName):\(number): \(cells.count) fields, the header has \(header.count)")
                continue
            }
            func cell(_ name: String) -> String? {
                index[name].map { cells[$0].trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            guard let ref = cell("plan_ref"), let title = cell("title"), let deadline = cell("deadline"), let lead = cell("lead_unit_id") else {
                let missing = requiredColumns.filter { cell($0) == nil }
                errors.append("\(fileName):\(number): \(missing.joined(separator: ", ")) empty")
                continue
            }
            if let first = refs[ref] {
                errors.append("\(fileName):\(number): plan_ref \(ref) already on line \(first)")
                continue
            }
            refs[ref] = number
            let milestones: [DeadlineRules.Milestone]
            do {
                milestones = try DeadlineRules.milestones(for: deadline, planYear: planYear)
            } catch {
                errors.append("\(fileName):\(number): deadline: \(error)")
                continue
            }
            for (position, milestone) in milestones.enumerated() {
                let several = milestones.count > 1
                let suffix = several ? "-" + LocalDate.pad(position + 1, 2) : ""
                tasks.append(
                    PlanTask(
                        id: "KH\(planYear)-\(ref)\(suffix)", planRef: ref,
                        title: several ? "\(title) — \(milestone.label)" : title,
                        product: cell("product"), leadUnitID: lead, coordinating: cell("coordinating"),
                        monitoringUnitID: cell("monitoring_unit_id"), dueDate: milestone.dueDate, deadline: deadline,
                        kind: milestone.kind, line: number))
            }
        }
        if !errors.isEmpty {
            throw ImportErrors(messages: Array(errors.prefix(ImportPreparer.maxErrors)), truncated: errors.count > ImportPreparer.maxErrors)
        }
        return tasks
    }

    /// The tasks as a `tasks` import: new tasks open; an existing task keeps its status and done_at.
    public static func prepared(_ tasks: [PlanTask]) -> PreparedImport {
        let table = InputTable.named("tasks")!
        let columns = ["id", "plan_ref", "source", "title", "product", "lead_unit_id", "coordinating", "monitoring_unit_id", "due_date", "status"]
        func text(_ value: String?) -> ParsedValue { value.map { .text($0) } ?? .null }
        let lines = tasks.map { task in
            [
                text(task.id), text(task.planRef), .text("plan"), text(task.title), text(task.product), text(task.leadUnitID),
                text(task.coordinating), text(task.monitoringUnitID), task.dueDate.map { .date($0) } ?? .null, .text("open"),
            ]
            .map(\.copyText).joined(separator: "\t")
        }
        return PreparedImport(table: table, columns: columns, copyLines: lines, fileLines: tasks.map(\.line))
    }

    /// Columns a re-import of the plan may change: the plan's content, never the task's progress.
    public static let updatableColumns = ["plan_ref", "source", "title", "product", "lead_unit_id", "coordinating", "monitoring_unit_id", "due_date"]
}

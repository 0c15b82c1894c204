import ChisoCore
import Foundation

/// The JSON form of a snapshot (`/api/v1/snapshot`, `chiso snapshot --format json`).
///
/// The served document starts with `"stale"`, which changes between refreshes while the rest does
/// not, then the snapshot's times, which change at every refresh while its figures often do not:
/// `members` is encoded once per change of the figures, `times` once per snapshot, and each answer
/// is `opening(stale:)` + `times` + `members`.
public enum SnapshotJSON {
    /// The members of the document after its opening `{`, without `as_of` and `refreshed_at`.
    public static func members(_ snapshot: Snapshot) -> Data {
        var document = encode(snapshot, times: false)
        if document.first == UInt8(ascii: "{") { document.removeFirst() }
        return document
    }

    /// The start of the served document, up to the members: `{"stale":false,`.
    public static func opening(stale: Bool) -> String { stale ? #"{"stale":true,"# : #"{"stale":false,"# }

    /// `"as_of":"…","refreshed_at":"…",`: the members that follow `opening` in the served document.
    public static func times(_ snapshot: Snapshot) -> String {
        let calendar = PlanCalendar(timeZone: snapshot.timeZone)
        return #""as_of":"\#(calendar.rfc3339(snapshot.asOf))","refreshed_at":"\#(calendar.rfc3339(snapshot.refreshedAt))","#
    }

    /// The whole document (`chiso snapshot --format json`); `times: false` leaves out `as_of` and `refreshed_at`.
    ///
    /// Written straight into bytes, keys in sorted order (what `JSONEncoder` with `.sortedKeys`
    /// gave, byte for byte): a province's document holds ~10^5 indicators, and `JSONEncoder`
    /// builds the whole tree before writing it (measured at province scale: 180 MB more peak
    /// memory and most of the refresh's rendering time).
    public static func encode(_ snapshot: Snapshot, times: Bool = true) -> Data {
        let calendar = PlanCalendar(timeZone: snapshot.timeZone)
        let definitions = Dictionary(snapshot.catalogue.indicators.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out = JSONWriter()
        out.bytes.reserveCapacity(4096 + snapshot.results.count * 330)
        out.raw("{")
        if times { out.field("as_of", first: true) { $0.string(calendar.rfc3339(snapshot.asOf)) } }
        out.field("due_soon_tasks", first: !times) { out in
            out.array(snapshot.dueSoonTasks) { out, entry in task(entry.task, daysLeft: entry.daysLeft, daysOverdue: nil, into: &out) }
        }
        out.field("indicators") { out in indicators(snapshot, definitions: definitions, into: &out) }
        out.field("overdue_tasks") { out in
            out.array(snapshot.overdueTasks) { out, entry in task(entry.task, daysLeft: nil, daysOverdue: entry.daysOverdue, into: &out) }
        }
        out.field("plan") { $0.string(snapshot.catalogue.plan) }
        out.field("qd766") { out in qd766(snapshot.qd766, into: &out) }
        if times { out.field("refreshed_at") { $0.string(calendar.rfc3339(snapshot.refreshedAt)) } }
        out.field("time_zone") { $0.string(snapshot.timeZone.identifier) }
        out.field("units") { out in
            out.array(snapshot.units) { out, unit in
                out.raw("{")
                out.field("dossiers_overdue", first: true) { $0.raw(String(snapshot.dossiersOverdueByUnit[unit.id] ?? 0)) }
                out.field("id") { $0.string(unit.id) }
                out.field("kind") { $0.string(unit.kind) }
                out.field("name") { $0.string(unit.name) }
                if let parent = unit.parentID { out.field("parent") { $0.string(parent) } }
                out.field("tasks_overdue") { $0.raw(String(snapshot.tasksOverdueByUnit[unit.id] ?? 0)) }
                out.raw("}")
            }
        }
        out.raw("}")
        return Data(out.bytes)
    }

    /// The indicators, in the snapshot's order.
    static func indicators(_ snapshot: Snapshot, definitions: [String: IndicatorDefinition], into out: inout JSONWriter) {
        // What an indicator's entries share is written once per indicator, a unit's id once per
        // unit (the results come unit by unit): a province writes 10^5 entries, and escaping the
        // same names each time was a third of writing the document (perf).
        let parts = definitions.mapValues(EntryParts.init)
        var unit: (id: String, json: [UInt8])? = nil
        out.raw("[")
        var first = true
        for result in snapshot.results {
            guard let part = parts[result.indicator] else { continue }
            if unit?.id != result.unitID {
                var json = JSONWriter()
                json.string(result.unitID)
                unit = (result.unitID, json.bytes)
            }
            out.bytes.append(contentsOf: first ? part.opening : part.nextOpening)
            first = false
            out.decimal(result.tally.denominator)
            out.bytes.append(contentsOf: part.untilNumerator)
            out.decimal(result.tally.numerator)
            out.field("period") { $0.string(result.period.rawValue) }
            out.bytes.append(contentsOf: part.untilStatus)
            out.field("status") { $0.string(result.status.rawValue) }
            out.bytes.append(contentsOf: part.untilUnit)
            out.bytes.append(contentsOf: unit?.json ?? [])
            // An explicit null when there is no data.
            out.field("value") { $0.double(result.value) }
            out.raw("}")
        }
        out.raw("]")
    }

    /// An indicator entry's members that come from its definition, in key order around the
    /// result's own: `{"comparator":…,"denominator":` · n · `,"indicator":…,"name_vi":…,"numerator":`
    /// · n · `,"period":…` · `,"plan_ref":…,"source":…` · `,"status":…` · `,"target":…,"unit":` · unit · `,"value":…}`.
    struct EntryParts {
        let opening: [UInt8], nextOpening: [UInt8], untilNumerator: [UInt8], untilStatus: [UInt8], untilUnit: [UInt8]

        init(_ definition: IndicatorDefinition) {
            var opening = JSONWriter()
            opening.raw("{")
            opening.field("comparator", first: true) { $0.string(definition.comparator.rawValue) }
            opening.raw(",\"denominator\":")
            self.opening = opening.bytes
            nextOpening = Array(",".utf8) + opening.bytes
            var middle = JSONWriter()
            middle.field("indicator") { $0.string(definition.id) }
            middle.field("name_en") { $0.string(definition.nameEN) }
            middle.field("name_vi") { $0.string(definition.nameVI) }
            middle.raw(",\"numerator\":")
            untilNumerator = middle.bytes
            var plan = JSONWriter()
            plan.field("plan_ref") { $0.string(definition.planRef) }
            plan.field("source") { $0.string(definition.source.rawValue) }
            untilStatus = plan.bytes
            var target = JSONWriter()
            target.field("target") { $0.decimal(definition.target) }
            target.raw(",\"unit\":")
            untilUnit = target.bytes
        }
    }

    /// The QĐ 766 estimates (`qd766.md`, "Output names"), keys in sorted order; an inherited manual
    /// figure names the unit it comes from (`inherited_from`); `actions`: what would raise the score
    /// most first (`amount` null: a figure to enter by hand).
    static func qd766(_ results: [QD766Result], into out: inout JSONWriter) {
        out.array(results) { out, result in
            out.raw("{")
            out.field("actions", first: true) { out in
                out.array(result.actions) { out, action in
                    out.raw("{")
                    out.field("amount", first: true) { out in action.amount.map { out.decimal($0) } ?? out.raw("null") }
                    out.field("gain") { $0.decimal(action.gain) }
                    out.field("id") { $0.string(action.id) }
                    if let each = action.pointsEach { out.field("points_each") { $0.decimal(each) } }
                    out.raw("}")
                }
            }
            out.field("band") { $0.string(result.band) }
            out.field("groups") { out in
                out.array(result.groups) { out, group in
                    out.raw("{")
                    // chiso's own estimate of the group where the portal's figures replaced some of its own.
                    if let estimate = group.estimate { out.field("estimate", first: true) { $0.decimal(estimate) } }
                    out.field("group", first: group.estimate == nil) { $0.string(group.group) }
                    out.field("max") { $0.decimal(group.max) }
                    out.field("score") { $0.decimal(group.score) }
                    out.raw("}")
                }
            }
            out.field("indicators") { out in
                out.array(result.indicators) { out, entry in
                    out.raw("{")
                    out.field("denominator", first: true) { $0.decimal(entry.denominator) }
                    out.field("group") { $0.string(entry.group) }
                    out.field("id") { $0.string(entry.id) }
                    if let from = entry.inheritedFrom { out.field("inherited_from") { $0.string(from) } }
                    out.field("max") { $0.decimal(entry.max) }
                    out.field("numerator") { $0.decimal(entry.numerator) }
                    out.field("points") { $0.decimal(entry.points) }
                    out.field("ratio") { $0.double(entry.ratio?.double) }
                    out.field("source") { $0.string(entry.source.rawValue) }
                    out.raw("}")
                }
            }
            out.field("period") { $0.string(result.period.rawValue) }
            out.field("score") { $0.decimal(result.score) }
            out.field("unit") { $0.string(result.unitID) }
            out.raw("}")
        }
    }

    /// A task: an overdue one has `days_overdue`, a due-soon one `days_left` (absent keys are left out).
    static func task(_ task: OpenTask, daysLeft: Int?, daysOverdue: Int?, into out: inout JSONWriter) {
        out.raw("{")
        var first = true
        if let daysLeft {
            out.field("days_left", first: true) { $0.raw(String(daysLeft)) }
            first = false
        }
        if let daysOverdue {
            out.field("days_overdue", first: first) { $0.raw(String(daysOverdue)) }
            first = false
        }
        out.field("due_date", first: first) { $0.string(task.dueDate.description) }
        out.field("id") { $0.string(task.id) }
        out.field("lead_unit") { $0.string(task.leadUnitID) }
        if let monitoring = task.monitoringUnitID { out.field("monitoring_unit") { $0.string(monitoring) } }
        if let planRef = task.planRef { out.field("plan_ref") { $0.string(planRef) } }
        out.field("title") { $0.string(task.title) }
        out.raw("}")
    }
}

/// JSON text written into bytes: strings escaped as `JSONEncoder` escapes them (quote, backslash,
/// control characters; `/` and non-ASCII left as they are), numbers as their shortest exact form.
struct JSONWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// `"name":` and the value `write` writes, after a comma unless it is the object's first member.
    mutating func field(_ name: String, first: Bool = false, _ write: (inout JSONWriter) -> Void) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        string(name)
        bytes.append(UInt8(ascii: ":"))
        write(&self)
    }

    mutating func array<Element>(_ elements: [Element], _ write: (inout JSONWriter, Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            write(&self, element)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most text needs no escape: copied whole.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func decimal(_ value: Decimal) {
        value.isNaN ? raw("null") : raw(value.description)
    }

    mutating func double(_ value: Double?) {
        guard let value, value.isFinite else { return raw("null") }
        // The shortest form that reads back exactly; a whole number without ".0", as JSONEncoder writes it.
        let text = value.description
        raw(text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
    }
}

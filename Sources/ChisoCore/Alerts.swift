import Foundation

/// When digests go out and what they escalate: the alert rules of the plan, as settings.
public struct AlertPolicy: Sendable, Equatable {
    /// Local time of the daily digest, in minutes after midnight (07:30 → 450).
    public var sendAtMinute: Int
    /// ISO weekdays that are working days (1 = Monday … 7 = Sunday).
    public var workingDays: Set<Int>
    public var holidays: Set<LocalDate>
    /// Tasks due within this many days (today included) are announced as coming due.
    public var warnDays: Int
    /// A task overdue by at least this many days also goes to the unit head and the monitoring unit.
    public var escalateAfterDays: Int

    public init(
        sendAtMinute: Int = 7 * 60 + 30, workingDays: Set<Int> = [1, 2, 3, 4, 5], holidays: Set<LocalDate> = [],
        warnDays: Int = 3, escalateAfterDays: Int = 7
    ) {
        self.sendAtMinute = sendAtMinute
        self.workingDays = workingDays
        self.holidays = holidays
        self.warnDays = warnDays
        self.escalateAfterDays = escalateAfterDays
    }

    public func isWorkingDay(_ day: LocalDate) -> Bool {
        workingDays.contains(day.isoWeekday) && !holidays.contains(day)
    }

    /// Whether today's digests are due at `instant`: a working day, at or after the sending time.
    public func digestsAreDue(at instant: Date, calendar: PlanCalendar) -> Bool {
        let day = calendar.localDate(of: instant)
        guard isWorkingDay(day) else { return false }
        let minute = Int(instant.timeIntervalSince(calendar.startOfDay(day)) / 60)
        return minute >= sendAtMinute
    }
}

extension LocalDate {
    /// ISO weekday: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    public var isoWeekday: Int { ((dayNumber % 7 + 7 + 3) % 7) + 1 }
}

/// A task completed as of T (for "đã hoàn thành" in the next digest).
public struct CompletedTask: Sendable, Hashable {
    public var id: String
    public var planRef: String?
    public var title: String
    public var leadUnitID: String
    public var doneAt: Date

    public init(id: String, planRef: String?, title: String, leadUnitID: String, doneAt: Date) {
        self.id = id
        self.planRef = planRef
        self.title = title
        self.leadUnitID = leadUnitID
        self.doneAt = doneAt
    }
}

/// One dossier named in a digest: overdue and unfinished, or late without an apology letter.
public struct DossierLine: Sendable, Hashable {
    public var code: String
    public var procedure: String
    public var receivedAt: Date
    public var dueAt: Date?

    public init(code: String, procedure: String, receivedAt: Date, dueAt: Date?) {
        self.code = code
        self.procedure = procedure
        self.receivedAt = receivedAt
        self.dueAt = dueAt
    }
}

/// What the alert pass reads (storage fills it in the same transaction that records the decision).
public struct AlertInputs: Sendable {
    public var units: [Unit]
    /// Open as of T with a due date up to today + warn days (overdue ones included).
    public var openTasks: [OpenTask]
    /// Completed recently (storage reads a window; the planner keeps those after each unit's last digest).
    public var completedTasks: [CompletedTask]
    /// Unfinished dossiers past due as of T, per own unit.
    public var overdueDossiers: [String: Int]
    /// Dossiers of the year that are late and have no apology letter as of T, per own unit.
    public var lateWithoutApology: [String: Int]
    /// The first dossiers of each kind per own unit (most overdue first), named in the digest.
    public var overdueDossierLines: [String: [DossierLine]] = [:]
    public var unapologisedDossierLines: [String: [DossierLine]] = [:]

    /// How many dossiers of each kind a digest names (the counts are always whole).
    public static let dossierLinesPerDigest = 20

    public init(
        units: [Unit], openTasks: [OpenTask] = [], completedTasks: [CompletedTask] = [],
        overdueDossiers: [String: Int] = [:], lateWithoutApology: [String: Int] = [:]
    ) {
        self.units = units
        self.openTasks = openTasks
        self.completedTasks = completedTasks
        self.overdueDossiers = overdueDossiers
        self.lateWithoutApology = lateWithoutApology
    }
}

/// The last digest recorded for a unit (from the outbox).
public struct PreviousDigest: Sendable, Hashable {
    public var localDay: LocalDate
    public var decidedAt: Date
    public var messageID: String

    public init(localDay: LocalDate, decidedAt: Date, messageID: String) {
        self.localDay = localDay
        self.decidedAt = decidedAt
        self.messageID = messageID
    }
}

/// One unit's digest for one day: who gets it and what it lists.
public struct Digest: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var task: OpenTask
        /// Days overdue (positive) or days left (0 = due today).
        public var days: Int
        public var escalated: Bool

        public init(task: OpenTask, days: Int, escalated: Bool) {
            self.task = task
            self.days = days
            self.escalated = escalated
        }
    }

    public var unit: Unit
    public var localDay: LocalDate
    public var decidedAt: Date
    /// Empty: nobody to send to (no address on the unit or any ancestor) — recorded as undeliverable.
    public var to: [String]
    public var cc: [String]
    public var overdue: [Line]
    public var dueSoon: [Line]
    public var completed: [CompletedTask]
    public var overdueDossiers: Int
    public var lateWithoutApology: Int
    /// The first of them, by code (most overdue first); the counts above are the totals.
    public var overdueDossierLines: [DossierLine] = []
    public var unapologisedDossierLines: [DossierLine] = []
    /// The previous digest of this unit, to thread the mails.
    public var previousMessageID: String?

    public init(
        unit: Unit, localDay: LocalDate, decidedAt: Date, to: [String], cc: [String], overdue: [Line], dueSoon: [Line],
        completed: [CompletedTask], overdueDossiers: Int, lateWithoutApology: Int, previousMessageID: String?
    ) {
        self.unit = unit
        self.localDay = localDay
        self.decidedAt = decidedAt
        self.to = to
        self.cc = cc
        self.overdue = overdue
        self.dueSoon = dueSoon
        self.completed = completed
        self.overdueDossiers = overdueDossiers
        self.lateWithoutApology = lateWithoutApology
        self.previousMessageID = previousMessageID
    }

    public var escalatedTaskIDs: [String] { overdue.filter(\.escalated).map(\.task.id) }
    public var isDeliverable: Bool { !to.isEmpty }
}

/// Mail addresses as chiso accepts them from the database: plain `local@domain`, nothing that
/// could carry a second address, a display name or a line break into a header.
public enum MailAddress {
    public static func isValid(_ text: String) -> Bool {
        guard text.utf8.count <= 254, let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at], domain = text[text.index(after: at)...]
        guard !local.isEmpty, local.count <= 64, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix(".") else { return false }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-")
        let domainAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        return local.allSatisfy { localAllowed.contains($0) } && domain.allSatisfy { domainAllowed.contains($0) }
            && !local.hasPrefix(".") && !local.hasSuffix(".") && !text.contains("..")
    }
}

/// Decides the day's digests. Pure: same inputs, same digests.
public enum AlertPlanner {
    public static func plan(
        _ inputs: AlertInputs, previous: [String: PreviousDigest], policy: AlertPolicy,
        now: Date, calendar: PlanCalendar
    ) -> [Digest] {
        let today = calendar.localDate(of: now)
        let tree = UnitTree(inputs.units)
        let byID = Dictionary(inputs.units.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

        /// The unit's own valid address, else its nearest ancestor's.
        func nearest(_ unitID: String, _ field: KeyPath<Unit, String?>) -> String? {
            for id in tree.lineage(of: unitID) {
                if let address = byID[id]?[keyPath: field]?.trimmingCharacters(in: .whitespaces), MailAddress.isValid(address) {
                    return address
                }
            }
            return nil
        }

        let horizon = today.adding(days: policy.warnDays)
        var digests: [Digest] = []
        for unit in tree.units {
            if previous[unit.id]?.localDay == today { continue }  // already decided today
            let tasks = inputs.openTasks.filter { $0.leadUnitID == unit.id }
            let overdue = tasks.filter { $0.dueDate < today }
                .map {
                    Digest.Line(task: $0, days: $0.dueDate.days(until: today), escalated: $0.dueDate.days(until: today) >= policy.escalateAfterDays)
                }
                .sorted { ($0.days, $1.task.id) > ($1.days, $0.task.id) }
            let dueSoon =
                policy.warnDays > 0
                ? tasks.filter { $0.dueDate >= today && $0.dueDate <= horizon }
                    .map { Digest.Line(task: $0, days: today.days(until: $0.dueDate), escalated: false) }
                    .sorted { ($0.days, $0.task.id) < ($1.days, $1.task.id) }
                : []
            let since = previous[unit.id]?.decidedAt
            let completed = inputs.completedTasks
                .filter { task in task.leadUnitID == unit.id && task.doneAt <= now && since.map { task.doneAt > $0 } == true }
                .sorted { ($0.doneAt, $0.id) < ($1.doneAt, $1.id) }
            let dossiers = inputs.overdueDossiers[unit.id] ?? 0
            let unapologised = inputs.lateWithoutApology[unit.id] ?? 0
            guard !overdue.isEmpty || !dueSoon.isEmpty || !completed.isEmpty || dossiers > 0 || unapologised > 0 else { continue }

            let to = nearest(unit.id, \.alertEmail).map { [$0] } ?? []
            var cc: [String] = []
            if overdue.contains(where: \.escalated) {
                if let head = nearest(unit.id, \.headEmail) { cc.append(head) }
                for monitoring in Set(overdue.filter(\.escalated).compactMap(\.task.monitoringUnitID)).sorted() {
                    if let address = nearest(monitoring, \.alertEmail) { cc.append(address) }
                }
            }
            var seen = Set(to.map { $0.lowercased() })
            cc = cc.filter { seen.insert($0.lowercased()).inserted }
            var digest = Digest(
                unit: unit, localDay: today, decidedAt: now, to: to, cc: to.isEmpty ? [] : cc,
                overdue: overdue, dueSoon: dueSoon, completed: completed,
                overdueDossiers: dossiers, lateWithoutApology: unapologised,
                previousMessageID: previous[unit.id]?.messageID)
            digest.overdueDossierLines = inputs.overdueDossierLines[unit.id] ?? []
            digest.unapologisedDossierLines = inputs.unapologisedDossierLines[unit.id] ?? []
            digests.append(digest)
        }
        return digests
    }
}

import ChisoCore
import Foundation
import Testing

/// Who gets which digest, and when: decided in the core with the clock as a parameter.
@Suite struct AlertPlannerTests {
    let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
    func at(_ text: String) -> Date { calendar.parseInstant(text)! }

    let units = [
        Unit(id: "c", parentID: nil, name: "Xã", kind: "commune", alertEmail: "ubnd@x.vn", headEmail: "chutich@x.vn"),
        Unit(id: "c/kt", parentID: "c", name: "Kinh tế", kind: "department", alertEmail: "kt@x.vn", headEmail: "tp.kt@x.vn"),
        Unit(id: "c/vh", parentID: "c", name: "Văn hóa", kind: "department", alertEmail: "vh@x.vn"),
        Unit(id: "c/ca", parentID: "c", name: "Công an", kind: "other"),
        Unit(id: "c/ca/t1", parentID: "c/ca", name: "Tổ 1", kind: "other", alertEmail: "not an address"),
        Unit(id: "o", parentID: nil, name: "Xã khác", kind: "commune"),
    ]

    func task(_ id: String, _ unit: String, due: String, monitoring: String? = nil) -> OpenTask {
        OpenTask(id: id, planRef: "I.1", title: id, leadUnitID: unit, monitoringUnitID: monitoring, dueDate: LocalDate(iso: due)!)
    }

    func plan(_ inputs: AlertInputs, at instant: String, previous: [String: PreviousDigest] = [:], policy: AlertPolicy = AlertPolicy()) -> [Digest] {
        AlertPlanner.plan(inputs, previous: previous, policy: policy, now: at(instant), calendar: calendar)
    }

    @Test func workingDaysHolidaysAndTheSendingTime() {
        let policy = AlertPolicy(holidays: [LocalDate(year: 2026, month: 9, day: 2)])
        #expect(policy.digestsAreDue(at: at("2026-06-15T07:30:00+07:00"), calendar: calendar))  // Monday 07:30
        #expect(!policy.digestsAreDue(at: at("2026-06-15T07:29:59+07:00"), calendar: calendar))
        #expect(!policy.digestsAreDue(at: at("2026-06-13T09:00:00+07:00"), calendar: calendar))  // Saturday
        #expect(!policy.digestsAreDue(at: at("2026-06-14T09:00:00+07:00"), calendar: calendar))  // Sunday
        #expect(!policy.digestsAreDue(at: at("2026-09-02T09:00:00+07:00"), calendar: calendar))  // a holiday (Wednesday)
        // 00:30 UTC on Monday is 07:30 in Hà Nội; 23:59 UTC on Sunday is already Monday 06:59 there.
        #expect(policy.digestsAreDue(at: Date(timeIntervalSince1970: 1_781_483_400), calendar: calendar))
        #expect(LocalDate(year: 2026, month: 6, day: 15).isoWeekday == 1)
        #expect(LocalDate(year: 2026, month: 6, day: 14).isoWeekday == 7)
    }

    @Test func overdueDueSoonAndEscalation() throws {
        let inputs = AlertInputs(
            units: units,
            openTasks: [
                task("late7", "c/kt", due: "2026-06-08", monitoring: "c/vh"),  // 7 days: escalated
                task("late6", "c/kt", due: "2026-06-09", monitoring: "c/vh"),  // 6 days: not
                task("today", "c/kt", due: "2026-06-15"),
                task("in3", "c/kt", due: "2026-06-18"),  // warn_days 3: included
                task("in4", "c/kt", due: "2026-06-19"),  // not
            ])
        let digests = plan(inputs, at: "2026-06-15T08:00:00+07:00")
        #expect(digests.count == 1)
        let kt = try #require(digests.first)
        #expect(kt.overdue.map(\.task.id) == ["late7", "late6"])
        #expect(kt.overdue.map(\.days) == [7, 6])
        #expect(kt.overdue.map(\.escalated) == [true, false])
        #expect(kt.dueSoon.map(\.task.id) == ["today", "in3"])
        #expect(kt.dueSoon.map(\.days) == [0, 3])
        #expect(kt.to == ["kt@x.vn"])
        #expect(kt.cc == ["tp.kt@x.vn", "vh@x.vn"])  // the unit's head, the monitoring unit
        #expect(kt.escalatedTaskIDs == ["late7"])
        // Without escalation, no Cc.
        let mild = plan(
            AlertInputs(units: units, openTasks: [task("late6", "c/kt", due: "2026-06-09", monitoring: "c/vh")]), at: "2026-06-15T08:00:00+07:00")
        #expect(mild.first?.cc == [])
    }

    @Test func recipientsFallBackToTheNearestAncestorOrAreUndeliverable() throws {
        let inputs = AlertInputs(
            units: units,
            openTasks: [
                task("a", "c/ca", due: "2026-06-01"), task("b", "c/ca/t1", due: "2026-06-01"), task("z", "o", due: "2026-06-01"),
            ])
        let digests = plan(inputs, at: "2026-06-15T08:00:00+07:00")
        let byUnit = Dictionary(uniqueKeysWithValues: digests.map { ($0.unit.id, $0) })
        #expect(byUnit["c/ca"]?.to == ["ubnd@x.vn"])
        #expect(byUnit["c/ca"]?.cc == ["chutich@x.vn"])  // escalated: the nearest head
        #expect(byUnit["c/ca/t1"]?.to == ["ubnd@x.vn"])  // its own address is not valid
        #expect(byUnit["o"]?.to == [])  // nobody: undeliverable, still decided
        #expect(byUnit["o"]?.isDeliverable == false)
        #expect(byUnit["o"]?.cc == [])
    }

    @Test func nothingToReportNoDigest() {
        let inputs = AlertInputs(units: units, openTasks: [task("far", "c/kt", due: "2026-07-30")])
        #expect(plan(inputs, at: "2026-06-15T08:00:00+07:00").isEmpty)
    }

    @Test func dossiersAloneMakeADigest() throws {
        let inputs = AlertInputs(units: units, overdueDossiers: ["c/vh": 2], lateWithoutApology: ["c/vh": 3])
        let digest = try #require(plan(inputs, at: "2026-06-15T08:00:00+07:00").first)
        #expect(digest.unit.id == "c/vh" && digest.overdueDossiers == 2 && digest.lateWithoutApology == 3)
    }

    @Test func oncePerDayAndCompletedSinceTheLastDigest() throws {
        let monday = at("2026-06-15T08:00:00+07:00")
        let previous = ["c/kt": PreviousDigest(localDay: LocalDate(year: 2026, month: 6, day: 15), decidedAt: monday, messageID: "<m1@x>")]
        let inputs = AlertInputs(
            units: units, openTasks: [task("late", "c/kt", due: "2026-06-01")],
            completedTasks: [
                CompletedTask(id: "before", planRef: nil, title: "t", leadUnitID: "c/kt", doneAt: at("2026-06-15T07:00:00+07:00")),
                CompletedTask(id: "after", planRef: nil, title: "t", leadUnitID: "c/kt", doneAt: at("2026-06-15T14:00:00+07:00")),
                CompletedTask(id: "future", planRef: nil, title: "t", leadUnitID: "c/kt", doneAt: at("2026-06-16T09:00:00+07:00")),
            ])
        // Same day: already decided.
        #expect(plan(inputs, at: "2026-06-15T16:00:00+07:00", previous: previous).isEmpty)
        // Next day: the completion after Monday's digest, not the one before it nor a row stamped after T.
        let tuesday = try #require(plan(inputs, at: "2026-06-16T08:00:00+07:00", previous: previous).first)
        #expect(tuesday.completed.map(\.id) == ["after"])
        #expect(tuesday.previousMessageID == "<m1@x>")
        // A first digest lists no completions (there is no "previous one").
        #expect(plan(inputs, at: "2026-06-16T08:00:00+07:00").first?.completed.isEmpty == true)
    }

    @Test func addressesThatCouldCarryAHeaderAreRefused() {
        for bad in ["a@b.vn\r\nBcc: x@y.vn", "a@b.vn, x@y.vn", "Name <a@b.vn>", "a b@c.vn", "a@b", "@b.vn", "a@.vn", "a..b@c.vn"] {
            #expect(!MailAddress.isValid(bad), "\(bad) accepted")
        }
        for good in ["kinhte@bacbinh.lamdong.gov.vn", "a.b+c@x-y.vn"] { #expect(MailAddress.isValid(good)) }
    }
}

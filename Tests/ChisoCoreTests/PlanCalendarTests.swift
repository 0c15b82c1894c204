import ChisoCore
import Foundation
import Testing

@Suite struct PlanCalendarTests {
    let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)

    func utc(_ text: String) -> Date { PlanCalendar(timeZone: TimeZone(identifier: "UTC")!).parseInstant(text)! }

    @Test func periodsStartAtLocalMidnightWhichIsFiveInTheAfternoonUTCTheDayBefore() {
        let periods = calendar.periods(asOf: utc("2026-06-15T03:00:00Z"))
        #expect(periods.map(\.kind) == [.year, .quarter, .month])
        #expect(periods[0].start == utc("2025-12-31T17:00:00Z"))
        #expect(periods[1].start == utc("2026-03-31T17:00:00Z"))
        #expect(periods[2].start == utc("2026-05-31T17:00:00Z"))
        #expect(periods.map(\.startDate.description) == ["2026-01-01", "2026-04-01", "2026-06-01"])
        #expect(periods.allSatisfy { $0.endDate == LocalDate(year: 2026, month: 6, day: 15) })
    }

    @Test func theFirstInstantOfAYearBelongsToIt() {
        // 2026-01-01 00:00:00 local == 2025-12-31 17:00:00 UTC
        let periods = calendar.periods(asOf: utc("2025-12-31T17:00:00Z"))
        #expect(periods[0].startDate == LocalDate(year: 2026, month: 1, day: 1))
        #expect(periods[0].start == periods[0].end)
        #expect(periods[1].startDate == LocalDate(year: 2026, month: 1, day: 1))
    }

    @Test func theLastInstantOfAYearIsStillThatYear() {
        // 2025-12-31 23:59:59 local == 16:59:59 UTC
        let periods = calendar.periods(asOf: utc("2025-12-31T16:59:59Z"))
        #expect(periods.map(\.startDate.description) == ["2025-01-01", "2025-10-01", "2025-12-01"])
        #expect(calendar.localDate(of: utc("2025-12-31T16:59:59Z")).description == "2025-12-31")
    }

    @Test(arguments: [(1, 1), (2, 1), (3, 1), (4, 4), (5, 4), (6, 4), (7, 7), (9, 7), (10, 10), (12, 10)])
    func quarterStarts(month: Int, quarterStartMonth: Int) {
        let instant = calendar.startOfDay(LocalDate(year: 2026, month: month, day: 15))
        #expect(calendar.periods(asOf: instant)[1].startDate == LocalDate(year: 2026, month: quarterStartMonth, day: 1))
    }

    @Test func localDatesFollowTheConfiguredZone() {
        let instant = utc("2026-01-15T17:30:00Z")  // 00:30 on the 16th in Hanoi
        #expect(calendar.localDate(of: instant).description == "2026-01-16")
        #expect(PlanCalendar(timeZone: TimeZone(identifier: "UTC")!).localDate(of: instant).description == "2026-01-15")
    }

    @Test func dayArithmetic() {
        let a = LocalDate(year: 2025, month: 12, day: 31), b = LocalDate(year: 2026, month: 6, day: 15)
        #expect(a.days(until: b) == 166)
        #expect(LocalDate(year: 2024, month: 2, day: 28).adding(days: 1).description == "2024-02-29")
        #expect(LocalDate(year: 2026, month: 2, day: 28).adding(days: 1).description == "2026-03-01")
        #expect(LocalDate(dayNumber: 0).description == "1970-01-01")
        #expect(LocalDate(iso: "2026-02-29") == nil)
        #expect(LocalDate(iso: "2026-13-01") == nil)
        #expect(LocalDate(iso: "2026-06-15") == b)
    }

    @Test func parsesInstantsWithAndWithoutOffsets() {
        let t = utc("2026-06-15T03:00:00Z")
        #expect(calendar.parseInstant("2026-06-15T10:00:00+07:00") == t)
        #expect(calendar.parseInstant("2026-06-15T10:00:00+0700") == t)
        #expect(calendar.parseInstant("2026-06-15T03:00:00Z") == t)
        #expect(calendar.parseInstant("2026-06-15T10:00:00") == t)  // local
        #expect(calendar.parseInstant("2026-06-15 10:00") == t)
        #expect(calendar.parseInstant("2026-06-15") == utc("2026-06-14T17:00:00Z"))
        #expect(calendar.parseInstant("2026-06-15T03:00:00.5Z") == t.addingTimeInterval(0.5))
        #expect(calendar.parseInstant("15/06/2026") == nil)
        #expect(calendar.parseInstant("2026-06-15T25:00:00Z") == nil)
        #expect(calendar.parseInstant("yesterday") == nil)
    }

    @Test func formatsRFC3339InTheZone() {
        #expect(calendar.rfc3339(utc("2026-06-15T03:00:00Z")) == "2026-06-15T10:00:00+07:00")
        #expect(PlanCalendar(timeZone: TimeZone(identifier: "UTC")!).rfc3339(utc("2026-06-15T03:00:00Z")) == "2026-06-15T03:00:00Z")
    }
}

import Foundation

/// Monday to Friday, less the configured holidays: the working days QĐ 766 counts deadlines in
/// (`qd766.md`, 5.2). The holidays are the commune's (`alerts.holidays`: the same days the digests
/// skip), since the government announces the year's days off (Tết moves with the lunar calendar).
public struct WorkingDays: Sendable, Equatable {
    public var holidays: Set<LocalDate>

    public init(holidays: Set<LocalDate> = []) { self.holidays = holidays }

    public func isWorkingDay(_ day: LocalDate) -> Bool {
        // 1970-01-01 (day number 0) was a Thursday: 0 Thu … 2 Sat, 3 Sun.
        let weekday = ((day.dayNumber % 7) + 7) % 7
        return weekday != 2 && weekday != 3 && !holidays.contains(day)
    }

    /// The `count`-th working day after `day` (the day itself not counted).
    public func workingDay(_ count: Int, after day: LocalDate) -> LocalDate {
        var current = day
        var left = count
        while left > 0 {
            current = current.adding(days: 1)
            if isWorkingDay(current) { left -= 1 }
        }
        return current
    }
}

/// When feedback turns late for `qd766.petitions_on_time`: it is handled on time when resolved by
/// the end of the 15th working day after the day it was received (that day not counted), and
/// while still open it is on time until then.
public struct FeedbackDeadlines: Sendable {
    public static let workingDayCount = 15
    public let calendar: PlanCalendar
    public let workingDays: WorkingDays

    public init(calendar: PlanCalendar, workingDays: WorkingDays) {
        self.calendar = calendar
        self.workingDays = workingDays
    }

    /// The first instant at which feedback received on `day` and not yet resolved is late.
    public func lateFrom(receivedOn day: LocalDate) -> Date {
        calendar.startOfDay(workingDays.workingDay(Self.workingDayCount, after: day).adding(days: 1))
    }

    public func lateFrom(receivedAt instant: Date) -> Date { lateFrom(receivedOn: calendar.localDate(of: instant)) }

    /// The first instant of the earliest receiving day whose feedback is still not late at T:
    /// open feedback received from then on may still be handled on time.
    public func stillOnTimeFrom(at t: Date) -> Date {
        let today = calendar.localDate(of: t)
        // 15 working days span at most ~3 weeks, a few more with Tết: 90 days back is ample.
        var day = today.adding(days: -90)
        while lateFrom(receivedOn: day) <= t { day = day.adding(days: 1) }
        return calendar.startOfDay(day)
    }

    /// Every local day of a year with the instant its feedback turns late (for the SQL, which
    /// joins feedback to it by local receiving day).
    public func table(year: Int) -> (days: [String], lateFrom: [Date]) {
        let first = LocalDate(year: year, month: 1, day: 1), last = LocalDate(year: year, month: 12, day: 31)
        var days: [String] = [], late: [Date] = []
        var day = first
        while day <= last {
            days.append(day.description)
            late.append(lateFrom(receivedOn: day))
            day = day.adding(days: 1)
        }
        return (days, late)
    }
}

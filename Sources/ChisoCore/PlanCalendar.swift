import Foundation

/// A calendar day in the plan's time zone (`date(x)` of the spec).
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil for anything else or an impossible day.
    public init?(iso text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...LocalDate.daysIn(month: m, year: y)).contains(d)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// `2026-06-15`: the form PostgreSQL's `date` and the JSON API use.
    public var description: String {
        "\(LocalDate.pad(year, 4))-\(LocalDate.pad(month, 2))-\(LocalDate.pad(day, 2))"
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for day arithmetic without a calendar.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int { other.dayNumber - dayNumber }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// The three reporting periods, each "to date" (from its start to T).
public enum PeriodKind: String, Sendable, CaseIterable, Codable, Hashable {
    case year, quarter, month
}

/// A calendar period to date: [start, asOf], with start at local midnight.
public struct Period: Sendable, Hashable {
    public var kind: PeriodKind
    /// S: 00:00 local on the first day of the period.
    public var start: Date
    /// date(S).
    public var startDate: LocalDate
    /// T.
    public var end: Date
    /// date(T).
    public var endDate: LocalDate

    public init(kind: PeriodKind, start: Date, startDate: LocalDate, end: Date, endDate: LocalDate) {
        self.kind = kind
        self.start = start
        self.startDate = startDate
        self.end = end
        self.endDate = endDate
    }
}

/// Turns instants into local dates and periods in the plan's time zone.
public struct PlanCalendar: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// `date(x)`: the local calendar day of an instant.
    public func localDate(of instant: Date) -> LocalDate {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// The instant of local midnight at the start of a day.
    public func startOfDay(_ day: LocalDate) -> Date {
        calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 0, minute: 0, second: 0))!
    }

    /// The year, quarter and month to date of T, in that order.
    public func periods(asOf instant: Date) -> [Period] {
        let today = localDate(of: instant)
        return PeriodKind.allCases.map { kind in
            let first: LocalDate
            switch kind {
            case .year: first = LocalDate(year: today.year, month: 1, day: 1)
            case .quarter: first = LocalDate(year: today.year, month: (today.month - 1) / 3 * 3 + 1, day: 1)
            case .month: first = LocalDate(year: today.year, month: today.month, day: 1)
            }
            return Period(kind: kind, start: startOfDay(first), startDate: first, end: instant, endDate: today)
        }
    }

    /// The last day of T's year (for projections and "rest of the year").
    public func endOfYear(asOf instant: Date) -> LocalDate {
        LocalDate(year: localDate(of: instant).year, month: 12, day: 31)
    }

    /// RFC 3339 with the local offset, e.g. `2026-06-15T10:00:00+07:00` (`Z` in UTC).
    public func rfc3339(_ instant: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        let offset = timeZone.secondsFromGMT(for: instant)
        let zone: String
        if offset == 0 {
            zone = "Z"
        } else {
            let sign = offset < 0 ? "-" : "+"
            let minutes = abs(offset) / 60
            zone = "\(sign)\(LocalDate.pad(minutes / 60, 2)):\(LocalDate.pad(minutes % 60, 2))"
        }
        let date = LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)
        return "\(date)T\(LocalDate.pad(parts.hour!, 2)):\(LocalDate.pad(parts.minute!, 2)):\(LocalDate.pad(parts.second!, 2))\(zone)"
    }

    /// Parses an ISO 8601 instant: `2026-06-15T10:00:00+07:00`, `...Z`, fractional seconds allowed,
    /// or a bare `2026-06-15T10:00:00` / `2026-06-15`, read as local time in this calendar's zone.
    public func parseInstant(_ text: String) -> Date? {
        let pattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/
        guard let match = try? pattern.wholeMatch(in: text) else { return nil }
        let (_, y, mo, d, h, mi, s, frac, zone) = match.output
        guard let day = LocalDate(iso: "\(y)-\(mo)-\(d)") else { return nil }
        let hour = h.flatMap { Int($0) } ?? 0, minute = mi.flatMap { Int($0) } ?? 0, second = s.flatMap { Int($0) } ?? 0
        guard hour < 24, minute < 60, second < 60 else { return nil }
        let fraction = frac.flatMap { Double("0.\($0)") } ?? 0
        let wallSeconds = Double(((day.dayNumber * 24 + hour) * 60 + minute) * 60 + second) + fraction
        if let zone {
            var offset = 0
            if zone != "Z" {
                let digits = zone.dropFirst().filter { $0 != ":" }
                let hours = Int(digits.prefix(2)) ?? 0, minutes = Int(digits.dropFirst(2)) ?? 0
                offset = (hours * 60 + minutes) * 60 * (zone.first == "-" ? -1 : 1)
            }
            return Date(timeIntervalSince1970: wallSeconds - Double(offset))
        }
        var components = DateComponents(year: day.year, month: day.month, day: day.day, hour: hour, minute: minute, second: second)
        components.nanosecond = Int(fraction * 1e9)
        return calendar.date(from: components)
    }
}

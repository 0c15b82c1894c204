import ChisoCore
import Foundation
import Testing

/// Year-end projection, trend geometry, page layout and the print header's escaping, by hand.
@Suite struct ProjectionTests {
    // 2026 has 365 days; day 100 is 10 April. Year to date 90 of 100 on time; this quarter 45 of 48.
    // R = 100 / 100 × 265 = 265 cases still to come.
    let year = Tally(numerator: 90, denominator: 100)
    let quarter = Tally(numerator: 45, denominator: 48)

    func project(_ target: String, _ comparator: TargetComparator = .greaterOrEqual, recent: Tally? = nil) -> YearEndProjection? {
        YearEndProjection.project(year: year, recent: recent ?? quarter, dayOfYear: 100, daysInYear: 365,
                                  comparator: comparator, target: Decimal(string: target)!)
    }

    @Test func projectedValueBlendsTheYearWithTheRecentPace() throws {
        let projection = try #require(project("0.98"))
        // (90 + 45/48 × 265) / (100 + 265) = 338.4375 / 365
        let expected: Double = 338.4375 / 365
        #expect(abs(projection.projected - expected) < 1e-12)
        #expect(projection.expectedRemaining == 265)
    }

    @Test func requiredRateOverTheRestOfTheYear() throws {
        // 0.9 × 365 − 90 = 238.5; 238.5 / 265 = 0.9
        let needs = try #require(project("0.9"))
        guard case .needs(let rate) = needs.outlook else { Issue.record("expected .needs, got \(needs.outlook)"); return }
        #expect(abs(rate - 0.9) < 1e-12)
        // 0.98 × 365 − 90 = 267.7 > 265: out of reach even with every case on time.
        #expect(try #require(project("0.98")).outlook == .unreachable)
        // 0.2 × 365 = 73 < 90 already on time: secured.
        #expect(try #require(project("0.2")).outlook == .secured)
    }

    @Test func ceilingsReadTheOtherWay() throws {
        // At most 50 %: 0.5 × 365 − 90 = 92.5; 92.5 / 265 ≈ 0.349 of the rest may be "bad".
        let ceiling = try #require(project("0.5", .lessOrEqual))
        guard case .needs(let rate) = ceiling.outlook else { Issue.record("expected .needs"); return }
        #expect(abs(rate - 92.5 / 265) < 1e-12)
        // At most 20 %: 73 < 90 already: out of reach.
        #expect(try #require(project("0.2", .lessOrEqual)).outlook == .unreachable)
    }

    @Test func noProjectionWithoutCasesOrAfterTheYear() {
        #expect(YearEndProjection.project(year: Tally(), recent: nil, dayOfYear: 100, daysInYear: 365, comparator: .greaterOrEqual, target: 1) == nil)
        #expect(YearEndProjection.project(year: year, recent: nil, dayOfYear: 365, daysInYear: 365, comparator: .greaterOrEqual, target: 1) == nil)
        // Without a recent figure the year's own ratio is the pace: projected = current.
        let flat = YearEndProjection.project(year: year, recent: Tally(), dayOfYear: 100, daysInYear: 365, comparator: .greaterOrEqual, target: 1)
        #expect(flat?.projected == 0.9)
    }
}

@Suite struct SparklineTests {
    @Test func pointsAreDayOfYearAgainstValue() throws {
        let points = [
            HistoryPoint(day: LocalDate(year: 2026, month: 1, day: 1), numerator: 1, denominator: 2),
            HistoryPoint(day: LocalDate(year: 2026, month: 12, day: 31), numerator: 1, denominator: 1),
            HistoryPoint(day: LocalDate(year: 2025, month: 12, day: 31), numerator: 0, denominator: 1),  // other year: left out
            HistoryPoint(day: LocalDate(year: 2026, month: 6, day: 1), numerator: 0, denominator: 0),    // no data: no point
        ]
        let line = try #require(Sparkline.make(points, year: 2026, target: Decimal(string: "0.5")!))
        // y range: low = max(0, 0.5 − 0.075) = 0.425, high = 1.075; x from 2 to 118.
        // (1 Jan, 0.5) → y = 30 − (0.075 / 0.65) × 28 = 26.77; (31 Dec, 1.0) → y = 30 − (0.575 / 0.65) × 28 = 5.23
        #expect(line.points == "2.0,26.8 118.0,5.2")
        #expect(line.targetY == "26.8")
        #expect(line.lastX == "118.0")
    }

    @Test func nothingToDrawWithoutValues() {
        #expect(Sparkline.make([], year: 2026, target: 1) == nil)
        #expect(Sparkline.make([HistoryPoint(day: LocalDate(year: 2026, month: 2, day: 1), numerator: 0, denominator: 0)], year: 2026, target: 1) == nil)
    }
}

@Suite struct PageLayoutTests {
    let units = [
        Unit(id: "bac-binh", parentID: nil, name: "Xã Bắc Bình", kind: "commune"),
        Unit(id: "bac-binh/kt", parentID: "bac-binh", name: "Phòng Kinh tế", kind: "department"),
        Unit(id: "bac-binh?kt", parentID: "bac-binh", name: "Clash", kind: "department"),
    ]

    @Test func filePathsAndSlugs() {
        let layout = SiteLayout(units: units)
        #expect(layout.slugs["bac-binh/kt"] == "bac-binh_kt")
        #expect(layout.slugs["bac-binh?kt"] == "bac-binh_kt-2")
        #expect(layout.path(PageRequest(), rootID: "bac-binh") == "index.html")
        #expect(layout.path(PageRequest(language: .en, period: .quarter), rootID: "bac-binh") == "en/quarter.html")
        #expect(layout.path(PageRequest(language: .en, period: .month, unitID: "bac-binh/kt"), rootID: "bac-binh") == "en/units/bac-binh_kt.month.html")
        #expect(layout.path(PageRequest(unitID: "nope"), rootID: "bac-binh") == nil)
        #expect(SiteLayout.relative(from: "en/units/x.html", to: "index.html") == "../../index.html")
        #expect(SiteLayout.relative(from: "index.html", to: "en/index.html") == "en/index.html")
    }

    @Test func printHeaderCannotLeaveItsCSSString() {
        let text = StatusPageModel.cssString("Xã </style><script>\"x\" \\ ;}")
        #expect(text.hasPrefix("\"") && text.hasSuffix("\""))
        let inner = text.dropFirst().dropLast()
        for forbidden in ["<", ">", "\"", ";", "}", "/"] { #expect(!inner.contains(forbidden), "\(forbidden) left raw") }
        #expect(text.hasPrefix("\"X\\0000e3\\000020\\00003c"))
    }
}

@Suite struct DueSoonTests {
    @Test func openTasksSplitIntoOverdueAndDueWithinAWeek() {
        let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let calendar = PlanCalendar(timeZone: zone)
        let asOf = calendar.parseInstant("2026-06-15T10:00:00+07:00")!
        var inputs = KPIInputs(units: [Unit(id: "c", parentID: nil, name: "C", kind: "commune")])
        func task(_ id: String, _ due: String) -> OpenTask {
            OpenTask(id: id, planRef: "I.1", title: id, leadUnitID: "c", monitoringUnitID: nil, dueDate: LocalDate(iso: due)!)
        }
        inputs.openTasks = [task("late", "2026-06-14"), task("today", "2026-06-15"), task("week", "2026-06-22"), task("later", "2026-06-23")]
        let snapshot = Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: asOf, refreshedAt: asOf)
        #expect(snapshot.overdueTasks.map(\.task.id) == ["late"])
        #expect(snapshot.overdueTasks.first?.daysOverdue == 1)
        #expect(snapshot.dueSoonTasks.map(\.task.id) == ["today", "week"])
        #expect(snapshot.dueSoonTasks.map(\.daysLeft) == [0, 7])
    }
}

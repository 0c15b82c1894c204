import ChisoCore
import Foundation
import Testing

/// Year-end projection and the due-soon split, by hand.
@Suite struct ProjectionTests {
    // 2026 has 365 days; day 100 is 10 April. Year to date 90 of 100 on time; this quarter 45 of 48.
    // R = 100 / 100 × 265 = 265 cases still to come.
    let year = Tally(numerator: 90, denominator: 100)
    let quarter = Tally(numerator: 45, denominator: 48)

    func project(_ target: String, _ comparator: TargetComparator = .greaterOrEqual, recent: Tally? = nil) -> YearEndProjection? {
        YearEndProjection.project(
            year: year, recent: recent ?? quarter, dayOfYear: 100, daysInYear: 365,
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

import ChisoApp
import ChisoCore
import ChisoStorage
import Foundation
import Testing

/// Every computed and manual indicator of the fixture (`Fixtures/commune.sql`) against numerators
/// and denominators worked out by hand from the fixture's rows, through real PostgreSQL.
@Suite struct FixtureIndicatorTests {
    static let root = "bac-binh", vp = "bac-binh/vp", center = "bac-binh/tthc", counter = "bac-binh/tthc/quay-1", other = "xa-khac"

    /// (year, quarter, month) for the commune, the office, the centre (with its counter) and the counter alone.
    struct Row {
        let indicator: String
        let unit: String
        let year: (Int, Int)
        let quarter: (Int, Int)
        let month: (Int, Int)
    }

    static func rows(_ indicator: String, root r: [(Int, Int)], vp v: [(Int, Int)], center c: [(Int, Int)], counter q: [(Int, Int)]) -> [Row] {
        [
            Row(indicator: indicator, unit: root, year: r[0], quarter: r[1], month: r[2]),
            Row(indicator: indicator, unit: vp, year: v[0], quarter: v[1], month: v[2]),
            Row(indicator: indicator, unit: center, year: c[0], quarter: c[1], month: c[2]),
            Row(indicator: indicator, unit: counter, year: q[0], quarter: q[1], month: q[2]),
            Row(indicator: indicator, unit: other, year: (0, 0), quarter: (0, 0), month: (0, 0)),
        ]
    }

    static let expected: [Row] = [
        // active: year D01 D02 D03 D05 D09 D10 D11 D12 D13; quarter and month D03 D05 D09 D10 D11 D12.
        // late: D02 (1 s late), D03 (open past due), D09 (finished after due).
        rows(
            "dossiers_on_time", root: [(6, 9), (4, 6), (4, 6)], vp: [(3, 4), (2, 3), (2, 3)], center: [(3, 5), (2, 3), (2, 3)],
            counter: [(1, 1), (1, 1), (1, 1)]),
        // only D02 apologised by T; D09's apology is dated after T.
        rows(
            "late_dossiers_apologised", root: [(1, 3), (0, 2), (0, 2)], vp: [(0, 1), (0, 1), (0, 1)], center: [(1, 2), (0, 1), (0, 1)],
            counter: [(0, 0), (0, 0), (0, 0)]),
        // received: year D01 D05 D09 D10 D11 D12 D13; quarter D05 D09 D10 D12; month D05 D12.
        rows(
            "dossiers_synced_national", root: [(4, 7), (2, 4), (1, 2)], vp: [(1, 3), (0, 1), (0, 0)], center: [(3, 4), (2, 3), (1, 2)],
            counter: [(0, 1), (0, 1), (0, 1)]),
        rows(
            "dossiers_received_at_center", root: [(5, 7), (3, 4), (1, 2)], vp: [(2, 3), (1, 1), (0, 0)], center: [(3, 4), (2, 3), (1, 2)],
            counter: [(1, 1), (1, 1), (1, 1)]),
        rows(
            "dossiers_digitised", root: [(4, 7), (2, 4), (2, 2)], vp: [(1, 3), (0, 1), (0, 0)], center: [(3, 4), (2, 3), (2, 2)],
            counter: [(1, 1), (1, 1), (1, 1)]),
        rows(
            "dossiers_data_reused", root: [(2, 7), (1, 4), (0, 2)], vp: [(1, 3), (1, 1), (0, 0)], center: [(1, 4), (0, 3), (0, 2)],
            counter: [(0, 1), (0, 1), (0, 1)]),
        // full-service procedures P1, P4; D09 came in person.
        rows(
            "dossiers_full_online", root: [(4, 5), (3, 4), (2, 2)], vp: [(1, 1), (1, 1), (0, 0)], center: [(3, 4), (2, 3), (2, 2)],
            counter: [(1, 1), (1, 1), (1, 1)]),
        // finished in P with a result document: D01 D02 D09 D12 (D13's P2 issues none; D10 finishes after T).
        rows(
            "results_digitised", root: [(3, 4), (2, 2), (2, 2)], vp: [(0, 0), (0, 0), (0, 0)], center: [(3, 4), (2, 2), (2, 2)],
            counter: [(0, 0), (0, 0), (0, 0)]),
        // PAY6 is after T.
        rows(
            "payments_online_national", root: [(2, 5), (1, 3), (1, 3)], vp: [(0, 2), (0, 1), (0, 1)], center: [(2, 3), (1, 2), (1, 2)],
            counter: [(1, 1), (1, 1), (1, 1)]),
        // distinct over the subtree: P1 paid at the office (cash) and the centre (online) counts once.
        rows(
            "procedures_paid_online", root: [(1, 2), (1, 1), (1, 1)], vp: [(0, 2), (0, 1), (0, 1)], center: [(1, 1), (1, 1), (1, 1)],
            counter: [(0, 0), (0, 0), (0, 0)]),
        // 7 of 10 outgoing documents signed in the year: exactly 70 %, not "over 70 %".
        rows(
            "documents_signed", root: [(7, 10), (0, 2), (0, 1)], vp: [(5, 7), (0, 1), (0, 1)], center: [(2, 3), (0, 1), (0, 0)],
            counter: [(0, 1), (0, 1), (0, 0)]),
        rows(
            "documents_electronic", root: [(3, 11), (2, 3), (2, 2)], vp: [(2, 8), (2, 2), (2, 2)], center: [(1, 3), (0, 1), (0, 0)],
            counter: [(0, 1), (0, 1), (0, 0)]),
        rows(
            "feedback_handled_published", root: [(1, 3), (0, 2), (0, 1)], vp: [(0, 1), (0, 1), (0, 0)], center: [(1, 2), (0, 1), (0, 1)],
            counter: [(0, 0), (0, 0), (0, 0)]),
        rows(
            "report_forms_eform", root: [(2, 3), (2, 3), (2, 3)], vp: [(1, 1), (1, 1), (1, 1)], center: [(1, 2), (1, 2), (1, 2)],
            counter: [(0, 0), (0, 0), (0, 0)]),
        rows(
            "report_forms_connected", root: [(2, 3), (2, 3), (2, 3)], vp: [(0, 1), (0, 1), (0, 1)], center: [(2, 2), (2, 2), (2, 2)],
            counter: [(0, 0), (0, 0), (0, 0)]),
        rows(
            "province_tasks_tracked", root: [(2, 3), (1, 2), (0, 1)], vp: [(1, 1), (0, 0), (0, 0)], center: [(1, 2), (1, 2), (0, 1)],
            counter: [(1, 1), (1, 1), (0, 0)]),
        // T1 done 23:30 local on its due day (on time), T2 00:30 local the next day (late), T5 done after T.
        rows(
            "plan_tasks_on_time", root: [(1, 4), (0, 2), (0, 1)], vp: [(1, 2), (0, 0), (0, 0)], center: [(0, 2), (0, 2), (0, 1)],
            counter: [(0, 1), (0, 1), (0, 0)]),
    ].flatMap { $0 }

    static func snapshot() async throws -> Snapshot {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, settings in
            let source = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let inputs = try await source.loadInputs(asOf: fixtureAsOf, calendar: settings.calendar)
            return Evaluator(catalogue: .builtIn, calendar: settings.calendar).evaluate(inputs, asOf: fixtureAsOf, refreshedAt: fixtureAsOf)
        }
    }

    @Test func everyComputedFigureMatchesTheHandComputedOne() async throws {
        let snapshot = try await Self.snapshot()
        for row in Self.expected {
            for (period, want) in [(PeriodKind.year, row.year), (.quarter, row.quarter), (.month, row.month)] {
                let result = try #require(snapshot.result(row.indicator, unit: row.unit, period: period), "\(row.indicator) \(row.unit) \(period)")
                #expect(
                    result.tally == Tally(numerator: Decimal(want.0), denominator: Decimal(want.1)),
                    "\(row.indicator) \(row.unit) \(period): got \(result.tally.numerator)/\(result.tally.denominator), want \(want.0)/\(want.1)")
                if want.1 == 0 {
                    #expect(result.status == .noData && result.value == nil, "\(row.indicator) \(row.unit) \(period) must be no_data")
                }
            }
        }
        // Every `.sum` and distinct indicator is covered by the table above.
        let covered = Set(Self.expected.map(\.indicator))
        let computed = Set(ComputedIndicator.allCases.filter { $0.rollup != .catalogue }.map(\.rawValue))
        #expect(covered == computed)
    }

    @Test func catalogueIndicatorsAreReportedForEachRootOnly() async throws {
        let snapshot = try await Self.snapshot()
        let expected: [String: (Int, Int)] = [
            "procedures_published": (2, 3), "procedures_location_independent": (1, 3), "services_full_online": (2, 3),
        ]
        for (indicator, want) in expected {
            for root in [Self.root, Self.other] {
                for period in PeriodKind.allCases {
                    let result = try #require(snapshot.result(indicator, unit: root, period: period))
                    #expect(result.tally == Tally(numerator: Decimal(want.0), denominator: Decimal(want.1)), "\(indicator) \(root) \(period)")
                }
            }
            for child in [Self.vp, Self.center, Self.counter] {
                #expect(snapshot.result(indicator, unit: child, period: .year) == nil, "\(indicator) must not be reported for \(child)")
            }
        }
    }

    @Test func manualFiguresPickTheLatestPeriodEndThenTheLatestRecording() async throws {
        let snapshot = try await Self.snapshot()
        func tally(_ indicator: String, _ unit: String, _ period: PeriodKind) throws -> Tally {
            try #require(snapshot.result(indicator, unit: unit, period: period)).tally
        }
        // period_end 2026-05-31 recorded twice: the later recording (10/10) wins; the row recorded after T
        // and the one with period_end after date(T) do not exist yet.
        #expect(try tally("legal_docs_published", Self.root, .year) == Tally(numerator: 10, denominator: 10))
        #expect(try tally("legal_docs_published", Self.root, .quarter) == Tally(numerator: 10, denominator: 10))
        #expect(try tally("legal_docs_published", Self.root, .month) == Tally())
        #expect(snapshot.result("legal_docs_published", unit: Self.root, period: .month)?.status == .noData)
        // No rollup: the office's figure stays the office's.
        #expect(try tally("staff_within_quota", Self.vp, .month) == Tally(numerator: 21, denominator: 20))
        #expect(try tally("staff_within_quota", Self.root, .year) == Tally())
        // 21/20 against "<= 100 %" is within the 5-point margin: at risk.
        #expect(snapshot.result("staff_within_quota", unit: Self.vp, period: .year)?.status == .atRisk)
        // 90 % against "> 90 %": not met, at risk; a January figure is outside the quarter.
        #expect(snapshot.result("investment_disbursed", unit: Self.root, period: .year)?.status == .atRisk)
        #expect(try tally("investment_disbursed", Self.root, .quarter) == Tally())
    }

    @Test func statusesFollowTheTargets() async throws {
        let snapshot = try await Self.snapshot()
        // 70 % is not "over 70 %".
        #expect(snapshot.result("documents_signed", unit: Self.root, period: .year)?.status == .atRisk)
        #expect(snapshot.result("documents_signed", unit: Self.root, period: .year)?.value == 0.7)
        #expect(snapshot.result("dossiers_on_time", unit: Self.counter, period: .year)?.status == .met)
        #expect(snapshot.result("dossiers_on_time", unit: Self.root, period: .year)?.status == .missed)
        #expect(snapshot.result("documents_signed", unit: Self.center, period: .month)?.status == .noData)
    }

    @Test func overdueTasksAndDossiers() async throws {
        let snapshot = try await Self.snapshot()
        // T8 since 2025-12-31, T5 (done only after T) since 2026-04-30, T3 since yesterday; T4 is due today.
        #expect(snapshot.overdueTasks.map(\.task.id) == ["T8", "T5", "T3"])
        #expect(snapshot.overdueTasks.map(\.daysOverdue) == [166, 46, 1])
        let tasks: [String: Int] = [Self.root: 3, Self.vp: 0, Self.center: 3, Self.counter: 1, Self.other: 0]
        #expect(snapshot.tasksOverdueByUnit == tasks)
        // Only D03 (open, due 2025-12-10); D05 is due exactly at T.
        let dossiers: [String: Int] = [Self.root: 1, Self.vp: 1, Self.center: 0, Self.counter: 0, Self.other: 0]
        #expect(snapshot.dossiersOverdueByUnit == dossiers)
    }

    @Test func everyUnitHasEveryIndicatorForEveryPeriod() async throws {
        let snapshot = try await Self.snapshot()
        // 5 units × 3 periods × (39 non-catalogue indicators) + 2 roots × 3 periods × 3 catalogue indicators.
        let expectedCount: Int = 5 * 3 * 39 + 2 * 3 * 3
        #expect(snapshot.results.count == expectedCount)
        let units: Set<String> = [Self.root, Self.vp, Self.center, Self.counter, Self.other]
        #expect(Set(snapshot.units.map(\.id)) == units)
    }
}

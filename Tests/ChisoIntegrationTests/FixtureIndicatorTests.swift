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

    /// `other`: the other commune's figure in every period (0/0, or 0 of the catalogue's procedures).
    static func rows(
        _ indicator: String, root r: [(Int, Int)], vp v: [(Int, Int)], center c: [(Int, Int)], counter q: [(Int, Int)], other o: (Int, Int) = (0, 0)
    ) -> [Row] {
        [
            Row(indicator: indicator, unit: root, year: r[0], quarter: r[1], month: r[2]),
            Row(indicator: indicator, unit: vp, year: v[0], quarter: v[1], month: v[2]),
            Row(indicator: indicator, unit: center, year: c[0], quarter: c[1], month: c[2]),
            Row(indicator: indicator, unit: counter, year: q[0], quarter: q[1], month: q[2]),
            Row(indicator: indicator, unit: other, year: o, quarter: o, month: o),
        ]
    }

    /// The built-in catalogue and the figures the QĐ 766 estimate adds (a catalogue may list them).
    static let catalogue: Catalogue = {
        var catalogue = Catalogue.builtIn
        for (id, ref) in [
            ("dossiers_received_online", "I.6"), ("fee_procedures_payment_enabled", "I.6"), ("online_services_used", "I.6"),
            ("fee_procedures_paid_online", "I.6"), ("feedback_on_time", "I.2"), ("fee_dossiers_paid_online", "I.6"),
        ] {
            catalogue.indicators.append(
                IndicatorDefinition(id: id, planRef: ref, source: .computed, comparator: .greaterOrEqual, target: 0.5, nameVI: id, nameEN: id))
        }
        return catalogue
    }()

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
        // received by T: FB1 (Feb, centre, published), FB2 (June, centre, resolved after T), FB3 (May, office, not
        // published), FB5 (March, office, not published), FB6 (May, office, open); FB4 is after T.
        rows(
            "feedback_handled_published", root: [(1, 5), (0, 3), (0, 1)], vp: [(0, 3), (0, 2), (0, 0)], center: [(1, 2), (0, 1), (0, 1)],
            counter: [(0, 0), (0, 0), (0, 0)]),
        // FB1, FB2 (open, within its 15 working days) and FB3 on time; FB5 resolved late, FB6 open past its deadline.
        rows(
            "feedback_on_time", root: [(3, 5), (2, 3), (1, 1)], vp: [(1, 3), (1, 2), (0, 0)], center: [(2, 2), (1, 1), (1, 1)],
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
        // The QĐ 766 figures. Received through `online`: D01 (Jan), D10 (31 May), D12 (1 Jun), D05 (10 Jun); D08 is after T.
        rows(
            "dossiers_received_online", root: [(4, 7), (3, 4), (2, 2)], vp: [(1, 3), (1, 1), (0, 0)], center: [(3, 4), (2, 3), (2, 2)],
            counter: [(1, 1), (1, 1), (1, 1)]),
        // Of the 3 non-internal procedures with online service (P1, P2, P4): P1 (D01, D10, D12) and P4 (D05)
        // received online; P1 at the office and at the centre counts once. Every unit's denominator is the catalogue's 3.
        rows(
            "online_services_used", root: [(2, 3), (2, 3), (2, 3)], vp: [(1, 3), (1, 3), (0, 3)], center: [(2, 3), (2, 3), (2, 3)],
            counter: [(1, 3), (1, 3), (1, 3)], other: (0, 3)),
        // Of the 2 fee-charging procedures (P1, P2): P1 paid online (PAY1 in January, PAY2 in June, at the centre);
        // PAY3 (cash) and PAY5 (bank transfer) are not online; PAY4 is online but P4 charges no fee.
        rows(
            "fee_procedures_paid_online", root: [(1, 2), (1, 2), (1, 2)], vp: [(0, 2), (0, 2), (0, 2)], center: [(1, 2), (1, 2), (1, 2)],
            counter: [(0, 2), (0, 2), (0, 2)], other: (0, 2)),
        // 3.6. Received of the fee-charging P1 and P2: year D01 D10 D11 D12 D13, quarter D10 D12, month D12.
        // Paid online by T: D01 (PAY1) and D12 (PAY2; PAY6 after T changes nothing); D10 paid cash
        // (PAY3), D13 by bank transfer (PAY5), D11 not at all; D05's online PAY4 is of the fee-less P4.
        rows(
            "fee_dossiers_paid_online", root: [(2, 5), (1, 2), (1, 1)], vp: [(0, 3), (0, 1), (0, 0)], center: [(2, 2), (1, 1), (1, 1)],
            counter: [(0, 0), (0, 0), (0, 0)]),
    ].flatMap { $0 }

    static func snapshot() async throws -> Snapshot {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, settings in
            let source = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let inputs = try await source.loadInputs(asOf: fixtureAsOf, calendar: settings.calendar)
            return Evaluator(catalogue: Self.catalogue, calendar: settings.calendar).evaluate(inputs, asOf: fixtureAsOf, refreshedAt: fixtureAsOf)
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
            // P1 and P2 charge a fee and both have online payment.
            "fee_procedures_payment_enabled": (2, 2),
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

    /// The commune's QĐ 766 estimate for June, from the fixture's rows through PostgreSQL (no manual `qd766.*` rows).
    @Test func theCommunesQD766EstimateForTheMonthByHand() async throws {
        let snapshot = try await Self.snapshot()
        let result = try #require(snapshot.qd766(unit: Self.root, period: .month))
        let points = Dictionary(uniqueKeysWithValues: result.indicators.map { ($0.id.dropFirst(6), $0.points) })
        let expected: [Substring: String] = [
            "publish_on_time": "0", "public_update_on_time": "0", "public_content_full": "0",
            "dossier_sync": "3",  // 1 of 2 received in June synced: 6 × 0.5
            "on_time": "13.33",  // 4 of 6 active: 20 × 4 / 6 = 13.333…
            "full_online_services": "1.67",  // 2 of 3 eligible: 2 × (2/3) / 0.8 = 1.666…
            "services_with_online_dossiers": "2.67",  // P1, P4 of 3: 4 × 2 / 3
            "online_dossiers": "6",  // 2 of 2 online × the sync ratio 0.5 = 0.5: the threshold
            "pay_provision": "2", "pay_formalities": "1.25",  // 1 of 2: 2 × 0.5 / 0.8
            "pay_dossiers": "6",  // D12, the one fee-charging dossier received in June, paid online: 6 × 1 / 1
            "e_results": "6", "digitised": "4", "certified_copy": "2", "reused_data": "0", "personal_store": "0",
            "citizen_data_procedures": "0", "citizen_data_dossiers": "0",
            "petitions_on_time": "6",  // FB2, received in June, still within its 15 working days: 1 of 1
            "petitions_satisfaction": "6", "dossier_satisfaction": "0",
        ]
        #expect(points.mapValues { "\($0)" } == expected.mapValues { $0 })
        #expect(result.groups.map { "\($0.group) \($0.score)" } == ["CKMB 3", "TDGQ 13.33", "CLGQ 10.34", "TTTT 9.25", "MDSH 12", "MDHL 12"])
        #expect(result.score == Decimal(string: "59.92")!)
        #expect(result.band == "trung_binh")
        // The year: 2 of the 5 fee-charging dossiers paid online, 6 × 2 / 5.
        let year = try #require(snapshot.qd766(unit: Self.root, period: .year))
        #expect(year.indicators.first { $0.id == "qd766.pay_dossiers" }.map { "\($0.points)" } == "2.4")
    }

    /// The periodic report's task table: plan tasks due from the period's first day up to
    /// 14/06 (T is 15/06), by lead unit and appendix section. Year: T1 (I, on time: done 23:30 local
    /// on its day), T2 (I, late: 00:30 local the next day), T3 (II, open), T5 (II, done after T:
    /// open then); not T4 (due today), T6 (cancelled), T7 (no due day), T8 (2025), nor the
    /// province's. Quarter: T3 and T5; month: T3.
    @Test func planTasksByLeadUnitAndAppendixSection() async throws {
        let snapshot = try await Self.snapshot()
        func counts(_ period: PeriodKind) -> [String] {
            snapshot.planTasks.filter { $0.period == period }.map {
                "\($0.unitID) \($0.section): \($0.due) = \($0.doneOnTime) + \($0.doneLate) + \($0.overdue)"
            }
        }
        #expect(counts(.year) == ["bac-binh/tthc II: 1 = 0 + 0 + 1", "bac-binh/tthc/quay-1 II: 1 = 0 + 0 + 1", "bac-binh/vp I: 2 = 1 + 1 + 0"])
        #expect(counts(.quarter) == ["bac-binh/tthc II: 1 = 0 + 0 + 1", "bac-binh/tthc/quay-1 II: 1 = 0 + 0 + 1"])
        #expect(counts(.month) == ["bac-binh/tthc II: 1 = 0 + 0 + 1"])
        // The same tasks and the same "on time" as plan_tasks_on_time (1 of 4 in the year).
        let year = snapshot.planTasks.filter { $0.period == .year }
        let figure = try #require(snapshot.result("plan_tasks_on_time", unit: Self.root, period: .year))
        #expect(figure.tally == Tally(numerator: Decimal(year.map(\.doneOnTime).reduce(0, +)), denominator: Decimal(year.map(\.due).reduce(0, +))))
    }

    @Test func everyUnitHasEveryIndicatorForEveryPeriod() async throws {
        let snapshot = try await Self.snapshot()
        // 5 units × 3 periods × (39 non-catalogue indicators and 5 of QĐ 766) + 2 roots × 3 periods × (3 + 1) catalogue ones.
        let expectedCount: Int = 5 * 3 * 44 + 2 * 3 * 4
        #expect(snapshot.results.count == expectedCount)
        let units: Set<String> = [Self.root, Self.vp, Self.center, Self.counter, Self.other]
        #expect(Set(snapshot.units.map(\.id)) == units)
    }
}

import ChisoCore
import Foundation
import Testing

/// The QĐ 766 estimate (`qd766.md`): each rule by hand, rounding, "no data" points, the precedence
/// and inheritance of manual rows, the sync multiplication of 3.3, groups, total and bands.
@Suite struct QD766Tests {
    static let table = QD766Table.builtIn
    static let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
    static let asOf = calendar.parseInstant("2026-06-15T10:00:00+07:00")!

    static func indicator(_ id: String) -> QD766Table.SubIndicator { table.indicators.first { $0.id == "qd766." + id }! }
    static func points(_ id: String, _ n: Decimal, _ d: Decimal) -> Decimal { QD766Rules.points(Fraction(n, d), for: indicator(id)) }

    @Test func theBuiltInTableIsQD766mds() {
        #expect(Self.table.problems().isEmpty)
        #expect(Self.table.indicators.count == 21)
        #expect(Self.table.groups.map(\.id) == ["CKMB", "TDGQ", "CLGQ", "TTTT", "MDSH", "MDHL"])
        #expect(Self.table.groups.map(\.max) == [18, 20, 12, 10, 22, 18])
        #expect(Self.table.groups.reduce(Decimal(0)) { $0 + $1.max } == 100)
        #expect(Self.table.bands.map(\.id) == ["xuat_sac", "tot", "kha", "trung_binh", "yeu"])
    }

    @Test func linearPointsAreTheMaximumTimesTheRatioRoundedHalfUp() {
        // 6 × 412 / 1000 = 2.472 → 2.47
        #expect(Self.points("dossier_sync", 412, 1000) == Decimal(string: "2.47")!)
        // 20 × 9_731 / 10_000 = 19.462 → 19.46
        #expect(Self.points("on_time", 9_731, 10_000) == Decimal(string: "19.46")!)
        // 6 × 1 / 48 = 0.125 exactly: half-up gives 0.13 (dividing first would give 0.1249… → 0.12).
        #expect(Self.points("e_results", 1, 48) == Decimal(string: "0.13")!)
        // 4 × 1 / 3 = 1.3333… → 1.33; 4 × 2 / 3 = 2.6666… → 2.67
        #expect(Self.points("digitised", 1, 3) == Decimal(string: "1.33")!)
        #expect(Self.points("digitised", 2, 3) == Decimal(string: "2.67")!)
        #expect(Self.points("on_time", 0, 17) == 0)
        #expect(Self.points("on_time", 17, 17) == 20)
        // A manual ratio above 1 gives the maximum, never more.
        #expect(Self.points("publish_on_time", 21, 20) == 6)
    }

    @Test func thresholdPointsAreFullFromTheThresholdUp() {
        // 3.1, threshold 0.8, M 2: 0.5 → 2 × 0.5 / 0.8 = 1.25; 0.8 exactly → 2; 0.79 → 1.975 → 1.98
        #expect(Self.points("full_online_services", 1, 2) == Decimal(string: "1.25")!)
        #expect(Self.points("full_online_services", 4, 5) == 2)
        #expect(Self.points("full_online_services", 79, 100) == Decimal(string: "1.98")!)
        // 3.3, threshold 0.5, M 6: 0.3 → 3.6; 0.5 → 6; 0.7 → 6
        #expect(Self.points("online_dossiers", 3, 10) == Decimal(string: "3.6")!)
        #expect(Self.points("online_dossiers", 1, 2) == 6)
        #expect(Self.points("online_dossiers", 7, 10) == 6)
        // 5.4, threshold 0.9, M 6: 0.45 → 3
        #expect(Self.points("dossier_satisfaction", 45, 100) == 3)
    }

    @Test func noDataGivesTheTablesNoDataPoints() {
        #expect(QD766Rules.points(nil, for: Self.indicator("dossier_sync")) == 0)
        #expect(QD766Rules.points(nil, for: Self.indicator("certified_copy")) == 2)
        #expect(QD766Rules.points(nil, for: Self.indicator("petitions_on_time")) == 6)
        #expect(QD766Rules.points(nil, for: Self.indicator("petitions_satisfaction")) == 6)
        #expect(QD766Rules.points(Fraction(0, 0), for: Self.indicator("petitions_satisfaction")) == 6)
    }

    @Test func bandsFollowTheTotal() {
        let band = { (score: String) in Self.table.band(for: Decimal(string: score)!)?.id }
        #expect(band("100") == "xuat_sac")
        #expect(band("90") == "xuat_sac")
        #expect(band("89.99") == "tot")
        #expect(band("80") == "tot")
        #expect(band("70") == "kha")
        #expect(band("69.99") == "trung_binh")
        #expect(band("50") == "trung_binh")
        #expect(band("49.99") == "yeu")
        #expect(band("0") == "yeu")
    }

    // MARK: A province, a commune and its department, evaluated

    static let units = [
        Unit(id: "tinh", parentID: nil, name: "Tỉnh", kind: "province"),
        Unit(id: "tinh/xa", parentID: "tinh", name: "Xã", kind: "commune"),
        Unit(id: "tinh/xa/kt", parentID: "tinh/xa", name: "Phòng Kinh tế", kind: "department"),
    ]

    static func manual(
        _ id: String, _ unit: String, _ n: Decimal, _ d: Decimal, end: LocalDate = LocalDate(year: 2026, month: 6, day: 1)
    )
        -> ManualValue
    {
        ManualValue(indicator: id, unitID: unit, periodEnd: end, numerator: n, denominator: d, recordedAt: asOf.addingTimeInterval(-3600))
    }

    static func inputs() -> KPIInputs {
        var inputs = KPIInputs(units: units)
        func own(_ unit: String, _ indicator: ComputedIndicator, _ n: Decimal, _ d: Decimal) {
            for period in PeriodKind.allCases {
                inputs.tallies[TallyKey(unitID: unit, period: period, indicator: indicator)] = Tally(numerator: n, denominator: d)
            }
        }
        // Received: the commune 60, its department 40 (100 in the commune's subtree).
        own("tinh/xa", .dossiersSyncedNational, 54, 60)
        own("tinh/xa/kt", .dossiersSyncedNational, 36, 40)  // subtree: 90 / 100
        own("tinh/xa", .dossiersReceivedOnline, 24, 60)
        own("tinh/xa/kt", .dossiersReceivedOnline, 16, 40)  // subtree: 40 / 100
        own("tinh/xa", .dossiersOnTime, 97, 100)
        // 3.6: fee-charging dossiers paid online, 18 of 30 and 6 of 20 (subtree: 24 / 50).
        own("tinh/xa", .feeDossiersPaidOnline, 18, 30)
        own("tinh/xa/kt", .feeDossiersPaidOnline, 6, 20)
        own("tinh/xa/kt", .dossiersOnTime, 1, 4)
        inputs.catalogueTallies = [
            .servicesFullOnline: Tally(numerator: 6, denominator: 10),
            .feeProceduresPaymentEnabled: Tally(numerator: 9, denominator: 10),
            .feeProceduresPaidOnline: Tally(numerator: 0, denominator: 10),
            .onlineServicesUsed: Tally(numerator: 0, denominator: 8),
        ]
        for period in PeriodKind.allCases {
            // P1 used at the commune and at its department: once in the commune's subtree.
            inputs.procedureUses += [
                ProcedureUse(unitID: "tinh/xa", period: period, procedureCode: "P1", indicator: .onlineServicesUsed),
                ProcedureUse(unitID: "tinh/xa/kt", period: period, procedureCode: "P1", indicator: .onlineServicesUsed),
                ProcedureUse(unitID: "tinh/xa/kt", period: period, procedureCode: "P2", indicator: .onlineServicesUsed),
                ProcedureUse(unitID: "tinh/xa", period: period, procedureCode: "F1", indicator: .feeProceduresPaidOnline),
            ]
        }
        inputs.manualValues = [
            // Set by the province, inherited by the commune and its department.
            manual("qd766.publish_on_time", "tinh", 95, 100),
            // The commune's own figure wins over the province's.
            manual("qd766.public_update_on_time", "tinh", 1, 2),
            manual("qd766.public_update_on_time", "tinh/xa", 3, 4),
            // Not inherited: the department has no figure of its own.
            manual("qd766.certified_copy", "tinh/xa", 1, 4),
            // The portal's published on-time figure wins over chiso's count at the department.
            manual("qd766.on_time", "tinh/xa/kt", 99, 100),
            // A manual 3.3 ratio is used as it is, not multiplied by the sync ratio.
            manual("qd766.online_dossiers", "tinh/xa/kt", 2, 10),
        ]
        return inputs
    }

    static func estimate(_ unit: String) -> QD766Result {
        let snapshot = Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs(), asOf: asOf, refreshedAt: asOf)
        return snapshot.qd766(unit: unit, period: .month)!
    }

    static func entry(_ result: QD766Result, _ id: String) -> QD766Entry { result.indicators.first { $0.id == "qd766." + id }! }

    @Test func theCommunesEstimateByHand() throws {
        let result = Self.estimate("tinh/xa")
        let entry = { Self.entry(result, $0) }
        // CKMB: 1.1 inherited 6 × 0.95 = 5.7; 1.2 own 4 × 0.75 = 3; 1.3 nobody entered it: 0; 1.4 6 × 0.9 = 5.4.
        #expect(entry("publish_on_time").points == Decimal(string: "5.7")!)
        #expect(entry("publish_on_time").source == .manual && entry("publish_on_time").inheritedFrom == "tinh")
        #expect(entry("public_update_on_time").points == 3 && entry("public_update_on_time").inheritedFrom == nil)
        #expect(entry("public_content_full").noData && entry("public_content_full").points == 0)
        #expect(entry("dossier_sync").points == Decimal(string: "5.4")!)
        #expect(entry("dossier_sync").numerator == 90 && entry("dossier_sync").denominator == 100)
        // TDGQ: (97 + 1) / 104 × 20 = 18.846… → 18.85.
        #expect(entry("on_time").points == Decimal(string: "18.85")!)
        // CLGQ: 3.1 0.6 / 0.8 × 2 = 1.5; 3.2 {P1, P2} / 8 × 4 = 1; 3.3 0.4 × 0.9 = 0.36 → 0.36 / 0.5 × 6 = 4.32.
        #expect(entry("full_online_services").points == Decimal(string: "1.5")!)
        #expect(entry("services_with_online_dossiers").points == 1)
        #expect(entry("services_with_online_dossiers").numerator == 2)
        #expect(entry("online_dossiers").points == Decimal(string: "4.32")!)
        #expect(entry("online_dossiers").numerator == 40 && entry("online_dossiers").denominator == 100)
        #expect(entry("online_dossiers").ratio?.double == 0.36)
        // TTTT: 3.5a 0.9 ≥ 0.8 → 2; 3.5b 1 / 10 → 0.1 / 0.8 × 2 = 0.25; 3.6 linear 24 / 50 × 6 = 2.88.
        #expect(entry("pay_provision").points == 2)
        #expect(entry("pay_formalities").points == Decimal(string: "0.25")!)
        #expect(entry("pay_dossiers").points == Decimal(string: "2.88")!)
        #expect(entry("pay_dossiers").numerator == 24 && entry("pay_dossiers").denominator == 50)
        // MDSH: 4.2b own manual 1/4 × 2 = 0.5; the rest have no data (0).
        #expect(entry("certified_copy").points == Decimal(string: "0.5")!)
        // MDHL: 5.2 and 5.3 have no data: 6 each; 5.4 no data: 0.
        #expect(entry("petitions_on_time").points == 6 && entry("petitions_satisfaction").points == 6)
        #expect(entry("dossier_satisfaction").points == 0)

        let groups = Dictionary(uniqueKeysWithValues: result.groups.map { ($0.group, $0.score) })
        #expect(groups["CKMB"] == Decimal(string: "14.1")!)  // 5.7 + 3 + 0 + 5.4
        #expect(groups["TDGQ"] == Decimal(string: "18.85")!)
        #expect(groups["CLGQ"] == Decimal(string: "6.82")!)  // 1.5 + 1 + 4.32
        #expect(groups["TTTT"] == Decimal(string: "5.13")!)
        #expect(groups["MDSH"] == Decimal(string: "0.5")!)
        #expect(groups["MDHL"] == 12)
        #expect(result.score == Decimal(string: "57.4")!)  // 14.1 + 18.85 + 6.82 + 5.13 + 0.5 + 12
        #expect(result.band == "trung_binh")
    }

    /// What would raise the commune's score, by hand from the figures of `theCommunesEstimateByHand`.
    @Test func theActionsThatRaiseTheScoreMostComeFirstWithTheirAmounts() {
        let actions = Self.estimate("tinh/xa").actions
        func action(_ id: String) -> QD766Action? { actions.first { $0.id == "qd766." + id } }
        // Linear 1.4 at 90 / 100: the 10 missing dossiers win the last 0.6 points, 0.06 each.
        #expect(action("dossier_sync")?.amount == 10 && action("dossier_sync")?.gain == Decimal(string: "0.6")!)
        #expect(action("dossier_sync")?.pointsEach == Decimal(string: "0.06")!)
        // Threshold 3.5b at 1 / 10: 0.8 × 10 − 1 = 7 more procedures win the missing 1.75 points.
        #expect(action("pay_formalities")?.amount == 7 && action("pay_formalities")?.gain == Decimal(string: "1.75")!)
        // Threshold 3.1 at 6 / 10: 2 more procedures fully online reach 0.8.
        #expect(action("full_online_services")?.amount == 2 && action("full_online_services")?.gain == Decimal(string: "0.5")!)
        // 3.3 at 40 online of 100, times the sync ratio 0.9: 0.5 × 100 / 0.9 = 55.6 → 56 online, 16 more.
        #expect(action("online_dossiers")?.amount == 16 && action("online_dossiers")?.gain == Decimal(string: "1.68")!)
        // Linear 3.6 at 24 / 50: the 26 dossiers not paid online win the missing 3.12 points, 0.12 each.
        #expect(action("pay_dossiers")?.amount == 26 && action("pay_dossiers")?.gain == Decimal(string: "3.12")!)
        #expect(action("pay_dossiers")?.pointsEach == Decimal(string: "0.12")!)
        // A manual figure nobody entered: enter it (no amount); at its maximum already (3.5a), nothing.
        #expect(action("dossier_satisfaction")?.amount == nil && action("dossier_satisfaction")?.gain == 6)
        #expect(action("pay_provision") == nil)
        // No dossier with a result document in the period: nothing to do, left out; 5.2 with no feedback has its 6 points.
        #expect(action("e_results") == nil && action("petitions_on_time") == nil)
        #expect(
            actions.prefix(5).map(\.id) == [
                "qd766.dossier_satisfaction", "qd766.personal_store", "qd766.pay_dossiers", "qd766.services_with_online_dossiers",
                "qd766.public_content_full",
            ])
        #expect(actions.map(\.gain) == actions.map(\.gain).sorted(by: >))
        // Equal gains keep the table's order (the sort's key is an integer made from the gain).
        let order = Dictionary(uniqueKeysWithValues: QD766Table.builtIn.indicators.enumerated().map { ($1.id, $0) })
        let neighbours = Array(zip(actions, actions.dropFirst()))
        #expect(neighbours.contains { $0.gain == $1.gain }, "the fixture has ties")
        for (first, second) in neighbours where first.gain == second.gain {
            #expect(order[first.id]! < order[second.id]!, "\(first.id) before \(second.id)")
        }
    }

    @Test func aThresholdLeverThatCannotReachTheThresholdAloneStopsShort() {
        // 3.3 with the sync ratio 0.4 below the 0.5 threshold: even every dossier online gives 6 × 0.4 / 0.5 = 4.8.
        var inputs = Self.inputs()
        for period in PeriodKind.allCases {
            inputs.tallies[TallyKey(unitID: "tinh/xa", period: period, indicator: .dossiersSyncedNational)] = Tally(numerator: 4, denominator: 60)
            inputs.tallies[TallyKey(unitID: "tinh/xa/kt", period: period, indicator: .dossiersSyncedNational)] = Tally(numerator: 36, denominator: 40)
        }
        let snapshot = Evaluator(catalogue: .builtIn, calendar: Self.calendar).evaluate(inputs, asOf: Self.asOf, refreshedAt: Self.asOf)
        let result = snapshot.qd766(unit: "tinh/xa", period: .month)!
        // 40 / 100 × 0.4 = 0.16 → 6 × 0.16 / 0.5 = 1.92 now; 60 more online give 4.8: +2.88.
        #expect(Self.entry(result, "online_dossiers").points == Decimal(string: "1.92")!)
        let action = result.actions.first { $0.id == "qd766.online_dossiers" }
        #expect(action?.amount == 60 && action?.gain == Decimal(string: "2.88")!)
    }

    @Test func theDepartmentInheritsOnlyWhatTheProvinceSetsAndItsOwnManualFiguresWin() {
        let result = Self.estimate("tinh/xa/kt")
        let entry = { Self.entry(result, $0) }
        #expect(entry("publish_on_time").inheritedFrom == "tinh")
        // The commune's own 1.2 is the nearest ancestor's.
        #expect(entry("public_update_on_time").inheritedFrom == "tinh/xa" && entry("public_update_on_time").points == 3)
        // 4.2b is not inherited: no data, the table's 2 points.
        #expect(entry("certified_copy").noData && entry("certified_copy").points == 2)
        // The manual on-time figure wins over 1/4 counted: 20 × 0.99 = 19.8.
        #expect(entry("on_time").source == .manual && entry("on_time").points == Decimal(string: "19.8")!)
        // The manual 3.3 ratio 0.2 as it is: 0.2 / 0.5 × 6 = 2.4 (multiplied by 0.9 it would be 2.16).
        #expect(entry("online_dossiers").points == Decimal(string: "2.4")!)
        #expect(entry("online_dossiers").source == .manual)
    }

    /// Where the portal's figures replaced chiso's own (the department's 2.1 and 3.3), the groups
    /// carry chiso's own estimate beside them: how far chiso's counting is from the published number.
    @Test func theEstimatesGapIsChisosOwnGroupScoreAgainstThePublishedOne() {
        let result = Self.estimate("tinh/xa/kt")
        let groups = Dictionary(uniqueKeysWithValues: result.groups.map { ($0.group, $0) })
        // 2.1: published 99 / 100 gives 19.8; chiso counts 1 of 4 on time: 5.
        #expect(Self.entry(result, "on_time").computedPoints == 5)
        #expect(groups["TDGQ"]?.score == Decimal(string: "19.8")! && groups["TDGQ"]?.estimate == 5)
        #expect(groups["TDGQ"]?.gap == Decimal(string: "-14.8")!)
        // 3.3: published 0.2 gives 2.4; chiso's own 16 / 40 online × its own sync 36 / 40 = 0.36 gives 4.32.
        #expect(groups["CLGQ"]?.score == Decimal(string: "4.9")! && groups["CLGQ"]?.estimate == Decimal(string: "6.82")!)
        // 1.1 is only ever manual: nothing of chiso's own to set beside it.
        #expect(groups["CKMB"]?.estimate == nil && groups["MDSH"]?.estimate == nil)
        #expect(Self.estimate("tinh/xa").groups.allSatisfy { $0.estimate == nil }, "the commune's figures are chiso's own")
    }

    @Test func theProvinceHasNoFiguresButItsOwnAndTheCatalogues() {
        let result = Self.estimate("tinh")
        let entry = { Self.entry(result, $0) }
        // The province's subtree holds the commune: the same counted figures.
        #expect(entry("dossier_sync").points == Decimal(string: "5.4")!)
        #expect(entry("publish_on_time").inheritedFrom == nil && entry("publish_on_time").source == .manual)
        #expect(entry("public_update_on_time").points == 2)  // its own 1/2
    }

    @Test func aTableWithProblemsNamesEachOne() throws {
        let text = """
            {"groups": [{"group": "CKMB", "max": 6}, {"group": "TDGQ", "max": 20}], "bands": [{"band": "yeu", "min": 0}],
             "indicators": [
              {"id": "qd766.online_dossiers", "group": "CKMB", "max": 6, "rule": "threshold", "threshold": 1.5, "no_data": 7, "source": "dossiers_received_online", "times": "qd766.on_time"},
              {"id": "on_time", "group": "TDGQ", "max": 20, "rule": "linear", "source": "dossiers_on_time"}
             ]}
            """
        #expect(throws: QD766TableFile.Invalid.self) { try QD766TableFile.decode(Data(text.utf8)) }
        do {
            _ = try QD766TableFile.decode(Data(text.utf8))
        } catch {
            #expect(
                error.problems == [
                    "indicator qd766.online_dossiers: no_data 7 is outside 0..6",
                    "indicator qd766.online_dossiers: threshold 1.5 is outside (0, 1]",
                    "indicator qd766.online_dossiers: times names qd766.on_time, which is not an earlier sub-indicator without a times of its own",
                    "indicator on_time: the id must start with qd766.",
                ])
        }
    }

    // MARK: An estimate made from the previous one

    /// An estimate given the last pass's (same table and manual rows, other figures) keeps the
    /// sub-indicators whose counts did not move and scores the others: it must say exactly what
    /// an estimate made afresh says, entries, groups, total, band and actions, whichever figures
    /// moved (3.3's own counts, the sync ratio it is multiplied by, a figure a manual row replaces).
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func anEstimateFromThePreviousOneIsTheOneMadeAfresh(seed: UInt64) {
        var random = LinearCongruential(state: seed)
        let estimator = QD766Estimator(table: Self.table)
        let computed = Self.table.indicators.compactMap { indicator -> ComputedIndicator? in
            if case .figure(let figure) = indicator.source { return figure }
            return nil
        }
        func tally(_ random: inout LinearCongruential) -> Tally {
            let denominator = Int.random(in: 0...12, using: &random)
            return Tally(numerator: Decimal(Int.random(in: 0...denominator, using: &random)), denominator: Decimal(denominator))
        }
        var figures = Dictionary(uniqueKeysWithValues: computed.map { ($0, tally(&random)) })
        // Manual rows: some sub-indicators of each kind, one of them replacing a computed figure;
        // one inherited from the unit above.
        var rows: [String: QD766Estimator.ManualFigure] = [:]
        for indicator in Self.table.indicators where Int.random(in: 0..<3, using: &random) == 0 {
            rows[indicator.id] = (tally(&random), Bool.random(using: &random) ? "tinh/xa" : "tinh")
        }
        let manual = { (id: String, _: Bool) in rows[id] }
        var previous = estimator.estimate(unitID: "tinh/xa", period: .month, figure: { figures[$0]! }, manual: manual)
        for _ in 0..<40 {
            // One to three figures move; now and then none (everything kept).
            for _ in 0..<Int.random(in: 0...3, using: &random) { figures[computed.randomElement(using: &random)!] = tally(&random) }
            let fresh = estimator.estimate(unitID: "tinh/xa", period: .month, figure: { figures[$0]! }, manual: manual)
            let next = estimator.estimate(unitID: "tinh/xa", period: .month, figure: { figures[$0]! }, manual: manual, previous: previous)
            #expect(zip(next.indicators, fresh.indicators).first { $0 != $1 }.map { "\($0) instead of \($1)" } == nil)
            #expect(next.groups == fresh.groups)
            #expect(next.score == fresh.score && next.band == fresh.band)
            #expect(next.actions == fresh.actions)
            previous = next
        }
    }
}

/// The working days QĐ 766 counts feedback deadlines in, by hand on the 2026 calendar.
@Suite struct FeedbackDeadlineTests {
    static let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
    static func day(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    @Test func weekendsAndHolidaysAreNotWorkingDays() {
        let days = WorkingDays(holidays: [Self.day("2026-09-02")])
        #expect(days.isWorkingDay(Self.day("2026-06-01")))  // Monday
        #expect(days.isWorkingDay(Self.day("2026-06-05")))  // Friday
        #expect(!days.isWorkingDay(Self.day("2026-06-06")))  // Saturday
        #expect(!days.isWorkingDay(Self.day("2026-06-07")))  // Sunday
        #expect(!days.isWorkingDay(Self.day("2026-09-02")))  // a Wednesday, Quốc khánh
        #expect(days.isWorkingDay(Self.day("1970-01-01")))  // a Thursday
    }

    @Test func theDeadlineIsTheEndOfTheFifteenthWorkingDayAfterTheReceivingDay() {
        let plain = FeedbackDeadlines(calendar: Self.calendar, workingDays: WorkingDays())
        // Monday 1 June: 2–5 (4), 8–12 (9), 15–19 (14), Monday 22 (15): late from 23 June 00:00 local.
        #expect(plain.lateFrom(receivedOn: Self.day("2026-06-01")) == Self.calendar.parseInstant("2026-06-23T00:00:00+07:00"))
        // Saturday 6 June: 8–12, 15–19, 22–26: late from Saturday 27 June.
        #expect(plain.lateFrom(receivedOn: Self.day("2026-06-06")) == Self.calendar.parseInstant("2026-06-27T00:00:00+07:00"))
        // Across the year: Monday 21 December 2026 → 22–25, 28–31 (8), 1–8 January 2027 (14), 11 January (15).
        #expect(plain.lateFrom(receivedOn: Self.day("2026-12-21")) == Self.calendar.parseInstant("2027-01-12T00:00:00+07:00"))
        let holiday = FeedbackDeadlines(calendar: Self.calendar, workingDays: WorkingDays(holidays: [Self.day("2026-06-10")]))
        #expect(holiday.lateFrom(receivedOn: Self.day("2026-06-01")) == Self.calendar.parseInstant("2026-06-24T00:00:00+07:00"))
    }

    @Test func feedbackReceivedFromTheFirstInstantGivenIsStillOnTimeAtT() {
        let plain = FeedbackDeadlines(calendar: Self.calendar, workingDays: WorkingDays())
        // At T = Tuesday 23 June 10:00, Monday 1 June's feedback is late (from 23 June 00:00); Tuesday 2 June's is not.
        let t = Self.calendar.parseInstant("2026-06-23T10:00:00+07:00")!
        #expect(plain.stillOnTimeFrom(at: t) == Self.calendar.parseInstant("2026-06-02T00:00:00+07:00"))
        let table = plain.table(year: 2026)
        #expect(table.days.count == 365 && table.days.first == "2026-01-01" && table.days.last == "2026-12-31")
        #expect(table.lateFrom[151] == plain.lateFrom(receivedOn: Self.day("2026-06-01")))
    }
}

import ChisoCore
import ChisoImport
import ChisoPresentation
import Foundation
import Testing

/// Bounded exposition (issue 11, part 3): a province exports the province and its communes by
/// default, a commune every unit; a cap cuts the depth to what fits, and says so.
@Suite struct MetricsScopeTests {
    /// A province with two communes, each with two departments.
    static func province(rootKind: String = "province", tallies: [TallyKey: Tally] = [:], overdue: [String: Int] = [:]) -> Snapshot {
        let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        let asOf = calendar.parseInstant("2026-06-15T10:00:00+07:00")!
        var units = [Unit(id: "tinh", parentID: nil, name: "Tỉnh", kind: rootKind)]
        for commune in ["xa-a", "xa-b"] {
            units.append(Unit(id: commune, parentID: "tinh", name: commune, kind: "commune"))
            for office in ["vp", "kt"] { units.append(Unit(id: "\(commune)/\(office)", parentID: commune, name: office, kind: "department")) }
        }
        var inputs = KPIInputs(units: units)
        inputs.tallies = tallies
        inputs.overdueDossiers = overdue
        return Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: asOf, refreshedAt: asOf)
    }

    static func units(in text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").compactMap { line in
                guard line.hasPrefix("chiso_dossiers_overdue{unit=\"") else { return nil }
                return line.dropFirst("chiso_dossiers_overdue{unit=\"".count).split(separator: "\"").first.map(String.init)
            })
    }

    @Test func aProvinceExportsItsCommunesAndACommuneEverything() {
        let auto = PrometheusText.render(Self.province(), scope: MetricsScope())
        #expect(Self.units(in: auto.text) == ["tinh", "xa-a", "xa-b"])
        #expect(auto.depth == 1 && !auto.wasCapped && auto.deepest == 2)
        #expect(!auto.text.contains(#"unit="xa-a/vp""#))
        let commune = PrometheusText.render(Self.province(rootKind: "commune"), scope: MetricsScope())
        #expect(Self.units(in: commune.text).count == 7, "a commune's tree: every unit")
        let all = PrometheusText.render(Self.province(), scope: MetricsScope(depth: .all))
        #expect(Self.units(in: all.text).count == 7)
        #expect(all.text + PrometheusText.timestamp(Self.province()) == PrometheusText.render(Self.province()), "all is what `chiso snapshot` prints")
        let roots = PrometheusText.render(Self.province(), scope: MetricsScope(depth: .levels(0)))
        #expect(Self.units(in: roots.text) == ["tinh"])
    }

    @Test func theSeriesCountIsExactAndTheCapCutsTheDepth() {
        let all = PrometheusText.render(Self.province(), scope: MetricsScope(depth: .all, maxSeries: 10_000_000))
        let exported = all.text + PrometheusText.timestamp(Self.province())
        let samples = exported.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
        #expect(all.series == samples, "the count is the samples written, the snapshot's timestamp included")
        // A cap between the communes' count and everything's: cut to level 1.
        let communes = PrometheusText.render(Self.province(), scope: MetricsScope(depth: .levels(1))).series
        let capped = PrometheusText.render(Self.province(), scope: MetricsScope(depth: .all, maxSeries: communes))
        #expect(capped.depth == 1 && capped.wantedDepth == 2 && capped.wasCapped && capped.series == communes)
        let tiny = PrometheusText.render(Self.province(), scope: MetricsScope(depth: .all, maxSeries: 1))
        #expect(tiny.depth == 0, "never less than the roots")
    }

    /// A render that copies the unchanged units' lines from the previous text writes what a render
    /// from scratch writes: after a change in one department (its commune and the province move),
    /// an overdue count, a unit no longer exported, and under another scope.
    @Test func copyingTheUnchangedUnitsLinesWritesWhatARenderFromScratchWrites() {
        let first = Self.province()
        let changes: [Snapshot] = [
            Self.province(tallies: [TallyKey(unitID: "xa-a/vp", period: .month, indicator: .dossiersOnTime): Tally(numerator: 2, denominator: 3)]),
            Self.province(overdue: ["xa-b": 4]),
            Self.province(rootKind: "commune"),
            first,
        ]
        for scope in [MetricsScope(), MetricsScope(depth: .all)] {
            let before = PrometheusText.render(first, scope: scope)
            for later in changes {
                let fresh = PrometheusText.render(later, scope: scope)
                let copied = before.bytes.withUnsafeBytes { text in
                    PrometheusText.render(later, scope: scope, previous: (first, before.pieces, text))
                }
                #expect(copied.text == fresh.text)
                #expect(copied.series == fresh.series)
                // And again from the copy (its pieces point into its own text).
                let twice = copied.bytes.withUnsafeBytes { text in
                    PrometheusText.render(first, scope: scope, previous: (later, copied.pieces, text))
                }
                #expect(twice.text == before.text)
            }
        }
    }

    /// A render after figures moved in some of a unit's results copies the others' lines from the
    /// previous text, and an estimate's unchanged numbers too: it writes what a render from
    /// scratch writes, through random batches that turn figures on and off (a ratio and a met
    /// line come and go with the data), move QĐ 766 points and the gap a manual row makes, and
    /// chain each render on the one before (its pieces point into its own text).
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func copyingUnchangedLinesOfAChangedUnitWritesWhatARenderFromScratchWrites(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        let asOf = calendar.parseInstant("2026-06-15T10:00:00+07:00")!
        let base = Self.province()
        var inputs = KPIInputs(units: base.units)
        // Published figures replace 4.2 and 2.1 at the first commune: its MDSH and TDGQ groups
        // have a gap each (two gap lines in one estimate).
        inputs.manualValues = [("qd766.digitised", 1), ("qd766.on_time", 2)].map { indicator, numerator in
            ManualValue(
                indicator: indicator, unitID: "xa-a", periodEnd: calendar.localDate(of: asOf), numerator: Decimal(numerator), denominator: 3,
                recordedAt: asOf.addingTimeInterval(-3_600))
        }
        let indicators = ComputedIndicator.allCases.filter { $0.rollup == .sum }
        func change() {
            let key = TallyKey(
                unitID: base.units[random.int(base.units.count)].id, period: PeriodKind.allCases[random.int(3)],
                indicator: indicators[random.int(indicators.count)])
            let denominator = random.int(6)
            inputs.tallies[key] = denominator == 0 ? nil : Tally(numerator: Decimal(random.int(denominator + 1)), denominator: Decimal(denominator))
        }
        let evaluator = Evaluator(catalogue: .builtIn, calendar: calendar)
        for _ in 0..<40 { change() }
        for scope in [MetricsScope(), MetricsScope(depth: .all)] {
            var snapshot = evaluator.evaluate(inputs, asOf: asOf, refreshedAt: asOf)
            var exposition = PrometheusText.render(snapshot, scope: scope)
            for step in 0..<30 {
                for _ in 0..<(1 + random.int(3)) { change() }
                if random.int(4) == 0 { inputs.overdueDossiers["xa-b"] = random.int(3) }
                let later = evaluator.evaluate(inputs, asOf: asOf, refreshedAt: asOf)
                let fresh = PrometheusText.render(later, scope: scope)
                let copied = exposition.bytes.withUnsafeBytes { text in
                    PrometheusText.render(later, scope: scope, previous: (snapshot, exposition.pieces, text))
                }
                #expect(copied.text == fresh.text, "step \(step)")
                #expect(copied.series == fresh.series)
                (snapshot, exposition) = (later, copied)
            }
            #expect(exposition.text.contains("chiso_qd766_estimate_gap{"), "the gap lines were there to copy")
        }
    }
}

import ChisoApp
import ChisoCore
import ChisoPresentation
import ChisoStorage
import ChisoWeb
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// The refresher's pass logic with fake sources (no database), and the snapshot history for real.
@Suite struct RefresherTests {
    final class Switch: Sendable {
        private let value = Mutex(false)
        var isOn: Bool { value.withLock { $0 } }
        func set(_ on: Bool) { value.withLock { $0 = on } }
    }

    struct FlakySource: KPISource {
        let failing: Switch
        func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs {
            if failing.isOn { throw Unreachable() }
            return KPIInputs(units: [Unit(id: "u", parentID: nil, name: "U", kind: "commune")])
        }
        struct Unreachable: Error {}
    }

    struct HangingSource: KPISource {
        func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs {
            // Ignores cancellation, like a connection that never answers.
            await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            fatalError("unreachable")
        }
    }

    func refresher(
        _ source: any KPISource, store: SnapshotStore, metrics: OperationalMetrics, timeout: Duration = .seconds(5),
        history: (any SnapshotHistory)? = nil, site: StaticSite? = nil
    ) -> Refresher<ContinuousClock> {
        let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        return Refresher(
            pipeline: SnapshotPipeline(source: source, evaluator: Evaluator(catalogue: .builtIn, calendar: calendar), timeout: timeout),
            history: history, store: store, site: site, metrics: metrics.refresh, interval: .seconds(60),
            time: EvaluationClock(asOf: calendar.parseInstant("2026-06-15T10:00:00+07:00")), clock: ContinuousClock(), logger: TestDatabase.logger)
    }

    /// Inputs that say whether they are the previous pass's (`RefreshPass.sameInputs`), with a
    /// manual row recorded at 11:00.
    struct IdleSource: KPISource {
        let same: Switch
        func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs {
            var inputs = KPIInputs(units: [Unit(id: "u", parentID: nil, name: "U", kind: "commune")])
            inputs.manualValues = [
                ManualValue(
                    indicator: "staff_within_quota", unitID: "u", periodEnd: LocalDate(year: 2026, month: 6, day: 1), numerator: 1,
                    denominator: 1, recordedAt: calendar.parseInstant("2026-06-15T11:00:00+07:00")!)
            ]
            inputs.pass = RefreshPass(kind: .incremental, reason: nil, changes: 0, pending: 0, differences: 0, sameInputs: same.isOn)
            return inputs
        }
    }

    /// An idle pass (the same inputs) takes the last evaluation again with its new instants, unless
    /// T moved to another local day or past a manual row's recording, or the evaluator changed.
    @Test func anIdlePassReusesTheLastEvaluationOnlyWhenNothingItReadsMoved() async throws {
        let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        let same = Switch()
        let memo = EvaluationMemo()
        func pipeline(_ catalogue: Catalogue = .builtIn) -> SnapshotPipeline {
            SnapshotPipeline(
                source: IdleSource(same: same), evaluator: Evaluator(catalogue: catalogue, calendar: calendar), timeout: .seconds(5), memo: memo)
        }
        func pass(_ at: String, _ on: SnapshotPipeline? = nil) async throws -> SnapshotPipeline.Outcome {
            let instant = calendar.parseInstant(at)!
            return try await (on ?? pipeline()).snapshot(asOf: instant, refreshedAt: { instant }, clock: ContinuousClock())
        }
        #expect(try await pass("2026-06-15T09:00:00+07:00").evaluated)
        same.set(true)
        let idle = try await pass("2026-06-15T09:01:00+07:00")
        #expect(idle.evaluated == false)
        #expect(idle.snapshot.asOf == calendar.parseInstant("2026-06-15T09:01:00+07:00"))
        #expect(idle.snapshot.refreshedAt == idle.snapshot.asOf)
        // Past 11:00 the manual row exists: evaluated; then idle again.
        let manual = try await pass("2026-06-15T11:00:00+07:00")
        #expect(manual.evaluated)
        #expect(manual.snapshot.result("staff_within_quota", unit: "u", period: .month)?.tally == Tally(numerator: 1, denominator: 1))
        #expect(try await pass("2026-06-15T12:00:00+07:00").evaluated == false)
        // Local midnight (17:00 UTC): another day.
        #expect(try await pass("2026-06-16T00:00:00+07:00").evaluated)
        // A reloaded catalogue.
        var catalogue = Catalogue.builtIn
        catalogue.indicators.removeLast()
        #expect(try await pass("2026-06-16T00:01:00+07:00", pipeline(catalogue)).evaluated)
        // Inputs that changed.
        same.set(false)
        #expect(try await pass("2026-06-16T00:02:00+07:00").evaluated)
    }

    @Test func aFailedRefreshKeepsTheLastSnapshotAndIsCounted() async throws {
        let failing = Switch()
        let store = SnapshotStore(), metrics = OperationalMetrics()
        let refresher = refresher(FlakySource(failing: failing), store: store, metrics: metrics)
        #expect(await refresher.refreshOnce())
        let first = try #require(store.current.published)
        failing.set(true)
        #expect(await refresher.refreshOnce() == false)
        #expect(await refresher.refreshOnce() == false)
        let state = store.current
        #expect(state.published?.etag == first.etag)
        #expect(state.lastRefreshSucceeded == false)
        #expect(state.consecutiveFailures == 2)
        let text = String(decoding: metrics.render().bytes, as: UTF8.self)
        #expect(text.contains("chiso_refresh_failures_total 2"))
        #expect(text.contains("\nchiso_source_up 0"))
        failing.set(false)
        #expect(await refresher.refreshOnce())
        #expect(store.current.lastRefreshSucceeded && store.current.consecutiveFailures == 0)
        #expect(String(decoding: metrics.render().bytes, as: UTF8.self).contains("\nchiso_source_up 1"))
    }

    /// A source whose upkeep notes which pass's snapshot was being served then (each pass names
    /// its unit after its number).
    final class UpkeepSource: KPISource {
        let store: SnapshotStore
        private let passes = Mutex(0)
        private let seen = Mutex<[String]>([])
        init(store: SnapshotStore) { self.store = store }
        var servedAtUpkeep: [String] { seen.withLock { $0 } }
        func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs {
            let pass = passes.withLock { count in
                count += 1
                return count
            }
            return KPIInputs(units: [Unit(id: "u", parentID: nil, name: "pass \(pass)", kind: "commune")])
        }
        func housekeep() async {
            let served = store.current.published?.snapshot.units.first?.name ?? "nothing"
            seen.withLock { $0.append(served) }
        }
    }

    /// The source's upkeep (the change log's trim) runs once a pass, after its figures are served:
    /// not within the pass and its duration.
    @Test func theSourcesUpkeepWaitsForThePassToBeServed() async {
        let store = SnapshotStore(), metrics = OperationalMetrics()
        let source = UpkeepSource(store: store)
        let refresher = refresher(source, store: store, metrics: metrics)
        #expect(await refresher.refreshOnce())
        #expect(await refresher.refreshOnce())
        #expect(source.servedAtUpkeep == ["pass 1", "pass 2"])
    }

    @Test func aSourceThatNeverAnswersIsCutOffAtTheDeadline() async {
        let store = SnapshotStore(), metrics = OperationalMetrics()
        let refresher = refresher(HangingSource(), store: store, metrics: metrics, timeout: .milliseconds(200))
        #expect(await refresher.refreshOnce() == false)
        #expect(store.current.lastError == "the refresh did not finish within 0.2 s (database unreachable or too slow)")
    }

    @Test func backoffDoublesUpToTheInterval() {
        let delays = (1...8).map { Refresher<ContinuousClock>.backoff(afterFailures: $0, cap: .seconds(60)) }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(60), .seconds(60)])
    }

    @Test func theFilesOnDiskSayWhenFiguresAreStale() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-stale-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let failing = Switch()
        let store = SnapshotStore(), metrics = OperationalMetrics()
        let refresher = refresher(FlakySource(failing: failing), store: store, metrics: metrics, site: StaticSite(directory: folder))
        #expect(await refresher.refreshOnce())
        let index = folder.appendingPathComponent("index.html")
        #expect(try !String(contentsOf: index, encoding: .utf8).contains("class=\"stale\""))
        failing.set(true)
        #expect(await refresher.refreshOnce() == false)
        let stale = try String(contentsOf: index, encoding: .utf8)
        #expect(stale.contains("class=\"stale\" role=\"alert\""))
        #expect(stale.contains("Cập nhật lúc <strong>15/06/2026 10:00</strong>"), "the last good figures stay")
        #expect(try String(contentsOf: folder.appendingPathComponent("en/index.html"), encoding: .utf8).contains("Refreshing has been failing since"))
        failing.set(false)
        #expect(await refresher.refreshOnce())
        #expect(try !String(contentsOf: index, encoding: .utf8).contains("class=\"stale\""))
    }

    /// The figures a source gives until told otherwise (a unit's name stands for any change).
    final class SteadySource: KPISource {
        let name = Mutex("U")
        func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs {
            KPIInputs(units: [Unit(id: "u", parentID: nil, name: name.withLock { $0 }, kind: "commune")])
        }
    }

    @Test func theSameFiguresKeepTheRenderedAnswersAndLeaveTheFilesAlone() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-steady-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = SteadySource()
        let store = SnapshotStore()
        let refresher = refresher(source, store: store, metrics: OperationalMetrics(), site: StaticSite(directory: folder))
        #expect(await refresher.refreshOnce())
        let first = try #require(store.current.published)
        #expect(!first.carriedOver)
        let index = folder.appendingPathComponent("index.html")
        try "as written before".write(to: index, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(5))  // another refreshedAt
        #expect(await refresher.refreshOnce())
        let second = try #require(store.current.published)
        #expect(second.carriedOver && second.metricsText == first.metricsText)
        #expect(second.snapshot.refreshedAt > first.snapshot.refreshedAt && second.etag != first.etag)
        #expect(try String(contentsOf: index, encoding: .utf8) == "as written before", "the same figures: the files stay")
        // Another figure: rendered and written anew.
        source.name.withLock { $0 = "U mới" }
        #expect(await refresher.refreshOnce())
        #expect(store.current.published?.carriedOver == false)
        #expect(try String(contentsOf: index, encoding: .utf8).contains("U mới"))
        // A write that failed is tried again at the next refresh, even with the same figures.
        try FileManager.default.removeItem(at: folder)
        try "not a folder".write(to: folder, atomically: true, encoding: .utf8)
        source.name.withLock { $0 = "U thứ ba" }
        #expect(await refresher.refreshOnce(), "a page that cannot be written costs the files, not the refresh")
        try FileManager.default.removeItem(at: folder)
        #expect(await refresher.refreshOnce())
        #expect(store.current.published?.carriedOver == true)
        #expect(try String(contentsOf: index, encoding: .utf8).contains("U thứ ba"))
    }

    /// Whatever inputs the test sets.
    final class SetSource: KPISource {
        let inputs: Mutex<KPIInputs>
        init(_ inputs: KPIInputs) { self.inputs = Mutex(inputs) }
        func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs { inputs.withLock { $0 } }
    }

    @Test func onlyThePagesWhoseFiguresChangedAreWrittenAgain() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-partial-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let units = [
            Unit(id: "tinh", parentID: nil, name: "Tỉnh", kind: "province"),
            Unit(id: "a", parentID: "tinh", name: "Xã A", kind: "commune"),
            Unit(id: "b", parentID: "tinh", name: "Xã B", kind: "commune"),
        ]
        let key = TallyKey(unitID: "a", period: .year, indicator: .dossiersOnTime)
        let source = SetSource(KPIInputs(units: units, tallies: [key: Tally(numerator: 1, denominator: 2)]))
        let site = StaticSite(directory: folder)
        let refresher = refresher(source, store: SnapshotStore(), metrics: OperationalMetrics(), site: site)
        #expect(await refresher.refreshOnce())
        let snapshot = try #require(refresher.store.current.published?.snapshot)
        let layout = SiteLayout(units: units)
        let paths = site.requests(for: snapshot).compactMap { request in layout.path(request, rootID: "tinh").map { (request.unitID, $0) } }
        #expect(paths.count == 18, "3 units × 2 languages × 3 periods")
        for (_, path) in paths { try "kept".write(to: folder.appendingPathComponent(path), atomically: true, encoding: .utf8) }
        source.inputs.withLock { $0.tallies[key] = Tally(numerator: 2, denominator: 2) }
        #expect(await refresher.refreshOnce())
        for (unit, path) in paths {
            let text = try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
            // Xã A's figure shows on its own pages and on the province's (its units table).
            #expect((text == "kept") == (unit == "b"), "\(path)")
        }
    }

    @Test func beforeAnySuccessTheFileSaysThereAreNoFiguresYet() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-waiting-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let failing = Switch()
        failing.set(true)
        let refresher = refresher(
            FlakySource(failing: failing), store: SnapshotStore(), metrics: OperationalMetrics(), site: StaticSite(directory: folder))
        #expect(await refresher.refreshOnce() == false)
        let page = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.contains("Chưa kết nối được cơ sở dữ liệu"))
    }

    @Test func theTrendIsReadFromTheStoredHistoryPlusToday() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, settings in
            let source = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let history = PostgresSnapshotHistory(client: client, schema: schema, logger: TestDatabase.logger)
            let evaluator = Evaluator(catalogue: .builtIn, calendar: settings.calendar)
            // Two earlier days stored; the refresher adds today's point from its own snapshot.
            for daysBack in [2.0, 1.0] {
                let instant = fixtureAsOf.addingTimeInterval(-86_400 * daysBack)
                let inputs = try await source.loadInputs(asOf: instant, calendar: settings.calendar)
                try await history.append(evaluator.evaluate(inputs, asOf: instant, refreshedAt: instant))
            }
            let stored = try await history.trend(year: 2026, units: ["bac-binh"], before: LocalDate(year: 2026, month: 6, day: 15))
            #expect(stored.series(indicator: "documents_signed", unit: "bac-binh").map(\.day.description) == ["2026-06-13", "2026-06-14"])
            #expect(stored.series(indicator: "documents_signed", unit: "bac-binh/vp").isEmpty, "only the units asked for")
            let store = SnapshotStore()
            // A real read while the whole suite runs beside it: a deadline for a stuck database, not a speed limit.
            let refresher = refresher(source, store: store, metrics: OperationalMetrics(), timeout: .seconds(120), history: history)
            #expect(await refresher.refreshOnce())
            let trend = try #require(store.current.published?.history)
            let days = trend.series(indicator: "documents_signed", unit: "bac-binh")
            #expect(days.map(\.day.description) == ["2026-06-13", "2026-06-14", "2026-06-15"])
            #expect(days.last?.numerator == 7 && days.last?.denominator == 10)
            // The root and the units right below it have trend lines; deeper units do not.
            #expect(!trend.series(indicator: "documents_signed", unit: "bac-binh/tthc").isEmpty)
            #expect(trend.series(indicator: "documents_signed", unit: "bac-binh/tthc/quay-1").isEmpty)
        }
    }

    @Test func historyKeepsOneSnapshotPerLocalDay() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, settings in
            let source = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            // Written 7 values a statement: the results' last, partial chunk is written too.
            let history = PostgresSnapshotHistory(client: client, schema: schema, logger: TestDatabase.logger, valuesPerStatement: 7)
            let evaluator = Evaluator(catalogue: .builtIn, calendar: settings.calendar)
            let inputs = try await source.loadInputs(asOf: fixtureAsOf, calendar: settings.calendar)
            let morning = evaluator.evaluate(inputs, asOf: fixtureAsOf, refreshedAt: fixtureAsOf)
            try await history.append(morning)
            let later = fixtureAsOf.addingTimeInterval(3600)
            try await history.append(evaluator.evaluate(inputs, asOf: later, refreshedAt: later))
            #expect(try await TestDatabase.count("chiso_snapshots", client: client, schema: schema) == 1)
            #expect(morning.results.count % 7 != 0 && morning.results.count > 14)
            #expect(try await TestDatabase.count("chiso_snapshot_values", client: client, schema: schema) == morning.results.count)
            let rows = try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT numerator::text, denominator::text FROM "\(schema.rawValue)".chiso_snapshot_values
                        WHERE indicator = 'documents_signed' AND unit_id = 'bac-binh' AND period = 'year'
                        """))
            for try await (numerator, denominator) in rows.decode((String, String).self) {
                #expect(numerator == "7" && denominator == "10")
            }
        }
    }
}

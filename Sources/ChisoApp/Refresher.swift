import ChisoCore
import ChisoPresentation
import ChisoStorage
import ChisoWeb
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Computes a snapshot at start and then every refresh interval, and publishes it.
///
/// A pass catches its own errors: the last good snapshot stays (marked stale), the failure is
/// counted and logged once per outage, and the next try comes with exponential backoff (1 s, 2 s,
/// 4 s … capped at the interval). `run()` ends only at shutdown.
public struct Refresher<C: Clock>: Service where C.Duration == Duration {
    public let pipeline: SnapshotPipeline
    public let history: (any SnapshotHistory)?
    public let store: SnapshotStore
    /// Where the pages are written as files at every refresh (nil: not written).
    public let site: StaticSite?
    public let metrics: RefreshMetrics
    public let interval: Duration
    /// T and the wall clock (fixed `--as-of`, or now at each pass).
    public let time: EvaluationClock
    /// What the refresher sleeps on between passes (a test clock in tests).
    public let clock: C
    public let logger: Logger
    /// Says why a refresh failed (a connection not had within connect_timeout: the direct cause).
    public let explainer: FailureExplainer
    /// The pipeline of each pass: `pipeline`, or one built from the settings as last reloaded
    /// (the catalogue follows SIGHUP).
    let currentPipeline: @Sendable () -> SnapshotPipeline
    /// With replicas: only the leader stores the history (nil: a single instance, it always does).
    public let leadership: Leadership?
    /// Which units `/metrics` exports.
    public let metricsScope: MetricsScope
    /// Tells systemd the daemon is ready after the first pass and pings its watchdog after each.
    public let notifier: SystemdNotifier
    private let cappedAt = CappedExposition()

    public init(
        pipeline: SnapshotPipeline, history: (any SnapshotHistory)?, store: SnapshotStore, site: StaticSite? = nil, metrics: RefreshMetrics,
        interval: Duration, time: EvaluationClock, clock: C, logger: Logger, explainer: FailureExplainer? = nil,
        livePipeline: (@Sendable () -> SnapshotPipeline)? = nil, leadership: Leadership? = nil, metricsScope: MetricsScope = MetricsScope(),
        notifier: SystemdNotifier = SystemdNotifier(environment: [:])
    ) {
        self.notifier = notifier
        self.metricsScope = metricsScope
        self.leadership = leadership
        self.currentPipeline = livePipeline ?? { pipeline }
        self.explainer = explainer ?? FailureExplainer(database: nil)
        self.pipeline = pipeline
        self.history = history
        self.store = store
        self.site = site
        self.metrics = metrics
        self.interval = interval
        self.time = time
        self.clock = clock
        self.logger = logger
    }

    var timeout: Duration { pipeline.timeout }
    var calendar: PlanCalendar { pipeline.evaluator.calendar }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Whether this instance leads is known within moments of the start (or not at all
            // while the database is away): a single instance then stores its first snapshot.
            await self.leadership?.waitForFirstDecision(upTo: .seconds(2))
            var failures = 0, first = true
            while !Task.isCancelled {
                let succeeded = await self.refreshOnce()
                notifier.passed(first: first, status: self.statusLine(succeeded))
                first = false
                failures = succeeded ? 0 : failures + 1
                let delay = succeeded ? interval : Self.backoff(afterFailures: failures, cap: interval)
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    return  // cancelled: shutting down
                }
            }
        }
    }

    /// systemd's STATUS= after a pass (`systemctl status chiso` shows it).
    func statusLine(_ succeeded: Bool) -> String {
        let state = store.current
        if succeeded, let snapshot = state.published?.snapshot {
            return "serving figures as of \(calendar.rfc3339(snapshot.asOf))"
        }
        return "refresh failing: \(state.lastError ?? "unknown error")"
            + (state.published == nil ? " (no figures yet)" : " (serving the last good snapshot)")
    }

    /// 1 s, 2 s, 4 s, … never longer than the refresh interval.
    public static func backoff(afterFailures failures: Int, cap: Duration) -> Duration {
        let seconds = 1 << min(max(failures - 1, 0), 16)
        return min(.seconds(seconds), cap)
    }

    /// One pass: read, evaluate, publish, keep history. Returns whether a snapshot was published.
    @discardableResult
    public func refreshOnce() async -> Bool {
        let started = clock.now
        let instant = time.evaluationInstant()
        logger.trace("refresh: reading inputs")
        do {
            let time = self.time
            let made = try await currentPipeline().snapshot(asOf: instant, refreshedAt: { time.now() }, clock: clock)
            let snapshot = made.snapshot
            let evaluated = clock.now
            let trend = await storeHistoryAndReadTrend(snapshot, sameResults: !made.evaluated)
            let historyDone = clock.now
            let published = render(snapshot, trend: trend)
            let rendered = clock.now
            let replaced = store.publish(published, at: snapshot.refreshedAt)
            let elapsed = started.duration(to: clock.now)
            metrics.recordSuccess(at: snapshot.refreshedAt, duration: elapsed.seconds)
            if let pass = made.pass { metrics.recordPass(pass, seconds: elapsed.seconds) }
            if outageLogged.exchange(false) {
                logger.notice("refresh recovered; serving a fresh snapshot")
            }
            logger.debug(
                "refreshed",
                metadata: [
                    "results": "\(snapshot.results.count)", "seconds": "\(elapsed.seconds)",
                    "kind": "\(made.pass?.kind.rawValue ?? "-")", "changes": "\(made.pass?.changes ?? 0)",
                    "read_seconds": "\(made.readSeconds)", "evaluate_seconds": "\(made.evaluateSeconds)", "evaluated": "\(made.evaluated)",
                    "units_evaluated": "\(made.unitsEvaluated.map(String.init) ?? "-")",
                    "results_made": "\(made.resultsMade.map(String.init) ?? "-")",
                    "estimates_made": "\(made.estimatesMade.map(String.init) ?? "-")",
                    "history_seconds": "\(evaluated.duration(to: historyDone).seconds)",
                    "render_seconds": "\(historyDone.duration(to: rendered).seconds)", "carried_over": "\(published.carriedOver)",
                ])
            writeSite(published, staleness: nil)
            // The source's upkeep (the change log's trim) once the figures are out; bounded like a
            // pass, for a database that went away meanwhile (a later pass chooses the next trim).
            let source = currentPipeline().source
            do {
                try await withDeadline(timeout, clock: clock, operation: "the source's upkeep") { await source.housekeep() }
            } catch {
                logger.warning("\(error)")
            }
            withExtendedLifetime(replaced) {}  // freed here, after the pass is timed, then given back
            FreedMemory.release()
            return true
        } catch {
            // Said at once (metrics, /readyz, the banner); a connection not had is then explained by
            // one direct attempt, once per outage (the attempt can itself take connect_timeout).
            let known = store.current.lastError
            store.recordFailure(DatabaseFailure.describe(error), at: time.now())
            metrics.recordFailure(duration: started.duration(to: clock.now).seconds)
            let reason: String
            if case .noConnection? = error as? StorageError, outageLogged.isSet, let known {
                reason = known
            } else {
                reason = await explainer.explain(error)
            }
            store.explainFailure(reason)
            // Once per outage, not once per retry.
            if outageLogged.exchange(true) == false {
                logger.error("refresh failed; keeping the last good snapshot: \(reason)")
                // The files on disk say so too (nginx serves them without asking chiso).
                let state = store.current
                if let published = state.published {
                    writeSite(published, staleness: Staleness(since: state.failingSince))
                } else {
                    try? site?.writeWaitingIfEmpty(lastError: true)
                }
            }
            return false
        }
    }

    /// The answers of a snapshot: the last snapshot's, carried over when it says the same
    /// (only the instants move), or rendered.
    func render(_ snapshot: Snapshot, trend: TrendHistory) -> PublishedSnapshot {
        let current = store.current
        let alerts = current.alerts
        let published =
            current.published?.restamped(snapshot, history: trend, alerts: alerts)
            ?? PublishedSnapshot(rendering: snapshot, history: trend, alerts: alerts, scope: metricsScope, previous: current.published)
        if let exposition = published.exposition, exposition.depth < exposition.wantedDepth, cappedAt.exchange(exposition) != exposition {
            logger.error(
                "metrics: units down to level \(exposition.wantedDepth) would pass metrics_max_series \(metricsScope.maxSeries); exporting down to level \(exposition.depth) (\(exposition.series) series)"
            )
        }
        return published
    }

    private let outageLogged = PassFlag()
    /// The snapshot every page file was last written from, without a stale banner (nil: unknown,
    /// after a failed write, or when the files carry the banner).
    private let siteWrittenFrom = SiteWrittenFrom()
    private let trendCache = TrendCache()
    private let historyClock = HistoryClock()
    /// How often today's snapshot is stored in the history (the last one of the day is what stays).
    public var historyEvery: Duration = .seconds(900)

    /// Stores today's snapshot in the history, then returns the trend lines for the page: the
    /// stored days before today (read once per local day and kept) plus today's live figures
    /// (`sameResults`: the snapshot's results are the last pass's, so are today's points).
    /// A history failure costs the trend lines, never the refresh.
    func storeHistoryAndReadTrend(_ snapshot: Snapshot, sameResults: Bool = false) async -> TrendHistory {
        guard let history else { return TrendHistory() }
        let today = calendar.localDate(of: snapshot.asOf)
        let root = snapshot.units.first?.id
        let units = snapshot.units.filter { $0.parentID == nil || $0.parentID == root }.map(\.id)
        // The history keeps one snapshot per day (the day's last): storing it at every refresh would
        // rewrite ~10^5 rows a minute at province scale. Every `historyEvery`, and on a new day.
        // Replicas: the leader alone stores it (followers read the same history for the trend).
        if leadership?.isLeader ?? true, historyClock.due(day: today, at: snapshot.refreshedAt, every: historyEvery) {
            do {
                try await withDeadline(timeout, clock: clock, operation: "storing the snapshot history") { try await history.append(snapshot) }
                historyClock.stored(day: today, at: snapshot.refreshedAt)
            } catch {
                logger.warning("snapshot history not stored: \(DatabaseFailure.describe(error))")
            }
        }
        var trend: TrendHistory
        if let cached = trendCache.get(day: today, units: units) {
            trend = cached
        } else {
            do {
                trend = try await withDeadline(timeout, clock: clock, operation: "reading the trend lines") {
                    try await history.trend(year: today.year, units: units, before: today)
                }
                trendCache.set(trend, day: today, units: units)
            } catch {
                logger.warning("trend lines not read: \(DatabaseFailure.describe(error))")
                trend = TrendHistory()
            }
        }
        // Today's points: the year figures of the root and its children, taken again from the last
        // pass when its results are the same; else read from those units' own results (a province's
        // ~125 units of 869: scanning all ~10^5 results for them was ~4 ms of every pass).
        if sameResults, let live = trendCache.live(day: today, units: units) {
            trend.today = live
            return trend
        }
        var live: [String: [String: HistoryPoint]] = [:]
        for unit in Set(units) {
            for result in snapshot.results(of: unit) where result.period == .year {
                live[result.indicator, default: [:]][result.unitID] = HistoryPoint(
                    day: today, numerator: result.tally.numerator, denominator: result.tally.denominator)
            }
        }
        trendCache.setLive(live, day: today, units: units)
        trend.today = live
        return trend
    }

    /// Writes the pages to the output directory; a failure is logged, the daemon goes on serving.
    /// Pages whose figures did not change since the files were last written are left as they are
    /// (most of a province's 750 files at most refreshes; all of them when nothing changed).
    func writeSite(_ published: PublishedSnapshot, staleness: Staleness?) {
        guard let site else { return }
        let started = clock.now
        // Forgotten until this write is known to have succeeded.
        let previous = siteWrittenFrom.take()
        do {
            let written = try site.write(published, staleness: staleness, previous: previous)
            if staleness == nil { siteWrittenFrom.set(published) }
            logger.debug(
                "status pages written",
                metadata: [
                    "directory": "\(site.directory.path)", "pages": "\(written.pages)", "unchanged": "\(written.unchanged)",
                    "index_bytes": "\(written.indexBytes)", "seconds": "\(started.duration(to: clock.now).seconds)",
                ])
        } catch {
            logger.warning("\(error)")
        }
    }
}

/// The snapshot the page files were last written from.
final class SiteWrittenFrom: Sendable {
    private let value = Mutex<PublishedSnapshot?>(nil)
    func take() -> PublishedSnapshot? { value.withLock { $0.take() } }
    func set(_ published: PublishedSnapshot) { value.withLock { $0 = published } }
}

/// When today's snapshot was last stored in the history.
final class HistoryClock: Sendable {
    private let last = Mutex<(day: LocalDate, at: Date)?>(nil)
    func due(day: LocalDate, at instant: Date, every interval: Duration) -> Bool {
        last.withLock { last in
            guard let last else { return true }
            return last.day != day || instant.timeIntervalSince(last.at) >= interval.seconds
        }
    }
    func stored(day: LocalDate, at instant: Date) { last.withLock { $0 = (day, instant) } }
}

/// The stored trend of the days before today, kept for the rest of the local day.
final class TrendCache: Sendable {
    private let state = Mutex<(day: LocalDate, units: [String], trend: TrendHistory)?>(nil)
    private let today = Mutex<(day: LocalDate, units: [String], points: [String: [String: HistoryPoint]])?>(nil)
    func get(day: LocalDate, units: [String]) -> TrendHistory? {
        state.withLock { $0.flatMap { $0.day == day && $0.units == units ? $0.trend : nil } }
    }
    func set(_ trend: TrendHistory, day: LocalDate, units: [String]) { state.withLock { $0 = (day, units, trend) } }
    /// The last pass's live points of today.
    func live(day: LocalDate, units: [String]) -> [String: [String: HistoryPoint]]? {
        today.withLock { $0.flatMap { $0.day == day && $0.units == units ? $0.points : nil } }
    }
    func setLive(_ points: [String: [String: HistoryPoint]], day: LocalDate, units: [String]) { today.withLock { $0 = (day, units, points) } }
}

/// A flag kept across passes (whether the current outage has been logged, whether the files are current).
final class PassFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    @discardableResult
    func exchange(_ new: Bool) -> Bool {
        value.withLock { old in
            defer { old = new }; return old
        }
    }
}

/// The last exposition the cap cut (said once per change, not every refresh).
final class CappedExposition: Sendable {
    private let last = Mutex<ExpositionSummary?>(nil)
    func exchange(_ new: ExpositionSummary) -> ExpositionSummary? {
        last.withLock { old in
            defer { old = new }; return old
        }
    }
}

import ChisoCore
import ChisoPresentation
import Foundation
import NIOCore
import Synchronization

/// A snapshot with its answers rendered once, at refresh time, so that requests only copy bytes.
///
/// Each answer is kept in two parts: what the figures make (rendered when they change) and the
/// snapshot's instants (made for every snapshot). `restamped(_:)` carries the first part over to
/// a snapshot that says the same at a later instant, the common case at night or in a quiet commune.
///
/// A class: every request reads the store's state, and a copy of it is then one reference, not
/// the ~30 that the snapshot's parts hold (perf: copying and releasing them was ~12 % of serving
/// `GET /` from memory).
public final class PublishedSnapshot: Sendable {
    public let snapshot: Snapshot
    /// The figures' families of `/metrics`.
    public let metricsText: ByteBuffer
    /// `chiso_snapshot_as_of_timestamp_seconds`, after the figures.
    public let metricsTimestamp: ByteBuffer
    /// The JSON document's members (`SnapshotJSON.members`), encoded at their first request: the
    /// handler puts the live `stale` flag and then `jsonTimes` first.
    let json: JSONMembers
    /// The members as served plain (encoded once, then kept with the snapshot).
    public var jsonMembers: ByteBuffer { json.kept }
    /// `"as_of":…,"refreshed_at":…,` (`SnapshotJSON.times`).
    public let jsonTimes: ByteBuffer
    /// The root's pages (both languages, every period) of these figures with their instants open,
    /// each rendered when first asked for; shared by the snapshots `restamped` from this one.
    let rootPages: RootPages
    /// The root's pages with this snapshot's instants filled in, kept once made.
    private let filledPages = FilledPages()
    /// The trend lines the pages were drawn with (kept to re-render with a stale banner or for a unit).
    public let history: TrendHistory
    public let layout: SiteLayout
    /// The alert outbox's problems when the pages were rendered.
    public let alerts: AlertSummary?
    /// For `ETag`: changes with every published snapshot.
    public let etag: String
    /// For `Last-Modified`, formatted once here rather than on every request.
    public let lastModified: String
    /// What `/metrics` exports of it (nil when made from given text).
    public let exposition: ExpositionSummary?
    /// Where each exported unit's lines are in `metricsText` (the next render copies the unchanged ones).
    let metricsPieces: MetricsPieces?
    /// The `etag` of the snapshot whose figures these answers were rendered from: its own, or
    /// the one they were carried over from (`restamped`). Equal tags, equal figures.
    public let figuresTag: String
    /// The root pages' `ETag`s without and with the stale banner (`pageTag`).
    private let rootTags: [PageRequest: (fresh: String, stale: String)]
    /// Whether this snapshot's answers were carried over from an earlier one.
    public var carriedOver: Bool { figuresTag != etag }

    init(
        snapshot: Snapshot, metricsText: ByteBuffer, json: JSONMembers, rootPages: RootPages, history: TrendHistory,
        alerts: AlertSummary?, layout: SiteLayout, exposition: ExpositionSummary?, metricsPieces: MetricsPieces?, figuresTag: String?
    ) {
        self.metricsPieces = metricsPieces
        self.snapshot = snapshot
        self.metricsText = metricsText
        self.metricsTimestamp = ByteBuffer(string: PrometheusText.timestamp(snapshot))
        self.json = json
        self.jsonTimes = ByteBuffer(string: SnapshotJSON.times(snapshot))
        self.rootPages = rootPages
        self.history = history
        self.alerts = alerts
        self.layout = layout
        self.exposition = exposition
        let etag = String(UInt64(max(0, snapshot.refreshedAt.timeIntervalSince1970 * 1000)), radix: 36)
        self.etag = etag
        self.figuresTag = figuresTag ?? etag
        self.lastModified = Routes.httpDate(snapshot.refreshedAt)
        var tags: [PageRequest: (fresh: String, stale: String)] = [:]
        for language in [Format.Language.vi, .en] {
            for period in PeriodKind.allCases {
                let request = PageRequest(language: language, period: period, unitID: nil)
                tags[request] = (
                    Self.pageTag(etag: etag, request, stale: false, slug: nil), Self.pageTag(etag: etag, request, stale: true, slug: nil)
                )
            }
        }
        self.rootTags = tags
        // What `GET /` answers, ready before the snapshot is published (the other five root pages
        // are read far less: each is made at its first request, ~0.1 s at province scale).
        _ = statusPage
    }

    /// One of the root's pages (nil for a unit's page: those are rendered on demand by the routes).
    public func page(_ request: PageRequest) -> ByteBuffer? {
        guard request.unitID == nil else { return nil }
        let (snapshot, pages) = (self.snapshot, rootPages)
        return filledPages.page(request) {
            if let stamped = pages.stamped(request) { return stamped.filled(asOf: snapshot.asOf, refreshedAt: snapshot.refreshedAt) }
            // A page whose text holds a marker character: rendered whole for this snapshot.
            let html =
                (try? StatusPage.render(
                    snapshot, history: pages.history, request: request, links: .query, layout: pages.layout, alerts: pages.alerts)) ?? ""
            return ByteBuffer(string: html)
        }
    }

    /// A page's `ETag`: the snapshot, the page and whether it carries the stale banner. The root's
    /// are made once (`rootTags`), as they are asked for on every request.
    func pageTag(_ request: PageRequest, stale: Bool) -> String {
        if let tags = rootTags[request] { return stale ? tags.stale : tags.fresh }
        return Self.pageTag(etag: etag, request, stale: stale, slug: request.unitID.map { layout.slugs[$0] ?? "x" })
    }

    static func pageTag(etag: String, _ request: PageRequest, stale: Bool, slug: String?) -> String {
        "\"\(etag)-\(request.language == .en ? "en" : "vi")-\(request.period.rawValue)-\(stale ? "s" : "f")\(slug.map { "-" + $0 } ?? "")\""
    }

    /// The Vietnamese year page (what `GET /` answers).
    public var statusPage: ByteBuffer { page(PageRequest()) ?? ByteBuffer() }

    /// This snapshot's answers for `later`, which says the same (`Snapshot.saysTheSame`) with the
    /// same trend lines and alert problems: the figures' parts are shared, the instants made anew.
    /// Nil when it does not say the same.
    public func restamped(_ later: Snapshot, history: TrendHistory, alerts: AlertSummary?) -> PublishedSnapshot? {
        guard later.saysTheSame(as: snapshot), history == self.history, alerts == self.alerts else { return nil }
        return PublishedSnapshot(
            snapshot: later, metricsText: metricsText, json: json, rootPages: rootPages, history: history, alerts: alerts, layout: layout,
            exposition: exposition, metricsPieces: metricsPieces, figuresTag: figuresTag)
    }
}

/// The root's six pages of one snapshot's figures, with their instants open (`StampedPage`),
/// rendered at their first request rather than at every refresh: at province scale each is ~0.1 s
/// of the template, and most deployments read `/` and little else. Concurrent first requests wait
/// for one rendering. Nil for a page that could not be marked (its text holds a marker character).
final class RootPages: Sendable {
    let snapshot: Snapshot
    let history: TrendHistory
    let layout: SiteLayout
    let alerts: AlertSummary?
    private let made = Mutex<[PageRequest: StampedPage?]>([:])

    init(snapshot: Snapshot, history: TrendHistory, layout: SiteLayout, alerts: AlertSummary?) {
        self.snapshot = snapshot
        self.history = history
        self.layout = layout
        self.alerts = alerts
    }

    func stamped(_ request: PageRequest) -> StampedPage? {
        made.withLock { made in
            if let page = made[request] { return page }
            // The root always exists in a snapshot that has units; an empty tree renders an empty page.
            let page =
                (try? StatusPage.renderStamped(snapshot, history: history, request: request, links: .query, layout: layout, alerts: alerts))
                ?? nil
            made[request] = page
            return page
        }
    }

    /// The pages rendered so far (for the tests).
    var renderedCount: Int { made.withLock { $0.count } }
}

/// One snapshot's root pages with its instants filled in, kept once made (a fill copies a page).
final class FilledPages: Sendable {
    private let pages = Mutex<[PageRequest: ByteBuffer]>([:])

    func page(_ request: PageRequest, make: () -> ByteBuffer) -> ByteBuffer {
        pages.withLock { pages in
            if let page = pages[request] { return page }
            let page = make()
            pages[request] = page
            return page
        }
    }
}

/// The JSON document's members of one snapshot's figures, encoded when first asked for rather than
/// at every refresh: at province scale they are ~47 MB and half a second of encoding, for a
/// document many deployments never read (the page and Prometheus are what they use). A plain
/// request keeps them (its client will ask again); the gzip body is made from them once per
/// snapshot (`GzipCache`) and is what is kept then. Shared by the snapshots `restamped` from this
/// one: the members hold no instant.
final class JSONMembers: Sendable {
    private let snapshot: Snapshot
    private let plain = Mutex<ByteBuffer?>(nil)

    init(_ snapshot: Snapshot) { self.snapshot = snapshot }

    /// The members, kept once made (concurrent first requests wait for one encoding).
    var kept: ByteBuffer {
        plain.withLock { plain in
            if let plain { return plain }
            let made = ByteBuffer(bytes: SnapshotJSON.members(snapshot))
            plain = made
            return made
        }
    }

    /// The members for one use: the kept ones, or encoded and not kept.
    var once: ByteBuffer { plain.withLock { $0 } ?? ByteBuffer(bytes: SnapshotJSON.members(snapshot)) }

    /// Whether the plain members are held (for the tests: a gzip client alone never makes them stay).
    var isKept: Bool { plain.withLock { $0 != nil } }
}

/// How many series `/metrics` exports and down to which level (`wantedDepth` deeper: the cap cut it).
public struct ExpositionSummary: Sendable, Equatable {
    public var series: Int
    public var depth: Int
    public var wantedDepth: Int
}

/// The state the HTTP side serves: the last good snapshot and how the last refresh went.
/// A failed refresh never removes the snapshot; it only marks it stale.
public final class SnapshotStore: Sendable {
    public struct State: Sendable {
        public var published: PublishedSnapshot?
        /// Whether the most recent refresh succeeded (false before the first one).
        public var lastRefreshSucceeded = false
        public var lastSuccessAt: Date?
        public var lastFailureAt: Date?
        /// The first failure of the current outage (nil while refreshes succeed).
        public var failingSince: Date?
        /// The cause of the last failure, without secrets.
        public var lastError: String?
        /// Failures since the last success.
        public var consecutiveFailures = 0
        /// The alert outbox as the alert service last saw it (nil: alerts not running).
        public var alerts: AlertSummary?

        public init() {}
    }

    private let state = Mutex(State())

    public init() {}

    public var current: State { state.withLock { $0 } }

    /// Serves `snapshot` from now on. Returns the one it replaces: the caller lets it go after the
    /// refresh is timed and outside the lock (a province's snapshot takes ~4 ms to free, which
    /// readers waiting on the lock and the refresh's duration need not wait for).
    @discardableResult
    public func publish(_ snapshot: PublishedSnapshot, at instant: Date) -> PublishedSnapshot? {
        state.withLock {
            let replaced = $0.published
            $0.published = snapshot
            $0.lastRefreshSucceeded = true
            $0.lastSuccessAt = instant
            $0.lastError = nil
            $0.consecutiveFailures = 0
            $0.failingSince = nil
            return replaced
        }
    }

    public func recordAlerts(_ summary: AlertSummary) {
        state.withLock { $0.alerts = summary }
    }

    /// Replaces the cause of the current failure with a better-explained one (no-op once a refresh succeeded).
    public func explainFailure(_ reason: String) {
        state.withLock { if !$0.lastRefreshSucceeded { $0.lastError = reason } }
    }

    public func recordFailure(_ reason: String, at instant: Date) {
        state.withLock {
            $0.lastRefreshSucceeded = false
            $0.lastFailureAt = instant
            if $0.failingSince == nil { $0.failingSince = instant }
            $0.lastError = reason
            $0.consecutiveFailures += 1
        }
    }
}

extension PublishedSnapshot {
    /// Renders every answer of a snapshot once (`GET /` and `/metrics` at once, the rest when
    /// first asked for). `previous`: the snapshot published before, whose `/metrics` lines of the
    /// units with unchanged figures are copied.
    public convenience init(
        rendering snapshot: Snapshot, history: TrendHistory = TrendHistory(), alerts: AlertSummary? = nil, scope: MetricsScope = MetricsScope(),
        previous: PublishedSnapshot? = nil
    ) {
        // `/metrics` and the root pages at once (a province's: ~0.02 s each on a core of its own;
        // the pages' layout, ~3 ms, on the pages' side).
        let ((exposition, metricsText), (rootPages, layout)) = Concurrently.both(
            { () -> (Exposition, ByteBuffer) in
                let exposition: Exposition
                if let previous, let pieces = previous.metricsPieces {
                    exposition = previous.metricsText.withUnsafeReadableBytes { text in
                        PrometheusText.render(snapshot, scope: scope, previous: (previous.snapshot, pieces, text))
                    }
                } else {
                    exposition = PrometheusText.render(snapshot, scope: scope)
                }
                return (exposition, ByteBuffer(bytes: exposition.bytes))
            },
            {
                let layout = SiteLayout(units: snapshot.units)
                let pages = RootPages(snapshot: snapshot, history: history, layout: layout, alerts: alerts)
                _ = pages.stamped(PageRequest())  // `GET /`'s page, which the designated init fills in
                return (pages, layout)
            })
        self.init(
            snapshot: snapshot, metricsText: metricsText, json: JSONMembers(snapshot),
            rootPages: rootPages, history: history, alerts: alerts,
            layout: layout,
            exposition: ExpositionSummary(series: exposition.series, depth: exposition.depth, wantedDepth: exposition.wantedDepth),
            metricsPieces: exposition.pieces, figuresTag: nil)
    }
}

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
public struct PublishedSnapshot: Sendable {
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
    /// The root's pages (both languages, every period), rendered once; unit pages are rendered on demand.
    public let pages: [PageRequest: ByteBuffer]
    /// The same pages with their instants open (nil when a page could not be marked: rendered anew each time).
    let stampedPages: [PageRequest: StampedPage]?
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
    /// The `etag` of the snapshot whose figures these answers were rendered from: its own, or
    /// the one they were carried over from (`restamped`). Equal tags, equal figures.
    public let figuresTag: String
    /// Whether this snapshot's answers were carried over from an earlier one.
    public var carriedOver: Bool { figuresTag != etag }

    init(
        snapshot: Snapshot, metricsText: ByteBuffer, json: JSONMembers, stampedPages: [PageRequest: StampedPage]?,
        pages: [PageRequest: ByteBuffer]?, history: TrendHistory, alerts: AlertSummary?, layout: SiteLayout,
        exposition: ExpositionSummary?, figuresTag: String?
    ) {
        self.snapshot = snapshot
        self.metricsText = metricsText
        self.metricsTimestamp = ByteBuffer(string: PrometheusText.timestamp(snapshot))
        self.json = json
        self.jsonTimes = ByteBuffer(string: SnapshotJSON.times(snapshot))
        self.stampedPages = stampedPages
        self.pages =
            pages ?? (stampedPages ?? [:]).mapValues { $0.filled(asOf: snapshot.asOf, refreshedAt: snapshot.refreshedAt) }
        self.history = history
        self.alerts = alerts
        self.layout = layout
        self.exposition = exposition
        let etag = String(UInt64(max(0, snapshot.refreshedAt.timeIntervalSince1970 * 1000)), radix: 36)
        self.etag = etag
        self.figuresTag = figuresTag ?? etag
        self.lastModified = Routes.httpDate(snapshot.refreshedAt)
    }

    /// The Vietnamese year page (what `GET /` answers).
    public var statusPage: ByteBuffer { pages[PageRequest()] ?? ByteBuffer() }

    /// This snapshot's answers for `later`, which says the same (`Snapshot.saysTheSame`) with the
    /// same trend lines and alert problems: the figures' parts are shared, the instants made anew.
    /// Nil when it does not say the same, or a page could not be marked.
    public func restamped(_ later: Snapshot, history: TrendHistory, alerts: AlertSummary?) -> PublishedSnapshot? {
        guard let stampedPages, later.saysTheSame(as: snapshot), history == self.history, alerts == self.alerts else { return nil }
        return PublishedSnapshot(
            snapshot: later, metricsText: metricsText, json: json, stampedPages: stampedPages, pages: nil,
            history: history, alerts: alerts, layout: layout, exposition: exposition, figuresTag: figuresTag)
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

    public func publish(_ snapshot: PublishedSnapshot, at instant: Date) {
        state.withLock {
            $0.published = snapshot
            $0.lastRefreshSucceeded = true
            $0.lastSuccessAt = instant
            $0.lastError = nil
            $0.consecutiveFailures = 0
            $0.failingSince = nil
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
    /// Renders every answer of a snapshot once.
    public init(
        rendering snapshot: Snapshot, history: TrendHistory = TrendHistory(), alerts: AlertSummary? = nil, scope: MetricsScope = MetricsScope()
    ) {
        let layout = SiteLayout(units: snapshot.units)
        var stamped: [PageRequest: StampedPage]? = [:]
        var pages: [PageRequest: ByteBuffer] = [:]
        for language in [Format.Language.vi, .en] {
            for period in PeriodKind.allCases {
                let request = PageRequest(language: language, period: period)
                // The root always exists in a snapshot that has units; an empty tree renders an empty page.
                if let page = try? StatusPage.renderStamped(
                    snapshot, history: history, request: request, links: .query, layout: layout, alerts: alerts)
                {
                    stamped?[request] = page
                    pages[request] = page.filled(asOf: snapshot.asOf, refreshedAt: snapshot.refreshedAt)
                } else {
                    stamped = nil
                    let html =
                        (try? StatusPage.render(snapshot, history: history, request: request, links: .query, layout: layout, alerts: alerts)) ?? ""
                    pages[request] = ByteBuffer(string: html)
                }
            }
        }
        let exposition = PrometheusText.render(snapshot, scope: scope)
        self.init(
            snapshot: snapshot, metricsText: ByteBuffer(string: exposition.text), json: JSONMembers(snapshot),
            stampedPages: stamped, pages: pages, history: history, alerts: alerts, layout: layout,
            exposition: ExpositionSummary(series: exposition.series, depth: exposition.depth, wantedDepth: exposition.wantedDepth),
            figuresTag: nil)
    }
}

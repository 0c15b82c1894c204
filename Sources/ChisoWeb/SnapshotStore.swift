import ChisoCore
import ChisoPresentation
import Foundation
import NIOCore
import Synchronization

/// A snapshot with its answers rendered once, at refresh time, so that requests only copy bytes.
public struct PublishedSnapshot: Sendable {
    public let snapshot: Snapshot
    /// The indicator families of `/metrics`.
    public let metricsText: ByteBuffer
    /// The JSON document's members (`SnapshotJSON.members`): the handler puts the live `stale` flag first.
    public let jsonMembers: ByteBuffer
    /// The root's pages (both languages, every period), rendered once; unit pages are rendered on demand.
    public let pages: [PageRequest: ByteBuffer]
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
    public private(set) var exposition: ExpositionSummary?

    public init(
        snapshot: Snapshot, metricsText: String, jsonMembers: Data, pages: [PageRequest: ByteBuffer], history: TrendHistory,
        alerts: AlertSummary? = nil, layout: SiteLayout? = nil, etag: String
    ) {
        self.alerts = alerts
        self.snapshot = snapshot
        self.metricsText = ByteBuffer(string: metricsText)
        self.jsonMembers = ByteBuffer(bytes: jsonMembers)
        self.pages = pages
        self.history = history
        self.layout = layout ?? SiteLayout(units: snapshot.units)
        self.etag = etag
        self.lastModified = Routes.httpDate(snapshot.refreshedAt)
    }

    /// The Vietnamese year page (what `GET /` answers).
    public var statusPage: ByteBuffer { pages[PageRequest()] ?? ByteBuffer() }
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
        let stamp = UInt64(max(0, snapshot.refreshedAt.timeIntervalSince1970 * 1000))
        let layout = SiteLayout(units: snapshot.units)
        var pages: [PageRequest: ByteBuffer] = [:]
        for language in [Format.Language.vi, .en] {
            for period in PeriodKind.allCases {
                let request = PageRequest(language: language, period: period)
                // The root always exists in a snapshot that has units; an empty tree renders an empty page.
                let html = (try? StatusPage.render(snapshot, history: history, request: request, links: .query, layout: layout, alerts: alerts)) ?? ""
                pages[request] = ByteBuffer(string: html)
            }
        }
        let exposition = PrometheusText.render(snapshot, scope: scope)
        self.init(
            snapshot: snapshot,
            metricsText: exposition.text,
            jsonMembers: SnapshotJSON.members(snapshot),
            pages: pages, history: history, alerts: alerts, layout: layout,
            etag: String(stamp, radix: 36))
        self.exposition = ExpositionSummary(series: exposition.series, depth: exposition.depth, wantedDepth: exposition.wantedDepth)
    }
}

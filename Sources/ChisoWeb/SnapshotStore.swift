import ChisoCore
import Foundation
import NIOCore
import Synchronization

/// A snapshot with its answers rendered once, at refresh time, so that requests only copy bytes.
public struct PublishedSnapshot: Sendable {
    public let snapshot: Snapshot
    /// The indicator families of `/metrics`.
    public let metricsText: ByteBuffer
    /// The JSON document without its opening `{`: the handler prefixes the live `stale` flag.
    public let jsonTail: ByteBuffer
    public let statusPage: ByteBuffer
    public let statusPageEnglish: ByteBuffer
    /// For `ETag`: changes with every published snapshot.
    public let etag: String

    public init(snapshot: Snapshot, metricsText: String, json: Data, statusPage: String, statusPageEnglish: String, etag: String) {
        self.snapshot = snapshot
        self.metricsText = ByteBuffer(string: metricsText)
        var tail = json
        if tail.first == UInt8(ascii: "{") { tail.removeFirst() }
        self.jsonTail = ByteBuffer(bytes: tail)
        self.statusPage = ByteBuffer(string: statusPage)
        self.statusPageEnglish = ByteBuffer(string: statusPageEnglish)
        self.etag = etag
    }
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
        /// The cause of the last failure, without secrets.
        public var lastError: String?
        /// Failures since the last success.
        public var consecutiveFailures = 0
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
        }
    }

    public func recordFailure(_ reason: String, at instant: Date) {
        state.withLock {
            $0.lastRefreshSucceeded = false
            $0.lastFailureAt = instant
            $0.lastError = reason
            $0.consecutiveFailures += 1
        }
    }
}

extension PublishedSnapshot {
    /// Renders every answer of a snapshot once.
    public init(rendering snapshot: Snapshot) {
        let stamp = UInt64(max(0, snapshot.refreshedAt.timeIntervalSince1970 * 1000))
        self.init(
            snapshot: snapshot,
            metricsText: PrometheusText.render(snapshot),
            json: SnapshotJSON.encode(snapshot),
            statusPage: StatusPage.render(snapshot, english: false, stale: nil),
            statusPageEnglish: StatusPage.render(snapshot, english: true, stale: nil),
            etag: String(stamp, radix: 36))
    }
}

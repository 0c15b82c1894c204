import ChisoCore
import ChisoWeb
import Foundation
import Logging
import ServiceLifecycle

/// Computes a snapshot at start and then every refresh interval, and publishes it.
///
/// A pass catches its own errors: the last good snapshot stays (marked stale), the failure is
/// counted and logged once per outage, and the next try comes with exponential backoff (1 s, 2 s,
/// 4 s … capped at the interval). `run()` ends only at shutdown.
public struct Refresher<C: Clock>: Service where C.Duration == Duration {
    public let source: any KPISource
    public let history: (any SnapshotHistory)?
    public let store: SnapshotStore
    public let metrics: RefreshMetrics
    public let evaluator: Evaluator
    public let interval: Duration
    public let timeout: Duration
    /// Fixed T (`--as-of`), or nil for the current time at each pass.
    public let asOf: Date?
    public let clock: C
    public let logger: Logger
    /// Wall-clock time (injected so tests can fix "now").
    public let now: @Sendable () -> Date

    public init(
        source: any KPISource, history: (any SnapshotHistory)?, store: SnapshotStore, metrics: RefreshMetrics,
        evaluator: Evaluator, interval: Duration, timeout: Duration, asOf: Date?, clock: C, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.source = source
        self.history = history
        self.store = store
        self.metrics = metrics
        self.evaluator = evaluator
        self.interval = interval
        self.timeout = timeout
        self.asOf = asOf
        self.clock = clock
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                let succeeded = await self.refreshOnce()
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

    /// 1 s, 2 s, 4 s, … never longer than the refresh interval.
    public static func backoff(afterFailures failures: Int, cap: Duration) -> Duration {
        let seconds = 1 << min(max(failures - 1, 0), 16)
        return min(.seconds(seconds), cap)
    }

    /// One pass: read, evaluate, publish, keep history. Returns whether a snapshot was published.
    @discardableResult
    public func refreshOnce() async -> Bool {
        let started = clock.now
        let instant = asOf ?? now()
        logger.trace("refresh: reading inputs")
        do {
            let inputs = try await withDeadline(timeout, clock: clock) {
                try await source.loadInputs(asOf: instant, calendar: evaluator.calendar)
            }
            let snapshot = evaluator.evaluate(inputs, asOf: instant, refreshedAt: now())
            store.publish(PublishedSnapshot(rendering: snapshot), at: snapshot.refreshedAt)
            let elapsed = started.duration(to: clock.now)
            metrics.recordSuccess(at: snapshot.refreshedAt, duration: elapsed.seconds)
            if outageLogged.exchange(false) {
                logger.notice("refresh recovered; serving a fresh snapshot")
            }
            logger.debug("refreshed", metadata: ["results": "\(snapshot.results.count)", "seconds": "\(elapsed.seconds)"])
            if let history {
                logger.trace("refresh: storing history")
                do {
                    try await withDeadline(timeout, clock: clock) { try await history.append(snapshot) }
                } catch {
                    logger.warning("snapshot history not stored: \(RefreshFailure.describe(error))")
                }
            }
            return true
        } catch {
            let reason = RefreshFailure.describe(error)
            store.recordFailure(reason, at: now())
            metrics.recordFailure(duration: started.duration(to: clock.now).seconds)
            // Once per outage, not once per retry.
            if outageLogged.exchange(true) == false {
                logger.error("refresh failed; keeping the last good snapshot: \(reason)")
            }
            return false
        }
    }

    private let outageLogged = OutageFlag()
}

/// Remembers whether the current outage has been logged.
final class OutageFlag: Sendable {
    private let value = Mutex(false)
    func exchange(_ new: Bool) -> Bool { value.withLock { old in defer { old = new }; return old } }
}

import Synchronization

enum RefreshFailure: Error, CustomStringConvertible {
    case timedOut(Duration)

    var description: String {
        switch self {
        case .timedOut(let limit): "the refresh did not finish within \(limit.seconds) s (database unreachable or too slow)"
        }
    }

    /// A one-line cause without secrets: PostgresNIO's errors are summarised by their server message or code.
    static func describe(_ error: any Error) -> String {
        if let failure = error as? RefreshFailure { return failure.description }
        return DatabaseErrors.describe(error)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

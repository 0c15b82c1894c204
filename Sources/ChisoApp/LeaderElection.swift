import ChisoPresentation
import ChisoStorage
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Whether this instance leads, as far as it knows: it holds the lease, and its local deadline
/// (the database's remaining time, counted from before the renewal was sent, less a margin) has
/// not passed. Only the leader writes the snapshot history and decides the digests; every
/// instance refreshes (read-only) and serves, and any may deliver claimed digests.
public final class Leadership: Sendable {
    /// This instance's name in the lease (`host:pid`).
    public let instance: String
    private let state = Mutex(State())

    struct State {
        var fence: LeaseFence?
        var validUntil: ContinuousClock.Instant?
        /// The holder and term last seen (this instance or another).
        var leader: (holder: String, term: Int64)?
        var decided = false
    }

    public init(instance: String = Leadership.defaultInstance) {
        self.instance = instance
    }

    public static var defaultInstance: String { "\(ProcessInfo.processInfo.hostName):\(getpid())" }

    /// The lease to write under, while it is ours and not past its local deadline.
    public var fence: LeaseFence? {
        state.withLock { state in
            guard let fence = state.fence, let until = state.validUntil, ContinuousClock.now < until else { return nil }
            return fence
        }
    }

    public var isLeader: Bool { fence != nil }

    /// For `/readyz`: this instance's role and who leads.
    public var summary: String {
        let (leader, mine) = state.withLock { ($0.leader, $0.fence != nil) }
        guard let leader else { return "role: unknown (the lease has not been read yet); instance \(instance)" }
        if mine && isLeader { return "role: leader (term \(leader.term)); instance \(instance)" }
        return "role: follower; leader \(leader.holder) (term \(leader.term)); instance \(instance)"
    }

    /// Whether a first renewal has been tried (the refresher waits for it, briefly, so that a
    /// single instance writes its history from the first refresh).
    var decided: Bool { state.withLock { $0.decided } }

    func record(_ lease: LeaseState, sentAt: ContinuousClock.Instant, margin: Duration) {
        state.withLock { state in
            state.leader = (lease.holder, lease.term)
            state.fence = lease.held ? LeaseFence(holder: lease.holder, term: lease.term) : nil
            state.validUntil = lease.held ? sentAt + lease.remaining - margin : nil
            state.decided = true
        }
    }

    func recordFailure() { state.withLock { $0.decided = true } }

    func waitForFirstDecision(upTo limit: Duration) async {
        let end = ContinuousClock.now + limit
        while !decided, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Replicas with one leader: every `renewEvery` the lease is taken (when free or expired) or
/// renewed (when ours) for `ttl`; at shutdown it is released so that another instance takes
/// over at its next renewal. A leader killed without warning is replaced within `ttl` +
/// `renewEvery`. A pass catches its own errors; `run()` ends only at shutdown.
public struct LeaderElection<C: Clock>: Service where C.Duration == Duration {
    public let lease: PostgresLeaderLease
    public let leadership: Leadership
    public let ttl: Duration
    public let renewEvery: Duration
    public let clock: C
    public let logger: Logger
    let gauge: OperationalRegistry.Gauge

    public init(
        lease: PostgresLeaderLease, leadership: Leadership, registry: OperationalRegistry, ttl: Duration = .seconds(10),
        renewEvery: Duration = .seconds(3), clock: C, logger: Logger
    ) {
        self.lease = lease
        self.leadership = leadership
        self.ttl = ttl
        self.renewEvery = renewEvery
        self.clock = clock
        self.logger = logger
        gauge = registry.makeGauge(
            descriptor: OperationalMetrics.descriptor(MetricName.leader, metric: "leader", unit: ""), labels: [("instance", leadership.instance)])
        gauge.set(to: 0)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await renewOnce()
                do { try await clock.sleep(for: renewEvery) } catch { break }
            }
        }
        // Shutting down: hand the lease on at once rather than after it expires.
        if leadership.isLeader {
            do {
                try await lease.release(holder: leadership.instance, within: .seconds(2))
                logger.notice("leader: lease released at shutdown")
            } catch {
                logger.warning("leader: the lease could not be released (it expires by itself): \(DatabaseFailure.describe(error))")
            }
        }
        gauge.set(to: 0)
    }

    /// One renewal; the role changes are logged.
    public func renewOnce() async {
        let wasLeader = leadership.isLeader
        let sent = ContinuousClock.now
        do {
            let state = try await lease.acquireOrRenew(holder: leadership.instance, ttl: ttl, within: renewEvery)
            // A margin for the time the answer took to arrive and for clock-rate drift.
            leadership.record(state, sentAt: sent, margin: .milliseconds(500))
        } catch {
            leadership.recordFailure()
            logger.debug("leader: renewing the lease failed: \(DatabaseFailure.describe(error))")
        }
        let isLeader = leadership.isLeader
        gauge.set(to: isLeader ? 1 : 0)
        if isLeader != wasLeader {
            if isLeader {
                logger.notice("leader: this instance leads now (\(leadership.summary))")
            } else {
                logger.warning("leader: this instance no longer leads (\(leadership.summary))")
            }
        }
    }
}

import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// chiso's way to PostgreSQL, as a service: libpq settles where and how to connect (host lists
/// and `target_session_attrs`, `pg_service.conf`, `.pgpass`, `sslmode`), then a PostgresNIO pool
/// connects there the same way (`LibpqSession.poolConfiguration`).
///
/// While the database cannot be reached at start, libpq is asked again every few seconds, and
/// leases wait (bounded by their own timeout). When a lease gets no connection, libpq is asked
/// again: its message is the cause in words (`unreachableCause()`), and when it settles on
/// another host (a failover in a host list) the pool moves there.
public final class DatabasePool: ConnectionSource, Service {
    public let location: DatabaseLocation
    let maximumConnections: Int
    let logger: Logger
    let poolLogger: Logger
    private let state = Mutex(State())

    struct State {
        var client: PostgresClient?
        var session: LibpqSession?
        /// libpq's last message while it could not connect.
        var lastFailure: String?
        /// A lease got no connection (or a caller wants the cause): ask libpq again.
        var askAgain = false
        /// Callers of `unreachableCause()` waiting for the next attempt's outcome.
        var waiting: [CheckedContinuation<String?, Never>] = []
        var stopped = false
    }

    /// The level of the "connected to …" line: info for the daemon, debug for a one-shot command.
    let connectedLevel: Logger.Level

    public init(
        location: DatabaseLocation, maximumConnections: Int = 4, logger: Logger, poolLogger: Logger? = nil, connectedLevel: Logger.Level = .info
    ) {
        self.location = location
        self.connectedLevel = connectedLevel
        self.maximumConnections = maximumConnections
        self.logger = logger
        self.poolLogger = poolLogger ?? logger
    }

    /// Where libpq last connected (nil before it first did).
    var session: LibpqSession? { state.withLock { $0.session } }

    public func run() async {
        // The pool ends with the rest at graceful shutdown (it is first in the group, last to go).
        await cancelWhenGracefulShutdown {
            var next = await self.connectUntilSettled()
            while let session = next {
                next = await self.serve(session)
            }
        }
        let waiting = state.withLock { state in
            state.stopped = true
            defer { state.waiting = [] }
            return state.waiting
        }
        waiting.forEach { $0.resume(returning: nil) }
    }

    /// Whether a lease or a caller asked for a new attempt since the last look (polled every
    /// 100 ms: cheap, and free of a stream shared between tasks).
    private func waitForRequest(upTo limit: Duration) async throws {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while clock.now < end {
            try await Task.sleep(for: .milliseconds(100))
            if state.withLock({ state in
                defer { state.askAgain = false }; return state.askAgain
            }) {
                return
            }
        }
    }

    /// Asks libpq until it connects; nil when cancelled.
    private func connectUntilSettled() async -> LibpqSession? {
        var failures = 0
        while !Task.isCancelled {
            if let session = await attempt() { return session }
            failures += 1
            // 1, 2, 4 s, then every 5 s; a lease that fails meanwhile asks at once.
            do { try await waitForRequest(upTo: .seconds(min(5, 1 << min(failures - 1, 3)))) } catch { return nil }
        }
        return nil
    }

    /// Runs a pool on `session` until libpq settles elsewhere (returns that) or shutdown (nil).
    private func serve(_ session: LibpqSession) async -> LibpqSession? {
        let configuration: PostgresClient.Configuration
        do {
            configuration = try session.poolConfiguration(connectTimeout: location.connectTimeout, maximumConnections: maximumConnections)
        } catch {
            logger.error("database: \(error.problem)")
            let waiting = state.withLock { state in
                state.lastFailure = error.problem
                defer { state.waiting = [] }
                return state.waiting
            }
            waiting.forEach { $0.resume(returning: error.problem) }
            // Nothing to serve; ask again later (the service file may be fixed meanwhile).
            do { try await Task.sleep(for: .seconds(5)) } catch { return nil }
            return await connectUntilSettled()
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        logger.log(level: connectedLevel, "database: connected to \(session.summary)")
        state.withLock { state in
            state.client = client
            state.session = session
        }
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            // A lease that got no connection asks: where does libpq find the database now?
            while (try? await waitForRequest(upTo: .seconds(3600))) != nil {
                guard let found = await attempt() else { continue }
                if found.host != session.host || found.port != session.port || found.usesTLS != session.usesTLS {
                    logger.warning("database: libpq now settles on \(found.summary) (was \(session.summary)); moving the pool there")
                    return found
                }
            }
            return nil
        }
    }

    /// One libpq connection attempt, off the event loops; its outcome told to waiting callers.
    private func attempt() async -> LibpqSession? {
        let parameters = location.libpqParameters
        let outcome: Result<LibpqSession, LibpqError>
        do {
            outcome = try await NIOThreadPool.singleton.runIfActive { Libpq.connect(parameters) }
        } catch {
            outcome = .failure(LibpqError(message: "\(error)"))
        }
        let message: String?
        switch outcome {
        case .success: message = nil
        case .failure(let error): message = error.message
        }
        let (waiting, isNew) = state.withLock { state in
            let isNew = message != nil && state.lastFailure != message
            state.lastFailure = message
            defer { state.waiting = [] }
            return (state.waiting, isNew)
        }
        if isNew, let message { logger.debug("database: libpq: \(message)") }
        waiting.forEach { $0.resume(returning: message) }
        return try? outcome.get()
    }

    /// Why no connection could be had, in libpq's words, from a fresh attempt; nil when libpq
    /// connects (the database answers again).
    public func unreachableCause() async -> String? {
        await withCheckedContinuation { continuation in
            let stopped = state.withLock { state in
                if !state.stopped { state.waiting.append(continuation) }
                return state.stopped
            }
            if stopped {
                continuation.resume(returning: state.withLock { $0.lastFailure })
            } else {
                state.withLock { $0.askAgain = true }
            }
        }
    }

    /// A pooled connection within `timeout` (nil: wait as long as it takes). Before the pool
    /// first runs: `StorageError.unreachable` with libpq's words as soon as libpq failed.
    public func withConnection<Result: Sendable>(
        within timeout: Duration?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        var (client, failure) = state.withLock { ($0.client, $0.lastFailure) }
        while client == nil {
            // libpq has tried and failed: say why now rather than at the deadline.
            if let failure { throw StorageError.unreachable(cause: failure) }
            if let deadline, clock.now >= deadline, let timeout { throw StorageError.noConnection(within: timeout) }
            try await Task.sleep(for: .milliseconds(50))
            (client, failure) = state.withLock { ($0.client, $0.lastFailure) }
        }
        guard let client else { throw CancellationError() }
        do {
            return try await client.withConnection(within: deadline.map { max(.milliseconds(1), $0 - clock.now) }, body)
        } catch StorageError.noConnection(let within) {
            state.withLock { $0.askAgain = true }
            throw StorageError.noConnection(within: timeout ?? within)
        }
    }
}

extension DatabasePool {
    /// The pool configuration for `location` as libpq settles it now (one libpq connection), for
    /// tools and tests that want a bare PostgresNIO client; libpq's message when it cannot connect.
    public static func poolConfiguration(for location: DatabaseLocation, maximumConnections: Int = 4) async throws -> PostgresClient.Configuration {
        let parameters = location.libpqParameters
        let session = try await NIOThreadPool.singleton.runIfActive { Libpq.connect(parameters) }.get()
        do {
            return try session.poolConfiguration(connectTimeout: location.connectTimeout, maximumConnections: maximumConnections)
        } catch {
            throw LibpqError(message: error.problem)
        }
    }
}

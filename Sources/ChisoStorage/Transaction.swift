import Logging
import PostgresNIO
import Synchronization

/// Where storage gets its connections: the daemon's `DatabasePool` (libpq settles the
/// endpoint, a pool connects there), or a bare PostgresNIO client (tests, tools).
public protocol ConnectionSource: Sendable {
    /// A pooled connection for `body`, or `StorageError.noConnection` when none is had within
    /// `timeout` (nil: wait as long as it takes).
    func withConnection<Result: Sendable>(
        within timeout: Duration?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result
}

extension PostgresClient: ConnectionSource {}

extension ConnectionSource {
    /// Runs `body` in one transaction on one connection: chiso's schema first on the search path,
    /// each statement bounded by `statementTimeout`, COMMIT on success and ROLLBACK on any error.
    /// `readOnlySnapshot` makes it REPEATABLE READ, READ ONLY: one consistent view for a refresh.
    /// `commit: false` rolls back even when `body` succeeds (dry runs).
    /// `connectTimeout`: give up when no connection is had within it (nil: wait, as PostgresNIO does).
    /// `importing`: a snapshot another REPEATABLE READ transaction exported (`pg_export_snapshot()`),
    /// which this one (then read only too) sees the database through.
    func withChisoTransaction<Result: Sendable>(
        schema: SchemaName,
        statementTimeout: Duration?,
        readOnlySnapshot: Bool = false,
        importing exported: ExportedSnapshot? = nil,
        commit: Bool = true,
        connectTimeout: Duration? = nil,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection(within: connectTimeout) { connection in
            try await connection.query(
                readOnlySnapshot || exported != nil ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", logger: logger)
            do {
                if let exported {
                    // Before any other statement; it takes no parameters: the identifier is checked
                    // to be PostgreSQL's form (hexadecimal and dashes) when it is made.
                    try await connection.query("SET TRANSACTION SNAPSHOT '\(unescaped: exported.identifier)'", logger: logger)
                }
                // `SET LOCAL` takes no parameters; `set_config(…, true)` is its bound-parameter form.
                let timeout =
                    statementTimeout.map { String(max(1, $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000)) } ?? "0"
                try await connection.query(
                    """
                    SELECT set_config('statement_timeout', \(timeout), true),
                           set_config('search_path', \(schema.rawValue), true)
                    """, logger: logger)
                let result = try await body(connection)
                // `commit: false` (a dry run) undoes everything the body did, on success too.
                try await connection.query(commit ? "COMMIT" : "ROLLBACK", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Whether the database answers within `timeout`: one `SELECT 1` on a pooled connection.
    public func ping(within timeout: Duration) async throws {
        try await withConnection(within: timeout) { connection in
            _ = try await connection.query("SELECT 1", logger: Logger(label: "chiso.ping"))
        }
    }
}

extension PostgresClient {
    /// `withConnection`, giving up with `StorageError.noConnection` when no connection is had
    /// within `timeout`. While the server is away PostgresNIO's pool retries with backoff and lets
    /// a lease wait (its circuit breaker fails waiters only after a minute): a refresh must say
    /// "the database is away" within `connect_timeout`, not a minute later. Only the wait for the
    /// connection is bounded; what runs on it is bounded by `statement_timeout`.
    public func withConnection<Result: Sendable>(
        within timeout: Duration?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard let timeout else { return try await withConnection(body) }
        let leased = LeaseFlag()
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await self.withConnection { connection in
                    leased.set()
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                if !leased.isSet { throw StorageError.noConnection(within: timeout) }
                return nil
            }
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            throw CancellationError()
        }
    }
}

/// Set once a connection was leased (read by the lease's timer).
final class LeaseFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// The identifier of a snapshot a transaction exported (`pg_export_snapshot()`, e.g.
/// `00000003-0000001B-1`): other transactions can read through it while that one is open.
public struct ExportedSnapshot: Sendable, Equatable {
    public let identifier: String

    /// Nil unless `identifier` is hexadecimal digits and dashes (it is written into `SET TRANSACTION SNAPSHOT`).
    public init?(_ identifier: String) {
        guard !identifier.isEmpty, identifier.utf8.count <= 64,
            identifier.utf8.allSatisfy({ (48...57).contains($0) || (65...70).contains($0) || (97...102).contains($0) || $0 == 45 })
        else { return nil }
        self.identifier = identifier
    }
}

extension PostgresConnection {
    /// The open transaction's snapshot, exported for a second connection to read through
    /// (`withChisoTransaction(importing:)`); nil: PostgreSQL's answer is not an identifier.
    func exportSnapshot(logger: Logger) async throws -> ExportedSnapshot? {
        for try await (identifier, ) in try await query("SELECT pg_export_snapshot()", logger: logger).decode((String,).self) {
            return ExportedSnapshot(identifier)
        }
        return nil
    }
}

/// A flag set once and read from any task (a second connection refused a refresh's snapshot; a
/// second connection's reading began).
final class OnceFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .relaxed) }

    /// Sets the flag; true the first time (to say so once).
    @discardableResult
    func set() -> Bool { value.exchange(true, ordering: .relaxed) == false }
}

/// Says why a second connection's part is read on the first. One that failed before its
/// transaction took the snapshot was refused (a pooler that sends it to another server, a role or
/// pool that refuses it): `refused` is set, and said once, so that it is not asked for again. One
/// that failed after (a connection lost, a statement refused) is asked for again next time.
func noteSecondConnectionFailed(_ error: any Error, began: Bool, refused: OnceFlag, logger: Logger) {
    if began {
        logger.notice("refresh: the second connection failed; its part is read again on the first: \(DatabaseFailure.describe(error))")
    } else if refused.set() {
        logger.notice(
            "refresh: reading on one connection from now on (a second one could not read through the refresh's snapshot: \(DatabaseFailure.describe(error)))"
        )
    }
}

import Foundation
import Logging
import PostgresNIO

/// Who may write: the holder of the lease, in its term.
public struct LeaseFence: Sendable, Equatable {
    public var holder: String
    public var term: Int64

    public init(holder: String, term: Int64) {
        self.holder = holder
        self.term = term
    }
}

/// The lease row as one instance sees it after taking or renewing it.
public struct LeaseState: Sendable, Equatable {
    public var holder: String
    public var term: Int64
    /// Whether the asking instance holds it.
    public var held: Bool
    /// How long it is still valid, by the database's clock (nothing is compared across machines).
    public var remaining: Duration
}

/// The leader lease (`chiso_leader`, V006): one row, taken when free or expired, renewed by its
/// holder; every change of holder raises the term. Only plain transactions: it works through
/// PgBouncer in transaction mode (no session locks, no LISTEN).
public struct PostgresLeaderLease: Sendable {
    public let client: any ConnectionSource
    public let schema: SchemaName
    public let logger: Logger

    public init(client: any ConnectionSource, schema: SchemaName, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Takes the lease if nobody holds it or it has expired, renews it if `holder` holds it; in
    /// both cases for `ttl` from now (the database's now). Returns who holds it afterwards.
    public func acquireOrRenew(holder: String, ttl: Duration, within timeout: Duration) async throws -> LeaseState {
        let seconds = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        return try await client.withChisoTransaction(
            schema: schema, statementTimeout: timeout, connectTimeout: timeout, logger: logger
        ) { connection in
            try await connection.query(
                """
                INSERT INTO chiso_leader AS l (id, holder, term, expires_at, acquired_at)
                VALUES (1, \(holder), 1, clock_timestamp() + \(seconds)::float8 * interval '1 second', clock_timestamp())
                ON CONFLICT (id) DO UPDATE SET
                    term = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp() THEN l.term ELSE l.term + 1 END,
                    acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp()
                                       THEN l.acquired_at ELSE clock_timestamp() END,
                    holder = EXCLUDED.holder,
                    expires_at = EXCLUDED.expires_at
                WHERE l.holder = EXCLUDED.holder OR l.expires_at <= clock_timestamp()
                """, logger: logger)
            let rows = try await connection.query(
                """
                SELECT holder, term, extract(epoch FROM expires_at - clock_timestamp())::float8
                FROM chiso_leader WHERE id = 1
                """, logger: logger)
            for try await (current, term, left) in rows.decode((String, Int64, Double).self) {
                return LeaseState(
                    holder: current, term: term, held: current == holder && left > 0, remaining: .milliseconds(Int64(max(0, left) * 1000)))
            }
            throw StorageError.unexpectedValue(table: "chiso_leader", column: "id", value: "no row")
        }
    }

    /// Gives the lease up (at shutdown), so that another instance takes it at its next renewal.
    public func release(holder: String, within timeout: Duration) async throws {
        try await client.withChisoTransaction(schema: schema, statementTimeout: timeout, connectTimeout: timeout, logger: logger) { connection in
            try await connection.query(
                "UPDATE chiso_leader SET expires_at = clock_timestamp() WHERE id = 1 AND holder = \(holder)", logger: logger)
        }
    }

    /// Inside a leader-only write's transaction: the lease is still `fence`'s, and stays so until
    /// the transaction ends (the row is locked FOR SHARE, so a takeover waits for this commit, and
    /// a write that began after a takeover sees the new term and is refused).
    public static func assertHeld(_ fence: LeaseFence, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT 1 FROM chiso_leader
            WHERE id = 1 AND holder = \(fence.holder) AND term = \(fence.term) AND expires_at > clock_timestamp()
            FOR SHARE
            """, logger: logger)
        for try await _ in rows { return }
        throw StorageError.notLeader(term: fence.term)
    }
}

import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in one transaction on one connection: chiso's schema first on the search path,
    /// each statement bounded by `statementTimeout`, COMMIT on success and ROLLBACK on any error.
    /// `readOnlySnapshot` makes it REPEATABLE READ, READ ONLY: one consistent view for a refresh.
    /// `commit: false` rolls back even when `body` succeeds (dry runs).
    func withChisoTransaction<Result: Sendable>(
        schema: SchemaName,
        statementTimeout: Duration?,
        readOnlySnapshot: Bool = false,
        commit: Bool = true,
        logger: Logger,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.query(readOnlySnapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", logger: logger)
            do {
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
}

/// Runs `body`, giving up after `limit` on `clock`.
///
/// PostgresNIO waits for a connection while the database is unreachable instead of failing, so
/// every refresh and one-shot command is bounded here; a query already running on the server is
/// bounded by `statement_timeout`, since cancelling a Swift task does not stop it.
func withDeadline<T: Sendable, C: Clock>(
    _ limit: Duration, clock: C, _ body: @escaping @Sendable () async throws -> T
) async throws -> T where C.Duration == Duration {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw RefreshFailure.timedOut(limit)
        }
        return value
    }
}

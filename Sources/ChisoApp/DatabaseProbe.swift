import ChisoStorage
import Logging

/// Turns a failure into the one line that the log, the page's banner and `/readyz` say: a
/// connection that could not be had is explained by a fresh libpq attempt (libpq's own words:
/// refused, timed out, TLS verification, authentication — as psql would say them), anything
/// else as storage describes it.
public struct FailureExplainer: Sendable {
    let database: DatabasePool?

    public init(database: DatabasePool?) {
        self.database = database
    }

    public func explain(_ error: any Error) async -> String {
        if case .unreachable? = error as? StorageError { return DatabaseFailure.describe(error) }
        if case .noConnection(let within)? = error as? StorageError, let database {
            let cause = await database.unreachableCause() ?? "the database answers again, but no pooled connection was free in time"
            return "no connection to the database within \(within.components.seconds) s: \(cause)"
        }
        return DatabaseFailure.describe(error)
    }
}

/// A command that cannot reach the database: the cause, in words.
struct DatabaseUnreachable: Error, CustomStringConvertible {
    let description: String
}

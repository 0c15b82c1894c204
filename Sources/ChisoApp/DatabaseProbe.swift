import ChisoStorage
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// Why the database cannot be reached, in words. PostgresNIO's pool keeps its connection errors
/// to itself while a lease waits; when a refresh or a command gets no connection within
/// `connect_timeout`, one direct connection attempt tells the cause (refused, timed out, TLS,
/// authentication) for the one error line.
enum DatabaseProbe {
    static func cause(_ location: DatabaseLocation, logger: Logger) async -> String {
        var configuration: PostgresConnection.Configuration
        switch location.endpoint {
        case .socket(let path):
            configuration = .init(unixSocketPath: path, username: location.user, password: location.password, database: location.database)
        case .tcp(let host, let port):
            let context = try? NIOSSLContext(configuration: .makeClientConfiguration())
            let tls: PostgresConnection.Configuration.TLS =
                switch (location.tls, context) {
                case (.prefer, let context?): .prefer(context)
                case (.require, let context?): .require(context)
                default: .disable
                }
            configuration = .init(host: host, port: port, username: location.user, password: location.password, database: location.database, tls: tls)
        }
        let seconds = location.connectTimeout.components.seconds
        configuration.options.connectTimeout = .seconds(seconds)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: poolLogger(logger))
            try? await connection.close()
            return "the database answers again, but no pooled connection was free within \(seconds) s"
        } catch {
            return DatabaseFailure.describe(error)
        }
    }
}

/// Turns a failure into the one line that the log, the page's banner and `/readyz` say: a
/// connection that could not be had is explained by a direct attempt (`DatabaseProbe`), anything
/// else as storage describes it.
public struct FailureExplainer: Sendable {
    let location: DatabaseLocation?
    let logger: Logger

    public init(location: DatabaseLocation?, logger: Logger) {
        self.location = location
        self.logger = logger
    }

    public func explain(_ error: any Error) async -> String {
        if case .noConnection(let within)? = error as? StorageError, let location {
            return "no connection to the database within \(within.components.seconds) s: \(await DatabaseProbe.cause(location, logger: logger))"
        }
        return DatabaseFailure.describe(error)
    }
}

/// A command that cannot reach the database: the cause, in words.
struct DatabaseUnreachable: Error, CustomStringConvertible {
    let description: String
}

import PostgresNIO

/// PostgresNIO's errors in words, translated here once for every caller (the daemon's log, the
/// commands' one-line errors, the importer's refused rows, the migrator). PostgresNIO's own
/// `description` is deliberately vague (to avoid leaking data); this keeps the server's message
/// and the network cause, which carry no credentials.
public enum DatabaseFailure {
    /// One line: "database: <server message> (SQLSTATE x): <network cause>"; other errors as they describe themselves.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            var parts: [String] = []
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                parts.append("database: \(message)\(code)")
            } else if let words = inWords(error) {
                parts.append("database: \(words)")
            } else {
                parts.append("database: \(error.code)")
            }
            if let underlying = error.underlying { parts.append("\(underlying)") }
            return parts.joined(separator: ": ")
        }
        if error is CancellationError { return "cancelled" }
        return "\(error)"
    }

    /// A connection failure in the words an operator looks for; nil when there is no better word.
    static func inWords(_ error: PSQLError) -> String? {
        let cause = error.underlying.map { "\($0)" } ?? ""
        switch error.code {
        case .connectionError:
            if cause.contains("Connection refused") { return "connection refused (no server listens there)" }
            if cause.contains("connectTimeout") || cause.contains("timed out") || cause.contains("Timeout") { return "connection timed out" }
            if cause.contains("No such file") { return "no server socket there" }
            if cause.contains("SSL") || cause.contains("TLS") || cause.contains("certificate") { return "TLS handshake failed" }
            return "cannot connect"
        case .serverClosedConnection: return "the server closed the connection"
        case .sslUnsupported: return "the server does not offer TLS (sslmode requires it)"
        default: return nil
        }
    }

    /// The server's message alone, or the client's error code.
    static func serverMessage(_ error: PSQLError) -> String { error.serverInfo?[.message] ?? "\(error.code)" }

    /// The server's message and detail in one line: "insert or update on table … violates foreign
    /// key constraint … — Key (unit_id)=(x) is not present in table "units"."
    static func messageAndDetail(_ error: PSQLError) -> String {
        serverMessage(error) + (error.serverInfo?[.detail].map { " — \($0)" } ?? "")
    }
}

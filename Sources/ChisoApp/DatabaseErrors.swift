import PostgresNIO

/// Turns database errors into one readable line. PostgresNIO's own `description` is deliberately
/// vague (to avoid leaking data); this keeps the server's message and the network cause, which
/// carry no credentials.
enum DatabaseErrors {
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            var parts: [String] = []
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                parts.append("database: \(message)\(code)")
            } else {
                parts.append("database: \(error.code)")
            }
            if let underlying = error.underlying { parts.append("\(underlying)") }
            return parts.joined(separator: ": ")
        }
        if error is CancellationError { return "cancelled" }
        return "\(error)"
    }
}

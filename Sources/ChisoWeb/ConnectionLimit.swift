import HummingbirdCore
import Logging

/// At most `limit` open connections: past it, new connections wait in the kernel's backlog until
/// one closes. Without a limit, clients holding connections open (1 100 idle sockets under the
/// default 1 024 open files) made the daemon stop answering anyone. Says so once when the limit
/// is reached, and once when connections are accepted again.
public struct ConnectionLimit: AvailableConnectionsDelegate {
    public let limit: Int
    let logger: Logger
    var open = 0
    var saturated = false

    public init(_ limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    public mutating func connectionOpened() {
        open += 1
        if open >= limit, !saturated {
            saturated = true
            logger.warning("HTTP: \(open) connections open, the limit (max_connections); new connections wait until one closes")
        }
    }

    public mutating func connectionClosed() {
        open -= 1
        if saturated, open < limit {
            saturated = false
            logger.notice("HTTP: below max_connections again (\(open) open); accepting connections")
        }
    }

    public func isAcceptingNewConnections() -> Bool { open < limit }
}

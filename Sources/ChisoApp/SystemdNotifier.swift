import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// systemd's notification protocol (sd_notify(3)) without libsystemd: one datagram of
/// `KEY=value` lines to the socket named by `NOTIFY_SOCKET` (a path, or `@name` in the abstract
/// namespace). With `Type=notify` the unit is started when chiso says `READY=1` — after its first
/// refresh, whether it succeeded or not (chiso serves "no data yet" and retries while the database
/// is away, so waiting for a snapshot could hold the boot for ever); with `WatchdogSec=` the
/// refresher pings `WATCHDOG=1` after every pass, so a refresher stuck for good gets the service
/// restarted. Outside systemd (no `NOTIFY_SOCKET`) it does nothing.
public struct SystemdNotifier: Sendable {
    /// The socket's address, nil outside systemd.
    public let socketPath: String?
    /// How often systemd expects a ping (`WATCHDOG_USEC`), nil without a watchdog.
    public let watchdog: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        // WATCHDOG_PID, when set, names the process the watchdog is for.
        let forUs = environment["WATCHDOG_PID"].map { $0 == String(getpid()) } ?? true
        watchdog = path == nil || !forUs ? nil : environment["WATCHDOG_USEC"].flatMap(Int64.init).map { .microseconds($0) }
    }

    /// Sends `lines` (e.g. `READY=1`, `STATUS=…`); false when outside systemd or the send failed
    /// (systemd treats a missing notification as the service's problem, not chiso's crash).
    @discardableResult
    public func notify(_ lines: [String]) -> Bool {
        guard let socketPath else { return false }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(socketPath.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // the abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (index, byte) in bytes.enumerated() { path[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let message = Array(lines.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
        return sent == message.count
        #else
        return false
        #endif
    }

    /// After a refresh pass: `READY=1` after the first, a status line, and a watchdog ping.
    func passed(first: Bool, status: String) {
        guard socketPath != nil else { return }
        var lines = first ? ["READY=1"] : []
        lines.append("STATUS=" + status.replacingOccurrences(of: "\n", with: " "))
        if watchdog != nil { lines.append("WATCHDOG=1") }
        notify(lines)
    }
}

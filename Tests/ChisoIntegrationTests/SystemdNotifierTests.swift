import ChisoApp
import ChisoCore
import ChisoWeb
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// sd_notify without libsystemd, through a real Unix datagram socket as systemd binds it: READY=1
/// after the first refresh (failed or not), a status line, and a watchdog ping after every pass.
@Suite struct SystemdNotifierTests {
    /// A datagram socket bound at a fresh path, as systemd's NOTIFY_SOCKET.
    final class Listener {
        let path: String
        let fd: Int32

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-notify-\(UUID().uuidString.prefix(8))").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { bytes in
                for (index, byte) in path.utf8.enumerated() { bytes[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
        }

        /// The next datagram's lines (empty when none came within 20 s). Polled without blocking:
        /// a blocking recv would hold one of the few threads the refresher itself runs on.
        func next() async throws -> [String] {
            var buffer = [UInt8](repeating: 0, count: 4096)
            for _ in 0..<2000 {
                let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if count > 0 { return String(decoding: buffer[..<count], as: UTF8.self).components(separatedBy: "\n") }
                try await Task.sleep(for: .milliseconds(10))
            }
            return []
        }

        deinit {
            close(fd)
            unlink(path)
        }
    }

    struct Source: KPISource {
        let fails: Bool
        func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs {
            if fails { throw Unreachable() }
            return KPIInputs(units: [Unit(id: "u", parentID: nil, name: "U", kind: "commune")])
        }
        struct Unreachable: Error, CustomStringConvertible { var description: String { "database away" } }
    }

    func run(_ source: Source, notifier: SystemdNotifier, passes: Int, listener: Listener) async throws -> [[String]] {
        let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        let refresher = Refresher(
            pipeline: SnapshotPipeline(source: source, evaluator: Evaluator(catalogue: .builtIn, calendar: calendar), timeout: .seconds(5)),
            history: nil, store: SnapshotStore(), metrics: OperationalMetrics().refresh, interval: .milliseconds(20),
            time: EvaluationClock(asOf: calendar.parseInstant("2026-06-15T10:00:00+07:00")), clock: ContinuousClock(),
            logger: TestDatabase.logger, notifier: notifier)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await refresher.run() }
            var messages: [[String]] = []
            for _ in 0..<passes { messages.append(try await listener.next()) }
            group.cancelAll()
            return messages
        }
    }

    @Test func readyAfterTheFirstRefreshThenAWatchdogPingAfterEveryPass() async throws {
        let listener = try Listener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "300000000"])
        #expect(notifier.watchdog == .seconds(300))
        let messages = try await run(Source(fails: false), notifier: notifier, passes: 2, listener: listener)
        #expect(messages[0] == ["READY=1", "STATUS=serving figures as of 2026-06-15T10:00:00+07:00", "WATCHDOG=1"])
        #expect(messages[1] == ["STATUS=serving figures as of 2026-06-15T10:00:00+07:00", "WATCHDOG=1"])
    }

    /// The database away at boot: ready all the same (chiso serves "no data yet" and retries),
    /// and the status says why; no watchdog configured, no ping.
    @Test func readyEvenWhenTheFirstRefreshFails() async throws {
        let listener = try Listener()
        let messages = try await run(
            Source(fails: true), notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.path]), passes: 1, listener: listener)
        #expect(messages[0].first == "READY=1")
        #expect(messages[0].count == 2 && messages[0][1].hasPrefix("STATUS=refresh failing: ") && messages[0][1].hasSuffix(" (no figures yet)"))
    }

    @Test func outsideSystemdNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(notifier.socketPath == nil && notifier.watchdog == nil && !notifier.notify(["READY=1"]))
        // A watchdog meant for another process is not ours.
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"]).watchdog == nil)
    }
}

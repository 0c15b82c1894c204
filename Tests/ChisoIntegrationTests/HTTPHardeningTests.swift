import ChisoApp
import ChisoCore
import ChisoStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// HTTP as the internet's clients use it: HEAD, methods the paths do not take, idle and
/// half-sent connections, HTTP/1.0. Over a real socket where the behaviour is the connection's.
@Suite(.timeLimit(.minutes(3))) struct HTTPHardeningTests {
    /// The daemon on the fixture, live on a loopback port. The client reuses its connection, so a
    /// short idle timeout is only for the tests that use raw sockets.
    static func withLiveApp(
        idleTimeout: Int = 30, _ test: @escaping @Sendable (any TestClientProtocol, Int) async throws -> Void
    ) async throws {
        try await TestDatabase.withSchema(fixture: "commune") { _, schema, _ in
            let settings = try await TestDatabase.settings(
                schema: schema.rawValue,
                extra: [
                    "CHISO_AS_OF": "2026-06-15T10:00:00+07:00", "CHISO_LISTEN": "127.0.0.1:0", "CHISO_REFRESH_INTERVAL": "3600",
                    "CHISO_IDLE_TIMEOUT": String(idleTimeout),
                ])
            let (application, _) = buildApplication(settings, logger: TestDatabase.logger)
            try await application.test(.live) { client in
                let port = try #require(client.port)
                // Readiness over fresh connections: the test client's kept connection could meet a
                // short idle timeout between two polls.
                var ready = false
                for _ in 0..<600 where !ready {
                    let probe = try RawConnection(port: port)
                    probe.send("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    ready = await probe.readUntilClosedOffThePool(waitingUpTo: 10).received.hasPrefix("HTTP/1.1 200")
                    if !ready { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(ready, "the daemon became ready")
                try await test(client, port)
            }
        }
    }

    @Test func headAnswersEveryGetWithoutABody() async throws {
        try await Self.withLiveApp { client, _ in
            for path in ["/", "/?lang=en", "/metrics", "/api/v1/snapshot", "/healthz", "/readyz"] {
                let get = try await client.execute(uri: path, method: .get)
                let head = try await client.execute(uri: path, method: .head)
                #expect(head.status == .ok, "HEAD \(path)")
                #expect(head.body.readableBytes == 0, "HEAD \(path) has no body")
                #expect(head.headers[.contentType] == get.headers[.contentType], "HEAD \(path) says what GET sends")
            }
        }
    }

    @Test func otherMethodsAreRefusedWithAllow() async throws {
        try await Self.withLiveApp { client, _ in
            for path in ["/", "/metrics", "/api/v1/snapshot"] {
                for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
                    let response = try await client.execute(uri: path, method: method)
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.headers[.allow] == "GET, HEAD")
                }
            }
            let options = try await client.execute(uri: "/metrics", method: .options)
            #expect(options.status == .noContent && options.headers[.allow] == "GET, HEAD")
            #expect(try await client.execute(uri: "/nowhere", method: .post).status == .notFound)
        }
    }

    @Test func idleAndHalfSentConnectionsAreClosed() async throws {
        try await Self.withLiveApp(idleTimeout: 1) { _, port in
            // Nothing sent: closed after idle_timeout (1 s); the socket waits up to 20 s for it.
            let silent = try RawConnection(port: port)
            #expect(await silent.readUntilClosedOffThePool(waitingUpTo: 20).closed, "an idle connection is closed")
            // A request head that never ends (a slow client, or one holding the socket).
            let halfSent = try RawConnection(port: port)
            halfSent.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            let outcome = await halfSent.readUntilClosedOffThePool(waitingUpTo: 20)
            #expect(outcome.closed, "a half-sent request is closed")
            #expect(outcome.received.isEmpty, "and answered nothing")
            // A kept-alive connection after its answer: closed when idle too.
            let kept = try RawConnection(port: port)
            kept.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let answer = await kept.readUntilClosedOffThePool(waitingUpTo: 20)
            #expect(answer.received.hasPrefix("HTTP/1.1 200"))
            #expect(answer.closed)
        }
    }

    @Test func http10IsAnsweredAndClosed() async throws {
        try await Self.withLiveApp { _, port in
            let connection = try RawConnection(port: port)
            // No Host, no keep-alive: an HTTP/1.0 answer, then the connection closed (well before the
            // idle timeout; the bound here is only the socket's wait).
            connection.send("GET /healthz HTTP/1.0\r\n\r\n")
            let outcome = await connection.readUntilClosedOffThePool(waitingUpTo: 20)
            #expect(outcome.received.hasPrefix("HTTP/1.0 200 OK\r\n"), "\(outcome.received)")
            #expect(outcome.received.lowercased().contains("connection: close\r\n"))
            #expect(outcome.received.hasSuffix("\r\n\r\nok\n"))
            #expect(outcome.closed)
            // HTTP/1.0 with keep-alive asked: answered as 1.0, kept open, and a second request answered.
            let kept = try RawConnection(port: port)
            kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /readyz HTTP/1.0\r\n\r\n")
            let both = await kept.readUntilClosedOffThePool(waitingUpTo: 20)
            #expect(both.received.components(separatedBy: "HTTP/1.0 200 OK").count == 3, "\(both.received)")
            #expect(both.received.contains("\r\n\r\nready\n"), "\(both.received)")
        }
    }
}

/// A plain TCP connection to the daemon, for what an HTTP client library would not do.
final class RawConnection: @unchecked Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// `readUntilClosed` on a thread of its own: a blocking read on Swift's cooperative pool (two
    /// threads on a 2-core machine) would starve the daemon's own services in the same process.
    func readUntilClosedOffThePool(waitingUpTo seconds: Int) async -> (received: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.readUntilClosed(waitingUpTo: seconds)) }
        }
    }

    /// Reads until the server closes the connection, or `seconds` pass without it.
    func readUntilClosed(waitingUpTo seconds: Int) -> (received: String, closed: Bool) {
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[0..<count]
            } else {
                // 0: closed by the server (or reset: also closed); -1 with EAGAIN: the wait ran out.
                let closed = count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
                return (String(decoding: received, as: UTF8.self), closed)
            }
        }
    }
}

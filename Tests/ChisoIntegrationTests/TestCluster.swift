import Foundation
import Testing

/// A PostgreSQL cluster of a test's own (scripts/pg-cluster): really stopped and restarted, or
/// with TLS on, without disturbing the other tests' database.
struct TestCluster {
    /// A cluster with TLS on (`pg-cluster init-tls`): its server certificate signed by a private
    /// CA, or by itself (as Debian's "snakeoil").
    enum TLS: String { case privateCA = "ca", selfSigned = "self-signed" }

    let directory: String
    let port: String

    static func script() throws -> String {
        guard let script = ProcessInfo.processInfo.environment["CHISO_PG_CLUSTER_SCRIPT"] else {
            Issue.record("CHISO_PG_CLUSTER_SCRIPT is not set: run the suite with scripts/test")
            throw WaitError.gaveUp("pg-cluster")
        }
        return script
    }

    /// pg-cluster with `arguments`. No pipes: a server started by the script would inherit a
    /// pipe's write end and a read would never end.
    static func process(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [try script()] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        return process
    }

    static func check(_ process: Process, _ arguments: [String]) throws {
        guard process.terminationStatus == 0 else { throw WaitError.gaveUp("pg-cluster \(arguments.joined(separator: " "))") }
    }

    /// Waits off Swift's cooperative pool (see `Process.runUntilExit`).
    static func run(_ arguments: [String]) async throws {
        let process = try process(arguments)
        try await process.runUntilExit()
        try check(process, arguments)
    }

    /// Waits in place: for `destroy()`, which runs in a `defer`.
    static func runInPlace(_ arguments: [String]) throws {
        let process = try process(arguments)
        try process.run()
        process.waitUntilExit()
        try check(process, arguments)
    }

    static func create(tls: TLS? = nil) async throws -> TestCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-cluster-\(UUID().uuidString.prefix(8))").path
        try await run(tls.map { ["init-tls", directory, $0.rawValue] } ?? ["init", directory])
        let port = try String(contentsOfFile: directory + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return TestCluster(directory: directory, port: port)
    }

    func stop() async throws { try await TestCluster.run(["stop", directory]) }
    func start() async throws { try await TestCluster.run(["start", directory]) }
    /// A hot standby of `primary` (a cluster made without TLS), streaming from it.
    static func standby(of primary: TestCluster) async throws -> TestCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-standby-\(UUID().uuidString.prefix(8))").path
        try await run(["init-standby", directory, primary.directory])
        let port = try String(contentsOfFile: directory + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return TestCluster(directory: directory, port: port)
    }

    /// PgBouncer in transaction mode in front of the server on `port` (destroy() stops it).
    static func pgbouncer(port: String) async throws -> TestCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-pgbouncer-\(UUID().uuidString.prefix(8))").path
        try await run(["pgbouncer", directory, port])
        let port = try String(contentsOfFile: directory + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return TestCluster(directory: directory, port: port)
    }

    /// The files `init-tls` made: ca.crt, other-ca.crt, client.crt, client.key.
    func certificate(_ name: String) -> String { "\(directory)/certs/\(name)" }
    func destroy() { _ = try? TestCluster.runInPlace(["destroy", directory]) }
}

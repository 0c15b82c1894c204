import ChisoApp
import ChisoCore
import ChisoStorage
import Foundation
import Logging
import PostgresNIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Replicas with one leader (issue 10, part 3): real `chiso serve` processes on one database,
/// really killed. One leads (the lease in chiso_leader); it alone writes the history and decides
/// the digests; a follower takes over when it is killed; no digest is lost or sent twice.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ReplicaTests {
    /// One `chiso serve`, its port and its standard error (a file).
    final class Daemon: @unchecked Sendable {
        let process = Process()
        let port: Int
        let errPath: String
        private let errHandle: FileHandle

        init(environment: [String: String], folder: URL, name: String) throws {
            port = try LibpqConventionsTests.unusedPort()
            errPath = folder.appendingPathComponent("\(name).stderr").path
            FileManager.default.createFile(atPath: errPath, contents: nil)
            errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            process.executableURL = CommandLineTests.binary
            process.arguments = ["serve", "--listen", "127.0.0.1:\(port)"]
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errHandle
            try process.run()
        }

        var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
        func readyz() async -> String { await ReloadTests.get(port: port, path: "/readyz") ?? "" }
        func metrics() async -> String { await ReloadTests.get(port: port, path: "/metrics") ?? "" }
        var leads: Bool { get async { await readyz().contains("role: leader") } }

        func kill(_ signal: Int32) {
            Glibc.kill(process.processIdentifier, signal)
            if signal == SIGKILL || signal == SIGTERM { process.waitUntilExit() }
        }

        deinit {
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            try? errHandle.close()
        }
    }

    /// The one daemon that leads, once exactly one does (nil after `tries` × 100 ms).
    static func soleLeader(_ daemons: [Daemon], tries: Int = 600) async throws -> Daemon? {
        for _ in 0..<tries {
            var leaders: [Daemon] = []
            for daemon in daemons where daemon.process.isRunning {
                if await daemon.leads { leaders.append(daemon) }
            }
            if leaders.count == 1 { return leaders[0] }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test func oneLeaderWritesAndAFollowerTakesOverAfterAKill() async throws {
        let sink = try MailSink()
        defer { sink.stop() }
        let command = try sink.msmtpCommand()
        try await TestDatabase.withSchema(fixture: "alerts") { client, schema, _ in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-replicas-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var environment = CommandLineTests.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            environment["CHISO_AS_OF"] = "2026-06-15T08:00:00+07:00"
            environment["CHISO_REFRESH_INTERVAL"] = "10"  // leadership does not wait for refreshes; spare the CPU
            environment["CHISO_OUTPUT_DIR"] = ""
            environment["CHISO_ALERT_FROM"] = "chiso <chiso@bacbinh.example>"
            environment["CHISO_ALERT_COMMAND"] = command
            environment["CHISO_ALERT_TIMEOUT"] = "20"
            var daemons = try (1...3).map { try Daemon(environment: environment, folder: folder, name: "replica-\($0)") }

            var leader = try #require(try await Self.soleLeader(daemons), "one of three leads")
            #expect(
                await leader.metrics().contains(
                    "chiso_leader{instance=\"\(ProcessInfo.processInfo.hostName):\(leader.process.processIdentifier)\"} 1"))
            for follower in daemons where follower !== leader {
                // Under the suite's load a follower started last may not listen yet (no answer) or
                // not have read the lease yet ("role: unknown").
                var role = await follower.readyz()
                for _ in 0..<200 where role.isEmpty || role.contains("role: unknown") {
                    try await Task.sleep(for: .milliseconds(100))
                    role = await follower.readyz()
                }
                #expect(role.contains("role: follower; leader \(ProcessInfo.processInfo.hostName):\(leader.process.processIdentifier)"), "\(role)")
            }
            // The four deliverable digests of the fixture go out, once each.
            for _ in 0..<600 where sink.mails.count < 4 { try await Task.sleep(for: .milliseconds(100)) }
            #expect(sink.mails.count == 4)

            // Kill the leader without warning, twice; a follower takes over each time, and a new
            // replica replaces the dead one.
            var failovers: [Double] = []
            for cycle in 1...2 {
                let killed = leader
                let started = ContinuousClock.now
                killed.kill(SIGKILL)
                daemons.removeAll { $0 === killed }
                leader = try #require(try await Self.soleLeader(daemons), "cycle \(cycle): a follower takes over")
                failovers.append(Self.seconds(since: started))
                daemons.append(try Daemon(environment: environment, folder: folder, name: "replica-\(cycle + 3)"))
            }
            print(
                "replicas: failover after SIGKILL of the leader: \(failovers.map { String(format: "%.1f s", $0) }.joined(separator: ", ")) (lease 10 s, renewed every 3 s)"
            )
            // A graceful stop hands the lease on at once.
            let stopping = leader
            let started = ContinuousClock.now
            stopping.kill(SIGTERM)
            daemons.removeAll { $0 === stopping }
            leader = try #require(try await Self.soleLeader(daemons), "after SIGTERM: a follower takes over")
            print("replicas: failover after SIGTERM of the leader: \(String(format: "%.1f s", Self.seconds(since: started)))")

            // Nothing more was sent: one digest per unit and day, whoever led.
            try await Task.sleep(for: .seconds(2))
            let perUnit = Dictionary(grouping: sink.mails, by: \.message_id).mapValues(\.count)  // one Message-ID per unit-day
            #expect(sink.mails.count == 4 && perUnit.values.allSatisfy { $0 == 1 }, "\(perUnit)")
            print("replicas: mails per unit-day over 2 kill cycles and a stop: \(perUnit.values.sorted())")
            // The followers never tried to write the history (no duplicate keys, no refusals).
            for daemon in daemons {
                #expect(!daemon.stderr.contains("duplicate key") && !daemon.stderr.contains("not stored"), "\(daemon.stderr)")
            }
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: #"SELECT count(*)::int FROM "\#(schema.rawValue)".chiso_snapshots"#), logger: TestDatabase.logger)
            for try await count in rows.decode(Int.self) { #expect(count == 1, "one history row for the day") }
            for daemon in daemons { daemon.kill(SIGTERM) }
        }
    }

    /// Through PgBouncer in transaction mode (a server connection per transaction, no session
    /// state): migrate, two replicas with one leader, the history and the digests.
    @Test func twoReplicasThroughPgBouncerInTransactionMode() async throws {
        let sink = try MailSink()
        defer { sink.stop() }
        let command = try sink.msmtpCommand()
        try await TestDatabase.withSchema(fixture: "alerts") { client, schema, _ in
            let bouncer = try await TestCluster.pgbouncer(port: ProcessInfo.processInfo.environment["PGPORT"] ?? "5432")
            defer { bouncer.destroy() }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-bouncer-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var environment = CommandLineTests.databaseEnvironment
            environment["PGHOST"] = "127.0.0.1"
            environment["PGPORT"] = bouncer.port
            environment["PGSSLMODE"] = "disable"
            environment["CHISO_SCHEMA"] = schema.rawValue
            let migrate = try await CommandLineTests.run(["migrate"], environment: environment)
            #expect(migrate.status == 0, "\(migrate.stderr)")
            environment["CHISO_AS_OF"] = "2026-06-15T08:00:00+07:00"
            environment["CHISO_REFRESH_INTERVAL"] = "10"  // leadership does not wait for refreshes; spare the CPU
            environment["CHISO_OUTPUT_DIR"] = ""
            environment["CHISO_ALERT_FROM"] = "chiso <chiso@bacbinh.example>"
            environment["CHISO_ALERT_COMMAND"] = command
            let daemons = try (1...2).map { try Daemon(environment: environment, folder: folder, name: "bounced-\($0)") }
            let leader = try #require(try await Self.soleLeader(daemons), "one of two leads through PgBouncer")
            for _ in 0..<600 where sink.mails.count < 4 { try await Task.sleep(for: .milliseconds(100)) }
            #expect(sink.mails.count == 4)
            #expect(await leader.readyz().hasPrefix("ready\n"))
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: #"SELECT count(*)::int FROM "\#(schema.rawValue)".chiso_snapshots"#), logger: TestDatabase.logger)
            for try await count in rows.decode(Int.self) { #expect(count == 1, "the leader stored the day's history") }
            for daemon in daemons {
                #expect(!daemon.stderr.contains(" error "), "\(daemon.stderr)")
                daemon.kill(SIGTERM)
            }
        }
    }

    /// The term fences a leader that lost its lease (paused, then resumed): its history write and
    /// its digest decision are refused by the database, whatever it believes.
    @Test func aWriteUnderAnEndedTermIsRefused() async throws {
        try await TestDatabase.withSchema(fixture: "alerts") { client, schema, settings in
            let lease = PostgresLeaderLease(client: client, schema: schema, logger: TestDatabase.logger)
            let first = try await lease.acquireOrRenew(holder: "a:1", ttl: .seconds(30), within: .seconds(5))
            #expect(first.held && first.term == 1)
            let other = try await lease.acquireOrRenew(holder: "b:2", ttl: .seconds(30), within: .seconds(5))
            #expect(!other.held && other.holder == "a:1", "a lease in force is not taken")
            // a:1 is paused past its lease; b:2 takes it (term 2).
            try await client.query(
                PostgresQuery(unsafeSQL: #"UPDATE "\#(schema.rawValue)".chiso_leader SET expires_at = now() - interval '1 second'"#))
            let taken = try await lease.acquireOrRenew(holder: "b:2", ttl: .seconds(30), within: .seconds(5))
            #expect(taken.held && taken.term == 2)
            // a:1 resumes, still believing it leads in term 1.
            let stale = LeaseFence(holder: "a:1", term: 1)
            let history = PostgresSnapshotHistory(client: client, schema: schema, logger: TestDatabase.logger, fence: { stale })
            let snapshot = try await makePipeline(settings, source: PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger))
                .snapshot(asOf: Date(timeIntervalSince1970: 1_781_485_200), refreshedAt: { Date() }, clock: ContinuousClock()).snapshot
            await #expect(throws: StorageError.self) { try await history.append(snapshot) }
            let outbox = PostgresAlertOutbox(client: client, schema: schema, logger: TestDatabase.logger, fence: { stale })
            let window = AlertReadWindow(asOf: snapshot.asOf, policy: settings.alerts.policy, calendar: settings.calendar)
            await #expect(throws: StorageError.self) { _ = try await outbox.decide(window, record: true) { _, _ in [] } }
            #expect(try await AlertTests.count(client, schema) == 0)
            // The holder of term 2 writes.
            let current = PostgresSnapshotHistory(
                client: client, schema: schema, logger: TestDatabase.logger, fence: { LeaseFence(holder: "b:2", term: 2) })
            try await current.append(snapshot)
        }
    }
}

import ChisoStorage
import Foundation
import PostgresNIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// sql/roles.sql (issue 10, part 7): the daemon's role reads the inputs and writes only chiso's
/// own tables; it owns nothing. Every command the daemon's role runs works; what it must not do
/// is refused by PostgreSQL.
@Suite(.serialized, .timeLimit(.minutes(3))) struct LeastPrivilegeTests {
    static var rolesScript: String {
        #filePath.replacingOccurrences(of: "Tests/ChisoIntegrationTests/LeastPrivilegeTests.swift", with: "sql/roles.sql")
    }

    /// psql as the test cluster's superuser (the PG* variables of the run).
    static func psql(_ arguments: [String], user: String? = nil) async throws -> CommandLineTests.Run {
        var environment = CommandLineTests.databaseEnvironment
        if let user { environment["PGUSER"] = user }
        return try await CommandLineTests.run(
            ["-X", "-q", "-v", "ON_ERROR_STOP=1"] + arguments, environment: environment, executable: "/usr/bin/psql")
    }

    @Test func theDaemonRunsAsARoleThatOwnsNothing() async throws {
        try await TestDatabase.withSchema(fixture: "alerts") { client, schema, _ in
            let roles = try await Self.psql(["-v", "schema=\(schema.rawValue)", "-f", Self.rolesScript])
            #expect(roles.status == 0, "\(roles.stderr)")
            // Run twice: idempotent.
            #expect(try await Self.psql(["-v", "schema=\(schema.rawValue)", "-f", Self.rolesScript]).status == 0)
            let owner = try await Self.text(client, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = '\(schema.rawValue)'")
            #expect(owner == "chiso_owner")

            var daemon = CommandLineTests.databaseEnvironment
            daemon["PGUSER"] = "chiso_daemon"
            daemon["CHISO_SCHEMA"] = schema.rawValue
            daemon["CHISO_ALERT_FROM"] = "chiso <chiso@bacbinh.example>"
            daemon["CHISO_ALERT_COMMAND"] = "cat"
            let asOf = "2026-06-15T08:00:00+07:00"
            let snapshot = try await CommandLineTests.run(["snapshot", "--format", "prometheus", "--as-of", asOf], environment: daemon)
            #expect(snapshot.status == 0, "reads the inputs: \(snapshot.stderr)")
            let history = try await CommandLineTests.run(["backfill-history", "--from", "2026-06-10", "--as-of", asOf], environment: daemon)
            #expect(history.status == 0, "writes the snapshot history: \(history.stderr)")
            let alerts = try await CommandLineTests.run(["alerts", "--once", "--as-of", asOf], environment: daemon)
            #expect(alerts.status == 0, "decides and records digests: \(alerts.stderr)")
            #expect(alerts.stdout.contains("decided:"), "\(alerts.stdout)")
            #expect(try await AlertTests.count(client, schema) > 0)

            // The daemon itself: it takes the leader lease, refreshes and serves.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-roles-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var serving = daemon
            serving["CHISO_OUTPUT_DIR"] = ""
            serving["CHISO_ALERT_ENABLED"] = "false"
            let served = try ReplicaTests.Daemon(environment: serving, folder: folder, name: "least-privilege")
            var readyz = ""
            for _ in 0..<300 where !(readyz.hasPrefix("ready\n") && readyz.contains("role: leader")) {
                readyz = await served.readyz()
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(readyz.hasPrefix("ready\n") && readyz.contains("role: leader"), "\(readyz) \(served.stderr)")
            served.kill(SIGTERM)
            #expect(!served.stderr.contains("permission denied"), "\(served.stderr)")

            // What it must not do.
            let importing = try await CommandLineTests.run(["import", "units", ImportTests.url("units.csv").path], environment: daemon)
            #expect(importing.status == 1)
            #expect(importing.stderr.contains("permission denied for table units"), "\(importing.stderr)")
            for statement in [
                "DELETE FROM \(schema.rawValue).dossiers", "DROP TABLE \(schema.rawValue).chiso_snapshots",
                "CREATE TABLE \(schema.rawValue).intruder (x int)", "ALTER TABLE \(schema.rawValue).units DISABLE TRIGGER ALL",
            ] {
                let refused = try await Self.psql(["-c", statement], user: "chiso_daemon")
                #expect(refused.status != 0, "\(statement)")
                #expect(refused.stderr.contains("permission denied") || refused.stderr.contains("must be owner"), "\(statement): \(refused.stderr)")
            }

            // The writer's role loads the inputs, and sees nothing of chiso's own.
            _ = try await Self.psql([
                "-c", "DO $$ BEGIN CREATE ROLE chiso_test_loader LOGIN IN ROLE chiso_writer; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            ])
            var loader = daemon
            loader["PGUSER"] = "chiso_test_loader"
            let loaded = try await CommandLineTests.run(["import", "units", ImportTests.url("units.csv").path], environment: loader)
            #expect(loaded.status == 0, "\(loaded.stderr)")
            let peek = try await Self.psql(["-c", "SELECT count(*) FROM \(schema.rawValue).chiso_alert_outbox"], user: "chiso_test_loader")
            #expect(peek.stderr.contains("permission denied for table chiso_alert_outbox"), "\(peek.stderr)")
            // chiso_paid_online_at (sql/V009) is chiso's trigger's alone: the writer edits every other
            // column, and its online payment sets it through the trigger.
            let forged = try await Self.psql(
                ["-c", "UPDATE \(schema.rawValue).dossiers SET chiso_paid_online_at = now()"], user: "chiso_test_loader")
            #expect(forged.stderr.contains("permission denied for table dossiers"), "\(forged.stderr)")
            let edited = try await Self.psql(["-c", "UPDATE \(schema.rawValue).dossiers SET digitised = digitised"], user: "chiso_test_loader")
            #expect(edited.status == 0, "\(edited.stderr)")
            let paid = try await Self.psql(
                [
                    "-c",
                    """
                    INSERT INTO \(schema.rawValue).payments (id, dossier_code, paid_at, amount, method)
                    SELECT 'LOADER-PAID', code, received_at, 1000, 'national_portal' FROM \(schema.rawValue).dossiers ORDER BY code LIMIT 1
                    """,
                ], user: "chiso_test_loader")
            #expect(paid.status == 0, "\(paid.stderr)")
            let kept = try await Self.text(
                client,
                "SELECT count(*)::text FROM \(schema.rawValue).dossiers d JOIN \(schema.rawValue).payments p ON p.dossier_code = d.code AND p.id = 'LOADER-PAID' WHERE d.chiso_paid_online_at IS NOT NULL"
            )
            #expect(kept == "1")
            // A key move by the writer is noted through V011's trigger, in chiso's log it cannot read.
            let keys = "SELECT count(*)::text FROM \(schema.rawValue).chiso_table_changes WHERE table_name = 'dossiers:keys'"
            let keysBefore = try await Self.text(client, keys)
            let units = "(SELECT max(id) FROM \(schema.rawValue).units)"
            let moved = try await Self.psql(
                [
                    "-c",
                    "UPDATE \(schema.rawValue).dossiers SET unit_id = \(units) "
                        + "WHERE code = (SELECT min(code) FROM \(schema.rawValue).dossiers WHERE unit_id <> \(units))",
                ], user: "chiso_test_loader")
            #expect(moved.status == 0, "\(moved.stderr)")
            let keysAfter = try await Self.text(client, keys)
            #expect(Int(keysAfter ?? "") == Int(keysBefore ?? "").map { $0 + 1 }, "\(keysBefore ?? "-") -> \(keysAfter ?? "-")")
        }
    }

    static func text(_ client: PostgresClient, _ sql: String) async throws -> String? {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger)
        for try await value in rows.decode(String.self) { return value }
        return nil
    }
}

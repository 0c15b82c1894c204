import ChisoApp
import ChisoCore
import ChisoStorage
import Foundation
import Testing

/// The `chiso` executable as operators run it (built by `swift build --build-tests`).
@Suite(.timeLimit(.minutes(3))) struct CommandLineTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var binary: URL {
        // .build/<triple>/debug/chisoPackageTests.xctest sits beside chiso.
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("chiso")
    }

    /// Files, not pipes (see OutageTests): output goes to temporary files. `executable`: another
    /// program than chiso (psql).
    static func run(_ arguments: [String], environment: [String: String], executable: String? = nil) async throws -> Run {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out"), err = folder.appendingPathComponent("err")
        #expect(FileManager.default.createFile(atPath: out.path, contents: nil))
        #expect(FileManager.default.createFile(atPath: err.path, contents: nil))
        let process = Process()
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        try await process.runUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Run(
            status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }

    static var databaseEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("PG") }.merging(["PATH": "/usr/bin:/bin"]) { $1 }
    }

    /// interface.md's common options are accepted (and checked) by every command, even one that
    /// does not list them in its help.
    @Test func everyCommandTakesTheCommonOptions() async throws {
        for command in ["migrate", "snapshot", "alerts", "backfill-history", "demo"] {
            let arguments = [command] + (command == "alerts" ? ["--once"] : []) + ["--listen", "nowhere", "--time-zone", "Asia/Ho_Chi_Minh"]
            let run = try await Self.run(arguments, environment: ["PATH": "/usr/bin:/bin"])
            #expect(run.status == 1, "\(command)")
            #expect(run.stderr == "chiso: configuration: --listen: 'nowhere' is not HOST:PORT\n", "\(command): \(run.stderr)")
        }
    }

    /// Each command lists only the options it uses: `migrate` has no use for `--listen`.
    @Test(arguments: [
        ("migrate", ["--config", "--database-url", "--schema"], ["--listen", "--refresh-interval", "--output-dir", "--as-of", "--time-zone"]),
        (
            "snapshot", ["--config", "--database-url", "--schema", "--as-of", "--time-zone", "--format"],
            ["--listen", "--refresh-interval", "--output-dir"]
        ),
        ("serve", ["--config", "--database-url", "--schema", "--as-of", "--time-zone", "--listen", "--refresh-interval", "--output-dir"], []),
        ("alerts", ["--as-of", "--once", "--dry-run"], ["--listen", "--output-dir"]),
        ("check-config", ["--config", "--listen", "--output-dir", "--as-of"], []),
    ])
    func helpListsOnlyTheOptionsACommandUses(_ command: String, present: [String], absent: [String]) async throws {
        let help = try await Self.run([command, "--help"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(help.status == 0)
        for option in present { #expect(help.stdout.contains(option), "\(command) --help lacks \(option)") }
        for option in absent { #expect(!help.stdout.contains(option), "\(command) --help lists \(option)") }
    }

    @Test func snapshotPrintsTheFixtureAsJSONAndPrometheus() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { _, schema, _ in
            var environment = Self.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            let json = try await Self.run(["snapshot", "--format", "json", "--as-of", "2026-06-15T10:00:00+07:00"], environment: environment)
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["as_of"] as? String == "2026-06-15T10:00:00+07:00")
            #expect((object["overdue_tasks"] as? [Any])?.count == 3)
            let prometheus = try await Self.run(
                ["snapshot", "--format", "prometheus", "--as-of", "2026-06-15T10:00:00+07:00"], environment: environment)
            #expect(prometheus.status == 0)
            #expect(prometheus.stdout.contains(#"chiso_indicator_numerator{indicator="dossiers_on_time",unit="bac-binh",period="year"} 6"#))
        }
    }

    /// June to date on the fixture (T 15 June 10:00): June's active dossiers late are D03 (the office,
    /// open past due) and D09 (the centre, finished late), each costing 20 / 6 = 3,33 points of 2.1;
    /// overdue plan tasks at T: T3 and T8 (the centre), T5 (its counter). The officials come from
    /// `late_official`, an on-time dossier's name left out; the document escapes what it prints.
    @Test func qd766PrintsTheMonthsPublicationWithWhoCausedDelays() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { _, schema, _ in
            var environment = Self.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            environment["CHISO_AS_OF"] = "2026-06-15T10:00:00+07:00"
            let csv = try await Self.run(["qd766", "--month", "2026-06", "--format", "csv"], environment: environment)
            #expect(csv.status == 0, "\(csv.stderr)")
            // (Foundation drops the byte-order mark when it reads the output back; QD766ReportTests checks it is written.)
            #expect(csv.stdout.hasPrefix("unit;month;score;band;previous_score\r\nbac-binh;2026-06;"))
            let lines = csv.stdout.components(separatedBy: "\r\n")
            #expect(lines.contains("qd766.on_time;2.1;TDGQ;4;6;13.33;20;computed;"))
            let units = try #require(lines.firstIndex(of: "unit_id;unit;late_dossiers;points_lost;overdue_tasks"))
            #expect(
                Array(lines[(units + 1)...].prefix(3)) == [
                    "bac-binh/tthc;Trung tâm Phục vụ hành chính công;1;3.33;2", "bac-binh/vp;Văn phòng HĐND và UBND;1;3.33;0",
                    "bac-binh/tthc/quay-1;\"Quầy 1 <\"\"tiếp nhận\"\"> & trả kết quả\";0;0;1",
                ])
            let officials = try #require(lines.firstIndex(of: "official;unit_id;late_dossiers"))
            #expect(Array(lines[(officials + 1)...].prefix(3)) == ["Nguyễn Văn An;bac-binh/vp;1", "Trần Thị <Bình>;bac-binh/tthc;1", ""])
            let html = try await Self.run(["qd766", "--month", "2026-06"], environment: environment)
            #expect(html.status == 0, "\(html.stderr)")
            #expect(html.stdout.contains("tháng 06/2026"))
            #expect(html.stdout.contains("Số liệu đến 15/06/2026 10:00 (tháng chưa kết thúc)."))
            #expect(html.stdout.contains("<td>Trần Thị &lt;Bình&gt;</td>"))
            #expect(!html.stdout.contains("Lê Văn Cường"))
            let early = try await Self.run(["qd766", "--month", "2026-07"], environment: environment)
            #expect(early.status != 0 && early.stderr.contains("chiso: qd766: the month 2026-07 has not begun"))
        }
    }

    /// `chiso report`: the periodic report from a full read, as HTML and CSV; bad options named.
    @Test func reportPrintsThePeriodicReport() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { _, schema, _ in
            var environment = Self.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            environment["CHISO_AS_OF"] = "2026-06-15T10:00:00+07:00"
            let html = try await Self.run(["report", "--period", "year"], environment: environment)
            #expect(html.status == 0, "\(html.stderr)")
            #expect(html.stdout.contains("Kết quả thực hiện công tác cải cách hành chính năm 2026"))
            #expect(html.stdout.contains("Bắc Bình, ngày 15 tháng 06 năm 2026"))
            // The centre's counter, escaped; its one task (T5) overdue.
            #expect(html.stdout.contains("<td>Quầy 1 &lt;&quot;tiếp nhận&quot;&gt; &amp; trả kết quả</td>"))
            let csv = try await Self.run(["report", "--period", "quarter", "--format", "csv"], environment: environment)
            #expect(csv.status == 0, "\(csv.stderr)")
            #expect(csv.stdout.components(separatedBy: "\r\n").contains("II;bac-binh/tthc;Trung tâm Phục vụ hành chính công;1;0;0;1"))
            let bad = try await Self.run(["report", "--period", "week"], environment: environment)
            #expect(bad.status != 0 && bad.stderr.contains("chiso: report: --period 'week' is not year, quarter or month"))
        }
    }

    @Test func snapshotFailsWithOneLineWhenTheDatabaseIsAway() async throws {
        // A port nobody listens on; the password must not leak into the message.
        let run = try await Self.run(
            ["snapshot"],
            environment: [
                "CHISO_DATABASE_URL": "postgres://chiso:VerySecret@127.0.0.1:9/chiso?sslmode=disable", "CHISO_REFRESH_TIMEOUT": "2",
            ])
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n").filter { !$0.contains(" info ") && !$0.contains(" warning ") }
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(lines.first?.hasPrefix("chiso: snapshot: ") == true)
        #expect(!run.stderr.contains("VerySecret"))
    }

    @Test func checkConfigNamesEveryProblemAndExitsNonZero() async throws {
        let run = try await Self.run(["check-config", "--listen", "nowhere", "--time-zone", "Mars/Olympus"], environment: [:])
        #expect(run.status == 1)
        #expect(
            run.stderr == """
                chiso: configuration: --time-zone: unknown time zone 'Mars/Olympus' (use an IANA name such as Asia/Ho_Chi_Minh)
                chiso: configuration: --listen: 'nowhere' is not HOST:PORT
                chiso: 2 configuration problems

                """)
        let good = try await Self.run(["check-config"], environment: ["PGHOST": "/tmp", "PGUSER": "chiso"])
        #expect(good.status == 0)
        #expect(good.stdout.hasPrefix("configuration ok: database postgresql://chiso@[/tmp]/chiso, schema chiso"))
    }

    @Test func migrateIsIdempotentFromTheCommandLine() async throws {
        try await TestDatabase.withSchema { _, schema, _ in
            var environment = Self.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            let run = try await Self.run(["migrate"], environment: environment)
            #expect(run.status == 0)
            #expect(run.stdout == "schema \(schema.rawValue) is up to date\n")
        }
    }
}

extension Process {
    /// Runs and waits without holding a thread of Swift's cooperative pool (two on a 2-core
    /// machine): a test waiting for a command must not stall the other tests' tasks.
    func runUntilExit() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            terminationHandler = { _ in continuation.resume() }
            do {
                try run()
            } catch {
                terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }
}

/// The monthly file the commune publishes (plan task II.10), written by the daemon's service into
/// the output directory once the month is over.
@Suite struct MonthlyPublicationTests {
    @Test func theLastFinishedMonthIsWrittenOnceIntoTheOutputDirectory() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, settings in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-qd766-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let source = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let service = MonthlyPublicationService(
                publisher: QD766Publisher(settings: settings, source: source), directory: folder, calendar: settings.calendar,
                time: EvaluationClock(asOf: fixtureAsOf), clock: ContinuousClock(), logger: TestDatabase.logger)
            // T is 15 June: May is the last finished month.
            let written = await service.pass(at: fixtureAsOf)
            #expect(written.map(\.lastPathComponent) == ["2026-05.html", "2026-05.csv"])
            let html = try String(contentsOf: folder.appendingPathComponent("qd766/2026-05.html"), encoding: .utf8)
            #expect(html.contains("tháng 05/2026") && html.contains("Số liệu đến hết ngày 31/05/2026."))
            let csv = try Data(contentsOf: folder.appendingPathComponent("qd766/2026-05.csv"))
            #expect(csv.starts(with: [0xEF, 0xBB, 0xBF]), "UTF-8 with a byte-order mark")
            // Already there: nothing is read or written again.
            #expect(await service.pass(at: fixtureAsOf.addingTimeInterval(3600)).isEmpty)
        }
    }
}

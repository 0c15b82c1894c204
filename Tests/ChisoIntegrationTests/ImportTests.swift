import ChisoApp
import ChisoCore
import ChisoImport
import ChisoStorage
import Foundation
import PostgresNIO
import Testing

/// `chiso import`: a good file per table, a bad file per error class (each with its exact
/// message, and the tables exactly as before), separators, BOM, upserts, dry runs, the plan.
@Suite(.timeLimit(.minutes(5))) struct ImportTests {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let order = ["units", "procedures", "dossiers", "payments", "documents", "feedback", "report_forms", "tasks", "manual_values"]

    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Imports")!
    }

    static func prepare(_ name: String, table: String) throws -> PreparedImport {
        let csv = try CSVFile.parse(Data(contentsOf: url(name)), fileName: name)
        return try ImportPreparer.prepare(
            csv, table: InputTable.named(table)!, fileName: name, timeZone: zone, now: Date(timeIntervalSince1970: 1_781_500_000))
    }

    static func load(
        _ name: String, table: String, into client: PostgresClient, _ schema: SchemaName, mode: PostgresImporter.Mode = .upsert, dryRun: Bool = false
    ) async throws -> PostgresImporter.Outcome {
        try await PostgresImporter(client: client, schema: schema, logger: TestDatabase.logger)
            .load(try prepare(name, table: table), fileName: name, mode: mode, dryRun: dryRun)
    }

    static func loadAll(_ client: PostgresClient, _ schema: SchemaName) async throws {
        for table in order { _ = try await load("\(table).csv", table: table, into: client, schema) }
    }

    /// Every row of every input table, as text: "nothing changed" is checked against this.
    static func contents(_ client: PostgresClient, _ schema: SchemaName) async throws -> [String] {
        var out: [String] = []
        for table in order {
            let rows = try await client.query(PostgresQuery(unsafeSQL: #"SELECT t::text FROM "\#(schema.rawValue)"."\#(table)" t ORDER BY 1"#))
            for try await row in rows.decode(String.self) { out.append("\(table): \(row)") }
        }
        return out
    }

    static func text(_ client: PostgresClient, _ sql: String) async throws -> [String] {
        var out: [String] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) { out.append(row) }
        return out
    }

    @Test func aGoodFilePerTableLoads() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            var counts: [String: Int] = [:]
            for table in Self.order {
                let outcome = try await Self.load("\(table).csv", table: table, into: client, schema)
                #expect(outcome.updated == 0)
                counts[table] = outcome.inserted
            }
            #expect(
                counts == [
                    "units": 3, "procedures": 2, "dossiers": 3, "payments": 2, "documents": 2, "feedback": 2, "report_forms": 2, "tasks": 2,
                    "manual_values": 2,
                ])
            let s = schema.rawValue
            // dd/MM/yyyy HH:mm is local time in Asia/Ho_Chi_Minh: 03/02/2026 08:30 → 01:30 UTC.
            #expect(
                try await Self.text(
                    client, #"SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM "\#(s)".dossiers WHERE code = 'D1'"#) == [
                        "2026-02-03 01:30"
                    ])
            #expect(
                try await Self.text(
                    client, #"SELECT to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM "\#(s)".dossiers WHERE code = 'D3'"#) == [
                        "2026-02-02 10:00"
                    ])
            // Booleans in Vietnamese, defaults for columns left out, quotes and commas in a name.
            #expect(
                try await Self.text(
                    client,
                    #"SELECT full_online_eligible::text || has_fee::text || requires_result_document::text FROM "\#(s)".procedures WHERE code = 'P1'"#
                ) == ["truefalsetrue"])
            #expect(try await Self.text(client, #"SELECT name FROM "\#(s)".units WHERE id = 'c/vh'"#) == [#"Phòng Văn hóa – Xã hội, "VH-XH""#])
            #expect(try await Self.text(client, #"SELECT security_level FROM "\#(s)".documents WHERE id = 'VB2'"#) == ["normal"])
            #expect(try await Self.text(client, #"SELECT numerator::text FROM "\#(s)".manual_values WHERE unit_id = 'c/kt'"#) == ["21.5"])
            #expect(try await Self.text(client, #"SELECT to_char(due_date, 'YYYY-MM-DD') FROM "\#(s)".tasks WHERE id = 'T1'"#) == ["2026-01-31"])
        }
    }

    @Test func semicolonsAndAByteOrderMarkLoad() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            try await Self.loadAll(client, schema)
            let outcome = try await Self.load("dossiers-semicolon-bom.csv", table: "dossiers", into: client, schema)
            #expect(outcome == .init(rows: 2, inserted: 2, updated: 0))
            #expect(
                try await Self.text(
                    client,
                    #"SELECT code || ' ' || coalesce(to_char(due_at AT TIME ZONE 'UTC', 'DD/MM HH24:MI'), '-') FROM "\#(schema.rawValue)".dossiers WHERE code IN ('D4', 'D5') ORDER BY 1"#
                )
                    == ["D4 12/02 10:00", "D5 -"])
        }
    }

    @Test func upsertUpdatesInsertRefusesAndDryRunChangesNothing() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            try await Self.loadAll(client, schema)
            // The same file again: every row an update.
            #expect(try await Self.load("units.csv", table: "units", into: client, schema) == .init(rows: 3, inserted: 0, updated: 3))
            let before = try await Self.contents(client, schema)
            // Insert mode: the first existing key is named with its line.
            await #expect(
                throws: ImportErrors(messages: [
                    #"units.csv:2: duplicate key value violates unique constraint "units_pkey" — Key (id)=(c) already exists."#
                ])
            ) {
                _ = try await Self.load("units.csv", table: "units", into: client, schema, mode: .insert)
            }
            // A dry run checks against the database and rolls back.
            #expect(try await Self.load("dossiers-semicolon-bom.csv", table: "dossiers", into: client, schema, dryRun: true).inserted == 2)
            #expect(try await Self.contents(client, schema) == before)
        }
    }

    /// file → the exact messages.
    static let badFiles: [(file: String, table: String, messages: [String])] = [
        (
            "bad-date.csv", "dossiers",
            [
                "bad-date.csv:2: received_at '31/02/2026 08:00' is not a time (ISO 8601 or dd/MM/yyyy HH:mm)",
                "bad-date.csv:3: received_at '2026-02-03T25:00' is not a time (ISO 8601 or dd/MM/yyyy HH:mm)",
            ]
        ),
        (
            "bad-columns.csv", "dossiers",
            [
                "bad-columns.csv:1: unknown column 'recieved_at' for dossiers (columns: code, procedure_code, unit_id, channel, status, received_at, due_at, finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at, updated_at, late_official)",
                "bad-columns.csv:1: column 'received_at' is missing; dossiers needs it",
            ]
        ),
        (
            "bad-rules.csv", "dossiers",
            [
                "bad-rules.csv:2: due_at 01/02/2026 08:00 is before received_at 03/02/2026 09:00",
                "bad-rules.csv:3: channel 'web' is not one of in_person, online, postal",
                "bad-rules.csv:4: status is finished but finished_at is empty",
                "bad-rules.csv:6: code D9 already on line 5",
            ]
        ),
        (
            // Amounts are whole đồng written plainly: a separator or a fraction is an error, not 1 or 13.
            "bad-amounts.csv", "payments",
            [
                "bad-amounts.csv:2: amount '1.000.000' is not a whole number (digits only: no thousands separator, no decimals)",
                "bad-amounts.csv:3: amount '12.5' is not a whole number (digits only: no thousands separator, no decimals)",
                "bad-amounts.csv:4: amount '1,000' is not a whole number (digits only: no thousands separator, no decimals)",
                "bad-amounts.csv:5: amount '123456789012345' has more than 14 digits",
            ]
        ),
        (
            "bad-numbers.csv", "manual_values",
            [
                "bad-numbers.csv:2: numerator '1.000.5' is not a number (digits, with . before any decimals; no thousands separator)",
                "bad-numbers.csv:3: unit_id contains a NUL character (\\0), which the database cannot store",
            ]
        ),
    ]

    @Test(arguments: badFiles.map(\.file))
    func aBadFileIsRefusedWithItsLinesAndNothingChanges(_ file: String) async throws {
        let expected = Self.badFiles.first { $0.file == file }!
        try await TestDatabase.withSchema { client, schema, _ in
            try await Self.loadAll(client, schema)
            let before = try await Self.contents(client, schema)
            do {
                _ = try await Self.load(file, table: expected.table, into: client, schema)
                Issue.record("\(file) loaded")
            } catch let errors as ImportErrors {
                #expect(errors.messages == expected.messages)
            }
            #expect(try await Self.contents(client, schema) == before)
        }
    }

    @Test func aRowTheDatabaseRefusesIsNamedByItsLine() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            try await Self.loadAll(client, schema)
            let before = try await Self.contents(client, schema)
            await #expect(
                throws: ImportErrors(messages: [
                    #"unknown-unit.csv:3: insert or update on table "dossiers" violates foreign key constraint "dossiers_unit_id_fkey" — Key (unit_id)=(nowhere) is not present in table "units"."#
                ])
            ) {
                _ = try await Self.load("unknown-unit.csv", table: "dossiers", into: client, schema)
            }
            #expect(try await Self.contents(client, schema) == before, "D6, on the line before, is not kept either")
        }
    }

    /// Chunk by chunk (here one row a chunk): both the direct path and the staging path, which
    /// reads the file again after a refusal, still name the right line.
    @Test func rowsReadInChunksLoadAndNameTheRefusedLine() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            let importer = PostgresImporter(client: client, schema: schema, logger: TestDatabase.logger)
            for table in Self.order {
                let rows = try CSVRows(
                    data: Data(contentsOf: Self.url("\(table).csv")), fileName: "\(table).csv", table: InputTable.named(table)!,
                    timeZone: Self.zone, now: Date(timeIntervalSince1970: 1_781_500_000), chunkSize: 1)
                #expect(try await importer.load(rows, fileName: "\(table).csv", mode: .upsert, dryRun: false).updated == 0)
            }
            let before = try await Self.contents(client, schema)
            let refused = try CSVRows(
                data: Data(contentsOf: Self.url("unknown-unit.csv")), fileName: "unknown-unit.csv", table: InputTable.named("dossiers")!,
                timeZone: Self.zone, now: Date(), chunkSize: 1)
            await #expect(
                throws: ImportErrors(messages: [
                    #"unknown-unit.csv:3: insert or update on table "dossiers" violates foreign key constraint "dossiers_unit_id_fkey" — Key (unit_id)=(nowhere) is not present in table "units"."#
                ])
            ) {
                _ = try await importer.load(refused, fileName: "unknown-unit.csv", mode: .upsert, dryRun: false)
            }
            let bad = try CSVRows(
                data: Data(contentsOf: Self.url("bad-rules.csv")), fileName: "bad-rules.csv", table: InputTable.named("dossiers")!,
                timeZone: Self.zone, now: Date(), chunkSize: 2)
            do {
                _ = try await importer.load(bad, fileName: "bad-rules.csv", mode: .upsert, dryRun: false)
                Issue.record("bad-rules.csv loaded")
            } catch let errors as ImportErrors {
                #expect(errors.messages == Self.badFiles.first { $0.file == "bad-rules.csv" }!.messages)
            }
            #expect(try await Self.contents(client, schema) == before)
        }
    }

    @Test func aFileNotInUTF8IsRefusedWithItsLine() throws {
        #expect(throws: CSVFile.Invalid(description: "latin1-units.csv:2: not UTF-8 text (byte 0xF4); save the file as CSV UTF-8")) {
            _ = try CSVFile.parse(Data(contentsOf: Self.url("latin1-units.csv")), fileName: "latin1-units.csv")
        }
    }

    @Test func thePlanLoadsAsTasksAndKeepsProgressOnReload() async throws {
        let planURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../plan/ke-hoach-cchc-2026.tsv")
            .standardized
        let tasks = try PlanFile.parse(Data(contentsOf: planURL), fileName: "ke-hoach-cchc-2026.tsv", planYear: 2026)
        // 42 appendix rows; II.10 monthly → 12 milestones, VII.2 → 3: 42 − 2 + 15 = 55 tasks.
        #expect(tasks.count == 55)
        let due = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0.dueDate?.description ?? "-") })
        #expect(due["KH2026-I.1"] == "2027-01-31")  // Trước ngày 31/01 năm liền kề
        #expect(due["KH2026-I.2"] == "-")  // Thường xuyên trong năm
        #expect(due["KH2026-I.3"] == "2026-12-31")  // Trong năm 2026
        #expect(due["KH2026-II.1"] == "-")  // Theo Kế hoạch … của tỉnh
        #expect(due["KH2026-II.10-01"] == "2026-01-31")  // Định kỳ hằng tháng
        #expect(due["KH2026-II.10-12"] == "2026-12-31")
        #expect(due["KH2026-IV.3"] == "2026-01-31")  // trong tháng 01/2026
        #expect(due["KH2026-VII.1"] == "2026-01-15")  // chậm nhất là ngày 15/01/2026
        #expect(["KH2026-VII.2-01", "KH2026-VII.2-02", "KH2026-VII.2-03"].map { due[$0] } == ["2026-01-31", "2026-06-30", "2026-08-31"])
        let leads = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0.leadUnitID) })
        #expect(leads["KH2026-VI.10"] == "bac-binh/ca")
        #expect(leads["KH2026-II.3"] == "bac-binh")  // "Các cơ quan, đơn vị" → the commune

        try await TestDatabase.withSchema { client, schema, _ in
            try await TestDatabase.execute(
                """
                INSERT INTO units (id, parent_id, name, kind) VALUES ('bac-binh', NULL, 'Xã Bắc Bình', 'commune'),
                  ('bac-binh/vp', 'bac-binh', 'Văn phòng HĐND và UBND xã', 'department'), ('bac-binh/kt', 'bac-binh', 'Phòng Kinh tế', 'department'),
                  ('bac-binh/vh-xh', 'bac-binh', 'Phòng Văn hóa – Xã hội', 'department'), ('bac-binh/tt-phvhcc', 'bac-binh', 'Trung tâm Phục vụ hành chính công', 'center'),
                  ('bac-binh/ca', 'bac-binh', 'Công an xã', 'other'), ('bac-binh/tt-dvth', 'bac-binh', 'Trung tâm Dịch vụ tổng hợp xã', 'center');
                """, client: client, schema: schema)
            let importer = PostgresImporter(client: client, schema: schema, logger: TestDatabase.logger)
            let first = try await importer.load(
                PlanFile.prepared(tasks), fileName: "plan", mode: .upsert, updateColumns: PlanFile.updatableColumns, dryRun: false)
            #expect(first == .init(rows: 55, inserted: 55, updated: 0))
            // A task marked done keeps its progress when the plan is loaded again.
            try await TestDatabase.execute(
                "UPDATE tasks SET status = 'done', done_at = '2026-01-14 10:00+07' WHERE id = 'KH2026-VII.1';", client: client, schema: schema)
            let again = try await importer.load(
                PlanFile.prepared(tasks), fileName: "plan", mode: .upsert, updateColumns: PlanFile.updatableColumns, dryRun: false)
            #expect(again == .init(rows: 55, inserted: 0, updated: 55))
            #expect(try await Self.text(client, #"SELECT status FROM "\#(schema.rawValue)".tasks WHERE id = 'KH2026-VII.1'"#) == ["done"])
        }
    }

    @Test func aDeadlineNoRuleCoversFailsTheLoad() {
        let text = "plan_ref\ttitle\tdeadline\tlead_unit_id\nI.1\tViệc\tKhi nào xong thì thôi\tbac-binh\n"
        #expect(throws: ImportErrors(messages: ["plan.tsv:2: deadline: no deadline rule covers 'Khi nào xong thì thôi'"])) {
            _ = try PlanFile.parse(Data(text.utf8), fileName: "plan.tsv", planYear: 2026)
        }
    }

    @Test func theCommandLineNamesTheLineAndExitsNonZero() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            try await Self.loadAll(client, schema)
            var environment = CommandLineTests.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            let run = try await CommandLineTests.run(["import", "dossiers", Self.url("bad-rules.csv").path], environment: environment)
            #expect(run.status == 1)
            #expect(run.stderr.hasPrefix("bad-rules.csv:2: due_at 01/02/2026 08:00 is before received_at 03/02/2026 09:00\n"))
            #expect(run.stderr.hasSuffix("chiso: import: bad-rules.csv not loaded (4 errors); nothing changed\n"))
            // A file in another encoding: refused with its line, the table as it was.
            let before = try await Self.contents(client, schema)
            let latin1 = try await CommandLineTests.run(["import", "units", Self.url("latin1-units.csv").path], environment: environment)
            #expect(latin1.status == 1)
            #expect(
                latin1.stderr
                    == "latin1-units.csv:2: not UTF-8 text (byte 0xF4); save the file as CSV UTF-8\nchiso: import: latin1-units.csv not loaded (1 error); nothing changed\n"
            )
            #expect(try await Self.contents(client, schema) == before)
            let good = try await CommandLineTests.run(["import", "dossiers", Self.url("dossiers-semicolon-bom.csv").path], environment: environment)
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.hasPrefix("loaded dossiers-semicolon-bom.csv into dossiers: 2 rows (2 new, 0 updated)"))
            // Again: the keys exist, so the staging path reads the file a second time and updates.
            let again = try await CommandLineTests.run(["import", "dossiers", Self.url("dossiers-semicolon-bom.csv").path], environment: environment)
            #expect(again.stdout.hasPrefix("loaded dossiers-semicolon-bom.csv into dossiers: 2 rows (0 new, 2 updated)"), "\(again.stderr)")
        }
    }

    @Test func theDemoIsDeterministicAndBelievable() throws {
        let calendar = PlanCalendar(timeZone: Self.zone)
        let asOf = calendar.parseInstant("2026-11-28T16:00:00+07:00")!
        let plan = try PlanFile.parse(DemoYear.planFile, fileName: "plan", planYear: 2026)
        let one = DemoYear.generate(seed: 7, asOf: asOf, calendar: calendar, plan: plan)
        let two = DemoYear.generate(seed: 7, asOf: asOf, calendar: calendar, plan: plan)
        #expect(one.map(\.copyLines) == two.map(\.copyLines))
        let counts = Dictionary(uniqueKeysWithValues: one.map { ($0.table.name, $0.copyLines.count) })
        #expect(counts["procedures"] == 400)
        #expect((12_000...18_000).contains(counts["dossiers"] ?? 0))
        #expect(counts["units"] == 7)
        #expect((counts["tasks"] ?? 0) >= 55)
        #expect(DemoYear.generate(seed: 8, asOf: asOf, calendar: calendar, plan: plan)[2].copyLines != one[2].copyLines)
    }
}

/// `chiso demo` never empties a schema that holds data unless told to.
@Suite(.timeLimit(.minutes(2))) struct DemoCommandTests {
    @Test func theDemoRefusesToReplaceDataWithoutReplace() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            var environment = CommandLineTests.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            let refused = try await CommandLineTests.run(["demo", "--seed", "1", "--as-of", "2026-06-15T10:00:00+07:00"], environment: environment)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("demo: schema \(schema.rawValue) already holds data; pass --replace to empty it and load the demo"))
            #expect(
                try await ImportTests.text(client, #"SELECT count(*)::text FROM "\#(schema.rawValue)".units"#) == ["5"], "the fixture is untouched")
            let replaced = try await CommandLineTests.run(
                ["demo", "--seed", "1", "--replace", "--as-of", "2026-06-15T10:00:00+07:00"], environment: environment)
            #expect(replaced.status == 0, "\(replaced.stderr)")
            #expect(try await ImportTests.text(client, #"SELECT count(*)::text FROM "\#(schema.rawValue)".units"#) == ["7"])
            #expect(try await ImportTests.text(client, #"SELECT count(*)::text FROM "\#(schema.rawValue)".tasks WHERE source = 'plan'"#) == ["55"])
        }
    }
}

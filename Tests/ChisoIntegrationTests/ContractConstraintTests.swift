import ChisoCore
import ChisoStorage
import Foundation
import PostgresNIO
import Testing

/// Every constraint of the input contract is enforced by PostgreSQL: the offending INSERT (or
/// UPDATE) is refused with PostgreSQL's own error and the table's rows are unchanged.
@Suite struct ContractConstraintTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let table: String
        let sql: String
        /// SQLSTATE expected: 23514 check, 23503 foreign key, 23505 unique, 23502 not null, 22P02 bad input.
        let sqlState: String
        var testDescription: String { name }
    }

    static let base = """
        INSERT INTO units (id, parent_id, name, kind) VALUES ('c', NULL, 'C', 'commune'), ('c/d', 'c', 'D', 'department'), ('c/d/e', 'c/d', 'E', 'other');
        INSERT INTO procedures (code, name, service_level) VALUES ('P', 'P', 'full');
        INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at) VALUES ('D', 'P', 'c/d', 'online', 'processing', '2026-01-01 08:00+07');
        INSERT INTO tasks (id, source, title, lead_unit_id, status) VALUES ('T', 'plan', 'T', 'c', 'open');
        """

    static let cases: [Case] = [
        Case(
            name: "unit kind outside the list", table: "units", sql: "INSERT INTO units (id, name, kind) VALUES ('x', 'X', 'ward')", sqlState: "23514"
        ),
        Case(
            name: "unit with an unknown parent", table: "units",
            sql: "INSERT INTO units (id, parent_id, name, kind) VALUES ('x', 'nowhere', 'X', 'other')", sqlState: "23503"),
        Case(
            name: "unit its own parent", table: "units", sql: "INSERT INTO units (id, parent_id, name, kind) VALUES ('x', 'x', 'X', 'other')",
            sqlState: "23514"),
        Case(
            name: "unit re-parented under its own descendant", table: "units", sql: "UPDATE units SET parent_id = 'c/d/e' WHERE id = 'c'",
            sqlState: "23514"),
        Case(
            name: "two new units made each other's parent in one statement", table: "units",
            sql: "INSERT INTO units (id, parent_id, name, kind) VALUES ('a', 'b', 'A', 'other'), ('b', 'a', 'B', 'other')", sqlState: "23514"),
        Case(
            name: "two units re-parented under each other in one statement", table: "units",
            sql: "UPDATE units SET parent_id = CASE id WHEN 'c/d' THEN 'c/d/e' ELSE 'c/d' END WHERE id IN ('c/d', 'c/d/e')", sqlState: "23514"),
        Case(
            name: "unit name over 300 characters", table: "units",
            sql: "INSERT INTO units (id, parent_id, name, kind) VALUES ('x', 'c', repeat('x', 301), 'other')", sqlState: "23514"),
        Case(
            name: "task title over 2000 characters", table: "tasks",
            sql: "INSERT INTO tasks (id, source, title, lead_unit_id, status) VALUES ('X', 'plan', repeat('t', 2001), 'c', 'open')", sqlState: "23514"
        ),
        Case(name: "unit without a name", table: "units", sql: "INSERT INTO units (id, name, kind) VALUES ('x', NULL, 'other')", sqlState: "23502"),
        Case(
            name: "duplicate unit id", table: "units", sql: "INSERT INTO units (id, name, kind) VALUES ('c', 'again', 'commune')", sqlState: "23505"),
        Case(
            name: "procedure service level outside the list", table: "procedures",
            sql: "INSERT INTO procedures (code, name, service_level) VALUES ('Q', 'Q', 'some')", sqlState: "23514"),
        Case(
            name: "dossier channel outside the list", table: "dossiers",
            sql:
                "INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at) VALUES ('X', 'P', 'c', 'fax', 'processing', now())",
            sqlState: "23514"),
        Case(
            name: "dossier status outside the list", table: "dossiers",
            sql: "INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at) VALUES ('X', 'P', 'c', 'online', 'lost', now())",
            sqlState: "23514"),
        Case(
            name: "dossier due before received", table: "dossiers",
            sql:
                "INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, due_at) VALUES ('X', 'P', 'c', 'online', 'processing', '2026-02-03', '2026-02-01')",
            sqlState: "23514"),
        Case(
            name: "dossier finished before received", table: "dossiers",
            sql:
                "INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, finished_at) VALUES ('X', 'P', 'c', 'online', 'finished', '2026-02-03', '2026-02-01')",
            sqlState: "23514"),
        Case(
            name: "finished_at on a processing dossier", table: "dossiers",
            sql:
                "INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, finished_at) VALUES ('X', 'P', 'c', 'online', 'processing', '2026-02-01', '2026-02-03')",
            sqlState: "23514"),
        Case(
            name: "finished dossier without finished_at", table: "dossiers",
            sql:
                "INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at) VALUES ('X', 'P', 'c', 'online', 'finished', '2026-02-01')",
            sqlState: "23514"),
        Case(
            name: "dossier of an unknown procedure", table: "dossiers",
            sql:
                "INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at) VALUES ('X', 'NOPE', 'c', 'online', 'processing', now())",
            sqlState: "23503"),
        Case(
            name: "dossier of an unknown unit", table: "dossiers",
            sql:
                "INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at) VALUES ('X', 'P', 'nowhere', 'online', 'processing', now())",
            sqlState: "23503"),
        Case(
            name: "payment of zero", table: "payments",
            sql: "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('X', 'D', now(), 0, 'cash')", sqlState: "23514"),
        Case(
            name: "payment method outside the list", table: "payments",
            sql: "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('X', 'D', now(), 1000, 'cheque')", sqlState: "23514"),
        Case(
            name: "payment of an unknown dossier", table: "payments",
            sql: "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('X', 'NOPE', now(), 1000, 'cash')", sqlState: "23503"),
        Case(
            name: "document direction outside the list", table: "documents",
            sql: "INSERT INTO documents (id, unit_id, direction, registered_at) VALUES ('X', 'c', 'sideways', now())", sqlState: "23514"),
        Case(
            name: "document security level outside the list", table: "documents",
            sql: "INSERT INTO documents (id, unit_id, direction, registered_at, security_level) VALUES ('X', 'c', 'outgoing', now(), 'private')",
            sqlState: "23514"),
        Case(
            name: "feedback resolved before received", table: "feedback",
            sql: "INSERT INTO feedback (id, unit_id, received_at, resolved_at) VALUES ('X', 'c', '2026-02-03', '2026-02-01')", sqlState: "23514"),
        Case(
            name: "report form of an unknown unit", table: "report_forms",
            sql: "INSERT INTO report_forms (id, unit_id, name) VALUES ('X', 'nowhere', 'F')", sqlState: "23503"),
        Case(
            name: "task source outside the list", table: "tasks",
            sql: "INSERT INTO tasks (id, source, title, lead_unit_id, status) VALUES ('X', 'ministry', 'T', 'c', 'open')", sqlState: "23514"),
        Case(
            name: "task status outside the list", table: "tasks",
            sql: "INSERT INTO tasks (id, source, title, lead_unit_id, status) VALUES ('X', 'plan', 'T', 'c', 'late')", sqlState: "23514"),
        Case(
            name: "done task without done_at", table: "tasks",
            sql: "INSERT INTO tasks (id, source, title, lead_unit_id, status) VALUES ('X', 'plan', 'T', 'c', 'done')", sqlState: "23514"),
        Case(
            name: "open task with done_at", table: "tasks",
            sql: "INSERT INTO tasks (id, source, title, lead_unit_id, status, done_at) VALUES ('X', 'plan', 'T', 'c', 'open', now())",
            sqlState: "23514"),
        Case(
            name: "task led by an unknown unit", table: "tasks",
            sql: "INSERT INTO tasks (id, source, title, lead_unit_id, status) VALUES ('X', 'plan', 'T', 'nowhere', 'open')", sqlState: "23503"),
        Case(
            name: "task monitored by an unknown unit", table: "tasks",
            sql: "INSERT INTO tasks (id, source, title, lead_unit_id, monitoring_unit_id, status) VALUES ('X', 'plan', 'T', 'c', 'nowhere', 'open')",
            sqlState: "23503"),
        Case(
            name: "manual value with a negative numerator", table: "manual_values",
            sql:
                "INSERT INTO manual_values (indicator, unit_id, period_end, numerator, denominator) VALUES ('training_completed', 'c', '2026-03-31', -1, 4)",
            sqlState: "23514"),
        Case(
            name: "manual value with a zero denominator", table: "manual_values",
            sql:
                "INSERT INTO manual_values (indicator, unit_id, period_end, numerator, denominator) VALUES ('training_completed', 'c', '2026-03-31', 1, 0)",
            sqlState: "23514"),
        Case(
            name: "manual value of an unknown unit", table: "manual_values",
            sql:
                "INSERT INTO manual_values (indicator, unit_id, period_end, numerator, denominator) VALUES ('training_completed', 'nowhere', '2026-03-31', 1, 4)",
            sqlState: "23503"),
    ]

    @Test(arguments: cases)
    func isRefusedAndChangesNothing(_ testCase: Case) async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            try await TestDatabase.execute(Self.base, client: client, schema: schema)
            let before = try await TestDatabase.count(testCase.table, client: client, schema: schema)
            await #expect {
                try await TestDatabase.run(PostgresQuery(unsafeSQL: testCase.sql), client: client, schema: schema)
            } throws: { error in
                (error as? PSQLError)?.serverInfo?[.sqlState] == testCase.sqlState
            }
            let after = try await TestDatabase.count(testCase.table, client: client, schema: schema)
            #expect(before == after)
            if testCase.table == "units" {
                // the tree is untouched: c is still the root
                let rows = try await client.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*) FROM \"\(schema.rawValue)\".units WHERE parent_id IS NULL AND id = 'c'"))
                for try await count in rows.decode(Int.self) { #expect(count == 1) }
            }
        }
    }

    /// The server sees chiso's sessions by name (libpq's application_name, default chiso).
    @Test func sessionsCarryTheApplicationName() async throws {
        try await TestDatabase.withSchema { client, _, _ in
            let rows = try await client.query("SELECT current_setting('application_name')", logger: TestDatabase.logger)
            var names: [String] = []
            for try await name in rows.decode(String.self) { names.append(name) }
            #expect(names == ["chiso"])
        }
    }

    /// An upstream system writing `INSERT INTO chiso.units …` from a session whose search_path
    /// lacks chiso's schema: its rows are checked like anyone's (the trigger finds its tables).
    @Test func aWriterWithoutTheSchemaOnItsSearchPathIsCheckedToo() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            try await TestDatabase.execute(Self.base, client: client, schema: schema)
            let table = "\"\(schema.rawValue)\".units"
            try await client.withConnection { connection in
                _ = try await connection.query("SET search_path TO public", logger: TestDatabase.logger)
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: "INSERT INTO \(table) (id, parent_id, name, kind) VALUES ('c/x', 'c', 'X', 'other')"),
                    logger: TestDatabase.logger)
                await #expect {
                    _ = try await connection.query(
                        PostgresQuery(unsafeSQL: "UPDATE \(table) SET parent_id = 'c/x' WHERE id = 'c'"), logger: TestDatabase.logger)
                } throws: { error in
                    (error as? PSQLError)?.serverInfo?[.sqlState] == "23514"
                        && (error as? PSQLError)?.serverInfo?[.message] == "unit c cannot have parent c/x: that would make a cycle"
                }
                _ = try await connection.query("RESET search_path", logger: TestDatabase.logger)
            }
            #expect(try await TestDatabase.count("units", client: client, schema: schema) == 4)
        }
    }

    @Test func aDuplicateManualRowIsRefusedButANewRecordingIsKept() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            try await TestDatabase.execute(Self.base, client: client, schema: schema)
            let insert =
                "INSERT INTO manual_values (indicator, unit_id, period_end, numerator, denominator, recorded_at) VALUES ('training_completed', 'c', '2026-03-31', 1, 4, '2026-04-01 08:00+07')"
            try await TestDatabase.run(PostgresQuery(unsafeSQL: insert), client: client, schema: schema)
            await #expect(throws: PSQLError.self) {
                try await TestDatabase.run(PostgresQuery(unsafeSQL: insert), client: client, schema: schema)
            }
            try await TestDatabase.run(
                PostgresQuery(unsafeSQL: insert.replacingOccurrences(of: "08:00", with: "09:00")), client: client, schema: schema)
            #expect(try await TestDatabase.count("manual_values", client: client, schema: schema) == 2)
        }
    }
}

@Suite struct MigrationTests {
    @Test func migratingTwiceChangesNothing() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            let again = try await Migrator(client: client, schema: schema, logger: TestDatabase.logger).migrate()
            #expect(again.isEmpty)
            #expect(try await TestDatabase.count("chiso_schema_migrations", client: client, schema: schema) == Migration.all.count)
        }
    }

    @Test func anEditedMigrationIsRefused() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            var migrator = Migrator(client: client, schema: schema, logger: TestDatabase.logger)
            migrator.migrations[0] = Migration(version: 1, name: "input_contract", sql: Migration.all[0].sql + "\n-- edited")
            await #expect {
                try await migrator.migrate()
            } throws: { error in
                "\(error)" == "migration V1 input_contract was changed after it was applied; restore it and add a new migration instead"
            }
        }
    }

    /// A rollback to an older binary: the schema a newer chiso migrated is refused, by name.
    @Test func aSchemaNewerThanThisChisoIsRefused() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            var newer = Migrator(client: client, schema: schema, logger: TestDatabase.logger)
            newer.migrations.append(Migration(version: 99, name: "from_the_future", sql: "CREATE TABLE from_the_future (x int);"))
            let applied = try await newer.migrate()
            #expect(applied == [99])
            await #expect {
                try await Migrator(client: client, schema: schema, logger: TestDatabase.logger).migrate()
            } throws: { error in
                "\(error)" == "schema \(schema.rawValue) is at migration V99, newer than this chiso knows (up to V\(Migration.all.count)): "
                    + "run the chiso that migrated it, or restore the backup taken before the upgrade (docs/operations.md, \"Upgrade and rollback\")"
            }
            // `chiso serve` and every command that reads: each refresh fails with the same reason.
            let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
            await #expect {
                _ = try await PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
                    .loadInputs(asOf: Date(), calendar: calendar)
            } throws: { error in
                "\(error)".hasPrefix("schema \(schema.rawValue) is at migration V99, newer than this chiso knows")
            }
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await TestDatabase.withSchema { client, schema, _ in
            var migrator = Migrator(client: client, schema: schema, logger: TestDatabase.logger)
            migrator.migrations.append(Migration(version: 99, name: "broken", sql: "CREATE TABLE half_done (x int);\nSELECT * FROM no_such_table;"))
            await #expect {
                try await migrator.migrate()
            } throws: { error in
                "\(error)".hasPrefix("migration V99 broken failed at statement 2: relation \"no_such_table\" does not exist")
            }
            let rows = try await client.query("SELECT count(*) FROM pg_tables WHERE schemaname = \(schema.rawValue) AND tablename = 'half_done'")
            for try await count in rows.decode(Int.self) { #expect(count == 0) }
        }
    }

    @Test func splitsScriptsRespectingQuotesCommentsAndDollarBodies() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'a;b');
            /* block; comment */ CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;
            SELECT $tag$ ; $tag$, "odd;name";
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("DEFAULT 'a;b')"))
        #expect(statements[1].contains("BEGIN RETURN 1; END;"))
        #expect(statements[2] == "SELECT $tag$ ; $tag$, \"odd;name\"")
    }
}

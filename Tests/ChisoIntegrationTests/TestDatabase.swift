import ChisoApp
import ChisoCore
import ChisoStorage
import Foundation
import Logging
import PostgresNIO
import Testing

/// The real PostgreSQL that `scripts/test` starts (found through the `PG*` variables it exports).
/// Each test gets a schema of its own, migrated, and dropped afterwards, so tests run in parallel.
enum TestDatabase {
    static let logger: Logger = {
        var logger = Logger(label: "chiso-test") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error
        return logger
    }()

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The database settings; a test run without `scripts/test` fails here with instructions.
    static func settings(schema: String = "chiso", extra: [String: String] = [:]) async throws -> Settings {
        // No status pages on disk (the default, ./site, is the repository) and no alerts through
        // /usr/sbin/sendmail, unless a test asks for them.
        let env = environment.merging(["CHISO_OUTPUT_DIR": "", "CHISO_ALERT_ENABLED": "false"]) { _, new in new }.merging(extra) { _, new in new }
        guard env["PGPORT"] != nil || env["CHISO_DATABASE_URL"] != nil else {
            Issue.record("no test database: run the suite with scripts/test, which starts a private PostgreSQL and exports PGHOST/PGPORT/PGUSER")
            throw TestDatabaseError.notConfigured
        }
        return try await SettingsLoader.load(arguments: ["--schema", schema], environment: env)
    }

    enum TestDatabaseError: Error { case notConfigured }

    /// A bare PostgresNIO client on the endpoint libpq settles for these settings.
    static func client(_ settings: Settings) async throws -> PostgresClient {
        PostgresClient(configuration: try await DatabasePool.poolConfiguration(for: settings.database), backgroundLogger: logger)
    }

    static func uniqueSchema() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// Runs `body` with a live client and a freshly migrated schema of its own.
    static func withSchema<T: Sendable>(
        fixture: String? = nil,
        _ body: @escaping @Sendable (PostgresClient, SchemaName, Settings) async throws -> T
    ) async throws -> T {
        let settings = try await self.settings(schema: uniqueSchema())
        let client = try await client(settings)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            let schema = settings.schema
            try await Migrator(client: client, schema: schema, logger: logger).migrate()
            do {
                if let fixture { try await load(fixture: fixture, client: client, schema: schema) }
                let result = try await body(client, schema, settings)
                try await drop(schema, client: client)
                return result
            } catch {
                try? await drop(schema, client: client)
                throw error
            }
        }
    }

    static func drop(_ schema: SchemaName, client: PostgresClient) async throws {
        try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \"\(schema.rawValue)\" CASCADE"), logger: logger)
    }

    static func fixtureText(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "sql", subdirectory: "Fixtures"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Runs a SQL file in one transaction with the schema on the search path.
    static func load(fixture name: String, client: PostgresClient, schema: SchemaName) async throws {
        try await execute(try fixtureText(name), client: client, schema: schema)
    }

    static func execute(_ script: String, client: PostgresClient, schema: SchemaName) async throws {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            try await connection.query("SELECT set_config('search_path', \(schema.rawValue), true)", logger: logger)
            for statement in SQLScript.statements(script) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        }
    }

    /// Runs one statement with the schema on the search path, in its own transaction.
    static func run(_ query: PostgresQuery, client: PostgresClient, schema: SchemaName) async throws {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT set_config('search_path', \(schema.rawValue), true)", logger: logger)
                try await connection.query(query, logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    static func count(_ table: String, client: PostgresClient, schema: SchemaName) async throws -> Int {
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \"\(schema.rawValue)\".\(table)"), logger: logger)
        for try await (count) in rows.decode(Int.self) { return count }
        return -1
    }
}

/// T of the fixture: 2026-06-15T10:00:00+07:00.
let fixtureAsOf = Date(timeIntervalSince1970: 1_781_492_400)

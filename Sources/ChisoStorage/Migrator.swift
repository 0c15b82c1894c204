import Foundation
import Logging
import PostgresNIO

/// One numbered file of `sql/`, compiled into the binary so `chiso migrate` works from any install.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a of the text: detects a migration edited after it was applied (not a security measure).
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// `sql/V001__input_contract.sql`, … in order. Add a file there, list it in Package.swift's
    /// `embedInCode` resources and here.
    public static let all: [Migration] = [
        Migration(version: 1, name: "input_contract", sql: String(decoding: PackageResources.V001__input_contract_sql, as: UTF8.self)),
        Migration(version: 2, name: "snapshot_history", sql: String(decoding: PackageResources.V002__snapshot_history_sql, as: UTF8.self)),
        Migration(version: 3, name: "trend_index", sql: String(decoding: PackageResources.V003__trend_index_sql, as: UTF8.self)),
        Migration(version: 4, name: "alert_outbox", sql: String(decoding: PackageResources.V004__alert_outbox_sql, as: UTF8.self)),
        Migration(
            version: 5, name: "contract_for_every_writer",
            sql: String(decoding: PackageResources.V005__contract_for_every_writer_sql, as: UTF8.self)),
        Migration(version: 6, name: "leader_lease", sql: String(decoding: PackageResources.V006__leader_lease_sql, as: UTF8.self)),
        Migration(version: 7, name: "change_capture", sql: String(decoding: PackageResources.V007__change_capture_sql, as: UTF8.self)),
        Migration(version: 8, name: "late_official", sql: String(decoding: PackageResources.V008__late_official_sql, as: UTF8.self)),
        Migration(version: 9, name: "paid_online", sql: String(decoding: PackageResources.V009__paid_online_sql, as: UTF8.self)),
        Migration(
            version: 10, name: "definer_search_path", sql: String(decoding: PackageResources.V010__definer_search_path_sql, as: UTF8.self)),
        Migration(version: 11, name: "dossier_key_moves", sql: String(decoding: PackageResources.V011__dossier_key_moves_sql, as: UTF8.self)),
    ]
}

/// Creates or upgrades the schema: all pending migrations in one transaction, under an advisory
/// lock so that two replicas starting together do not race. Running it again changes nothing.
public struct Migrator: Sendable {
    public let client: any ConnectionSource
    public let schema: SchemaName
    public let logger: Logger
    public var migrations: [Migration] = Migration.all

    public init(client: any ConnectionSource, schema: SchemaName, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Applies what is pending; returns the versions applied now (empty when up to date).
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await client.withChisoTransaction(schema: schema, statementTimeout: nil, logger: logger) { connection in
            try await self.applyPending(on: connection)
        }
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [Int] {
        let lockKey = "chiso.migrate." + schema.rawValue
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)
        // The schema name is a checked identifier (SchemaName); DDL cannot take it as a parameter.
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema.rawValue)\""), logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS chiso_schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var done: [Int: String] = [:]
        for try await (version, checksum) in try await connection.query(
            "SELECT version, checksum FROM chiso_schema_migrations", logger: logger
        ).decode((Int, String).self) {
            done[version] = checksum
        }
        // An older binary after a newer one migrated: refuse before touching anything.
        let known = migrations.map(\.version).max() ?? 0
        if let found = done.keys.max(), found > known {
            throw StorageError.schemaNewer(schema: schema.rawValue, found: found, known: known)
        }
        var appliedNow: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            if let checksum = done[migration.version] {
                guard checksum == migration.checksum else {
                    throw StorageError.migrationChanged(version: migration.version, name: migration.name)
                }
                continue
            }
            for (number, statement) in SQLScript.statements(migration.sql).enumerated() {
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                } catch let error as PSQLError {
                    throw StorageError.migrationFailed(
                        version: migration.version, name: migration.name, statement: number + 1,
                        reason: DatabaseFailure.serverMessage(error))
                }
            }
            try await connection.query(
                """
                INSERT INTO chiso_schema_migrations (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                """, logger: logger)
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)", "schema": "\(schema)"])
            appliedNow.append(migration.version)
        }
        return appliedNow
    }
}

import ChisoCore
import ChisoImport
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Loads a checked file into its input table: COPY into a temporary staging table, then one
/// INSERT … SELECT (with ON CONFLICT … DO UPDATE for upserts), all in one transaction — a file
/// loads whole or not at all, and nothing already stored changes when it fails. When the
/// database refuses the rows (a unit that does not exist, a duplicate key in insert mode), the
/// first offending line is found by bisection under savepoints and named in the error.
public struct PostgresImporter: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Insert new rows, update existing ones (by primary key).
        case upsert
        /// Insert only; an existing key is an error.
        case insert
    }

    public struct Outcome: Sendable, Equatable {
        public var rows: Int
        public var inserted: Int
        public var updated: Int

        public init(rows: Int, inserted: Int, updated: Int) {
            self.rows = rows
            self.inserted = inserted
            self.updated = updated
        }
    }

    public let client: any ConnectionSource
    public let schema: SchemaName
    public let logger: Logger

    public init(client: any ConnectionSource, schema: SchemaName, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// - Parameters:
    ///   - updateColumns: what an upsert may change on an existing row (default: every column of the file but the key).
    ///   - progress: called with the number of rows sent so far (for a progress line).
    public func load(
        _ prepared: PreparedImport, fileName: String, mode: Mode, updateColumns: [String]? = nil, dryRun: Bool,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Outcome {
        try await load(PreparedRows(prepared), fileName: fileName, mode: mode, updateColumns: updateColumns, dryRun: dryRun, progress: progress)
    }

    /// Like `load(_:…)`, with rows checked a chunk at a time as they are sent: PostgreSQL ingests a
    /// chunk while the next is read and checked, and a large file is never held whole. Rows that
    /// throw (the file has errors) abort the COPY and the transaction.
    public func load(
        _ rows: any ImportRows, fileName: String, mode: Mode, updateColumns: [String]? = nil, dryRun: Bool,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Outcome {
        let table = rows.table
        // Identifiers come from the contract's fixed list, never from the file: checked again here.
        let known = Set(table.columns.map(\.name))
        precondition(InputTable.named(table.name) != nil && rows.columns.allSatisfy(known.contains))
        let fileColumns = rows.columns
        let columns = fileColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        let key = table.primaryKey.map { "\"\($0)\"" }.joined(separator: ", ")
        let updatable = (updateColumns ?? fileColumns).filter { fileColumns.contains($0) && !table.primaryKey.contains($0) }
        var assignments = updatable.map { "\"\($0)\" = EXCLUDED.\"\($0)\"" }
        if table.column("updated_at") != nil, !fileColumns.contains("updated_at"), !assignments.isEmpty {
            assignments.append("\"updated_at\" = now()")
        }
        let conflict: String =
            switch mode {
            case .insert: ""
            case .upsert:
                assignments.isEmpty
                    ? " ON CONFLICT (\(key)) DO NOTHING" : " ON CONFLICT (\(key)) DO UPDATE SET \(assignments.joined(separator: ", "))"
            }
        let insert = "INSERT INTO \"\(table.name)\" (\(columns)) SELECT \(columns) FROM chiso_import_stage"

        return try await client.withChisoTransaction(schema: schema, statementTimeout: nil, commit: !dryRun, logger: logger) { connection in
            // Fast path, for files of new rows (a first load, a month's export): COPY straight into
            // the table, as fast as COPY goes. Any refusal (a key already there, a missing unit)
            // rolls that back and takes the staging path, which reads the file again, updates, or
            // names the line.
            try await connection.query("SAVEPOINT chiso_direct", logger: logger)
            var sent = 0
            do {
                try await connection.copyFrom(table: table.name, columns: fileColumns, logger: logger) { writer in
                    while let chunk = try rows.nextChunk() {
                        try await Self.send(chunk, withLines: false, to: writer)
                        sent += chunk.copyLines.count
                        progress?(sent)
                    }
                }
                return Outcome(rows: sent, inserted: sent, updated: 0)
            } catch is PSQLError {
                try await connection.query("ROLLBACK TO SAVEPOINT chiso_direct", logger: logger)
                logger.debug("import: direct COPY refused; loading through the staging table")
            }
            rows.rewind()
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TEMP TABLE chiso_import_stage ON COMMIT DROP AS SELECT \(columns) FROM "\(table.name)" WITH NO DATA
                        """), logger: logger)
            try await connection.query("ALTER TABLE chiso_import_stage ADD COLUMN chiso_line integer", logger: logger)
            var lines: [Int] = []
            try await connection.copyFrom(table: "chiso_import_stage", columns: fileColumns + ["chiso_line"], logger: logger) { writer in
                while let chunk = try rows.nextChunk() {
                    try await Self.send(chunk, withLines: true, to: writer)
                    lines += chunk.fileLines
                }
            }
            try await connection.query("SAVEPOINT chiso_import", logger: logger)
            do {
                // Rows whose key is already stored become updates (upsert) or an error (insert).
                var existing = 0
                if mode == .upsert {
                    let join = table.primaryKey.map { "t.\"\($0)\" = s.\"\($0)\"" }.joined(separator: " AND ")
                    let counted = try await connection.query(
                        PostgresQuery(
                            unsafeSQL: """
                                SELECT count(*)::int FROM chiso_import_stage s WHERE EXISTS (SELECT 1 FROM "\(table.name)" t WHERE \(join))
                                """), logger: logger)
                    for try await count in counted.decode(Int.self) { existing = count }
                }
                try await connection.query(PostgresQuery(unsafeSQL: "\(insert)\(conflict)"), logger: logger)
                return Outcome(rows: lines.count, inserted: lines.count - existing, updated: existing)
            } catch let error as PSQLError {
                try await connection.query("ROLLBACK TO SAVEPOINT chiso_import", logger: logger)
                let line = try await firstFailingLine(connection, insert: insert, conflict: conflict, lines: lines)
                throw ImportErrors(messages: ["\(fileName)\(line.map { ":\($0)" } ?? ""): \(DatabaseFailure.messageAndDetail(error))"])
            }
        }
    }

    /// Sends a chunk (with each row's file line, for the staging table), 1 MiB at a time.
    static func send(_ chunk: ImportChunk, withLines: Bool, to writer: PostgresCopyFromWriter) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1 << 20)
        for (position, line) in chunk.copyLines.enumerated() {
            buffer.writeString(line)
            if withLines { buffer.writeString("\t\(chunk.fileLines[position])\n") } else { buffer.writeInteger(UInt8(ascii: "\n")) }
            if buffer.readableBytes >= 1 << 20 {
                try await writer.write(buffer)
                buffer.clear()
            }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
    }

    /// Whether any input table holds rows (the demo refuses to replace real data without --replace).
    public func inputRowCount() async throws -> Int {
        try await client.withChisoTransaction(schema: schema, statementTimeout: .seconds(60), readOnlySnapshot: true, logger: logger) { connection in
            let rows = try await connection.query("SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM dossiers)", logger: logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    /// Empties every input table, the snapshot history and the alert outbox (for the demo).
    public func replaceAll() async throws {
        _ = try await client.withChisoTransaction(schema: schema, statementTimeout: .seconds(300), logger: logger) { connection in
            try await connection.query(
                """
                TRUNCATE manual_values, tasks, report_forms, feedback, documents, payments, dossiers, procedures, units,
                         chiso_snapshot_values, chiso_snapshots, chiso_alert_outbox
                """, logger: logger)
        }
    }

    /// The smallest file line L such that inserting the rows up to L fails: bisection, each probe
    /// under a savepoint that is rolled back.
    func firstFailingLine(_ connection: PostgresConnection, insert: String, conflict: String, lines: [Int]) async throws -> Int? {
        let sorted = lines.sorted()
        guard !sorted.isEmpty else { return nil }
        func fails(upTo last: Int) async throws -> Bool {
            try await connection.query("SAVEPOINT chiso_probe", logger: logger)
            do {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "\(insert) WHERE chiso_line <= \(last) ORDER BY chiso_line\(conflict)"), logger: logger)
                try await connection.query("ROLLBACK TO SAVEPOINT chiso_probe", logger: logger)
                return false
            } catch is PSQLError {
                try await connection.query("ROLLBACK TO SAVEPOINT chiso_probe", logger: logger)
                return true
            }
        }
        var low = 0, high = sorted.count - 1
        guard try await fails(upTo: sorted[high]) else { return nil }
        while low < high {
            let middle = (low + high) / 2
            if try await fails(upTo: sorted[middle]) { high = middle } else { low = middle + 1 }
        }
        return sorted[low]
    }
}

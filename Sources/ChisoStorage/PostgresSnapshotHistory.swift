import ChisoCore
import Foundation
import Logging
import PostgresNIO

/// Keeps successful snapshots in `chiso_snapshots`/`chiso_snapshot_values`, one per local day
/// (a later refresh of the same day replaces the day's row set), for trend lines.
public struct PostgresSnapshotHistory: SnapshotHistory {
    public let client: any ConnectionSource
    public let schema: SchemaName
    public let statementTimeout: Duration
    public let logger: Logger
    /// With replicas: the lease this instance's writes must hold (nil from the provider: not the
    /// leader, nothing is written). No provider: a single instance, no check.
    public let fence: (@Sendable () -> LeaseFence?)?
    /// Values written by one INSERT (8 192: ~0.7 MB bound at most).
    public let valuesPerStatement: Int

    public init(
        client: any ConnectionSource, schema: SchemaName, statementTimeout: Duration = .seconds(60), logger: Logger,
        fence: (@Sendable () -> LeaseFence?)? = nil, valuesPerStatement: Int = 8192
    ) {
        precondition(valuesPerStatement > 0)
        self.fence = fence
        self.valuesPerStatement = valuesPerStatement
        self.client = client
        self.schema = schema
        self.statementTimeout = statementTimeout
        self.logger = logger
    }

    public func append(_ snapshot: Snapshot) async throws {
        let day = PlanCalendar(timeZone: snapshot.timeZone).localDate(of: snapshot.asOf).description
        let results = snapshot.results
        let fence = try currentFence()
        try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, logger: logger) { connection in
            if let fence { try await PostgresLeaderLease.assertHeld(fence, on: connection, logger: logger) }
            try await connection.query("DELETE FROM chiso_snapshots WHERE local_day = \(day)::date", logger: logger)
            try await connection.query(
                """
                INSERT INTO chiso_snapshots (local_day, as_of, refreshed_at)
                VALUES (\(day)::date, \(snapshot.asOf), \(snapshot.refreshedAt))
                """, logger: logger)
            // In chunks: a connection keeps the capacity its largest message needed, and one
            // INSERT of a province's ~10^5 values binds ~8 MB that would stay allocated.
            for start in stride(from: results.startIndex, to: results.endIndex, by: valuesPerStatement) {
                let chunk = results[start..<min(start + valuesPerStatement, results.endIndex)]
                let indicators = chunk.map(\.indicator)
                let units = chunk.map(\.unitID)
                let periods = chunk.map(\.period.rawValue)
                // PostgresNIO has no numeric[] encoder: decimals travel as text and are cast in SQL.
                let numerators = chunk.map { "\($0.tally.numerator)" }
                let denominators = chunk.map { "\($0.tally.denominator)" }
                try await connection.query(
                    """
                    INSERT INTO chiso_snapshot_values (local_day, indicator, unit_id, period, numerator, denominator)
                    SELECT \(day)::date, * FROM unnest(\(indicators)::text[], \(units)::text[], \(periods)::text[],
                                                       \(numerators)::text[]::numeric[], \(denominators)::text[]::numeric[])
                    """, logger: logger)
            }
        }
    }

    public func trend(year: Int, units: [String], before: LocalDate) async throws -> TrendHistory {
        let first = LocalDate(year: year, month: 1, day: 1).description
        let end = before.description
        return try await client.withChisoTransaction(schema: schema, statementTimeout: statementTimeout, readOnlySnapshot: true, logger: logger) {
            connection in
            let rows = try await connection.query(
                """
                SELECT indicator, unit_id, local_day::text, numerator::text, denominator::text
                FROM chiso_snapshot_values
                WHERE period = 'year' AND unit_id = ANY(\(units)::text[])
                  AND local_day >= \(first)::date AND local_day < \(end)::date
                ORDER BY indicator, unit_id, local_day
                """, logger: logger)
            var history = TrendHistory()
            for try await (indicator, unit, dayText, numeratorText, denominatorText) in rows.decode((String, String, String, String, String).self) {
                guard let day = LocalDate(iso: dayText), let numerator = Decimal(string: numeratorText),
                    let denominator = Decimal(string: denominatorText)
                else { throw StorageError.unexpectedValue(table: "chiso_snapshot_values", column: "local_day", value: dayText) }
                history.append(indicator: indicator, unit: unit, point: HistoryPoint(day: day, numerator: numerator, denominator: denominator))
            }
            return history
        }
    }
}

extension PostgresSnapshotHistory {
    /// The fence to check, nil when no lease is in use; `StorageError.notLeader` when this
    /// instance does not hold the lease.
    func currentFence() throws(StorageError) -> LeaseFence? {
        guard let fence else { return nil }
        guard let held = fence() else { throw .notLeader(term: nil) }
        return held
    }
}

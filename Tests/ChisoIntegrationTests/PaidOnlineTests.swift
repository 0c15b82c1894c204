import ChisoStorage
import Foundation
import PostgresNIO
import Testing

/// `dossiers.chiso_paid_online_at` (sql/V009, QĐ 766's 3.6), kept by chiso's trigger on payments:
/// after every kind of payment change it equals the first online payment computed straight from
/// the payments, concurrent writers included, and each change reaches the dossier change log as
/// the dossier's old and new images (what the incremental refresh applies).
@Suite struct PaidOnlineTests {
    /// Dossiers whose column differs from min(paid_at) of their online payments, as "code: kept ≠ computed".
    static func drift(_ client: PostgresClient, _ schema: SchemaName) async throws -> [String] {
        let rows = try await client.query(
            """
            SELECT d.code, coalesce(d.chiso_paid_online_at::text, 'null'), coalesce(x.first_paid::text, 'null')
            FROM \(unescaped: schema.rawValue).dossiers d
            LEFT JOIN (SELECT dossier_code, min(paid_at) AS first_paid FROM \(unescaped: schema.rawValue).payments
                       WHERE method IN ('national_portal', 'provincial_gateway') GROUP BY dossier_code) x ON x.dossier_code = d.code
            WHERE d.chiso_paid_online_at IS DISTINCT FROM x.first_paid
            """, logger: TestDatabase.logger)
        var out: [String] = []
        for try await (code, kept, computed) in rows.decode((String, String, String).self) { out.append("\(code): \(kept) ≠ \(computed)") }
        return out
    }

    static func paidOnline(_ client: PostgresClient, _ schema: SchemaName, _ code: String) async throws -> Date? {
        let rows = try await client.query(
            "SELECT chiso_paid_online_at FROM \(unescaped: schema.rawValue).dossiers WHERE code = \(code)", logger: TestDatabase.logger)
        for try await value in rows.decode(Date?.self) { return value }
        return nil
    }

    /// The dossier's images left in the change log after the signs cancel: one, its current row.
    static func netImages(_ client: PostgresClient, _ schema: SchemaName, _ code: String) async throws -> [String] {
        let rows = try await client.query(
            """
            SELECT coalesce(to_char(paid_online_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 'null'), sum(sign)::int FROM \(unescaped: schema.rawValue).chiso_dossier_changes
            WHERE code = \(code) GROUP BY 1 HAVING sum(sign) <> 0 ORDER BY 1
            """, logger: TestDatabase.logger)
        var out: [String] = []
        for try await (paid, sign) in rows.decode((String, Int).self) { out.append("\(paid) \(sign)") }
        return out
    }

    @Test func theColumnFollowsEveryKindOfPaymentChange() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            // The fixture's payments (loaded after the migration): D01 and D12 paid online, D05 too (PAY4).
            #expect(try await Self.drift(client, schema) == [])
            #expect(try await Self.paidOnline(client, schema, "D12") == ISO8601DateFormatter().date(from: "2026-06-03T03:00:00Z"))
            let steps: [(String, [PostgresQuery])] = [
                (
                    "cash is not online",
                    ["INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('X1', 'D11', '2026-06-01 08:00+07', 1000, 'cash')"]
                ),
                (
                    "an online payment",
                    [
                        "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('X2', 'D11', '2026-06-05 08:00+07', 1000, 'provincial_gateway')"
                    ]
                ),
                (
                    "an earlier one wins",
                    [
                        "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('X3', 'D11', '2026-06-02 08:00+07', 1000, 'national_portal')"
                    ]
                ),
                ("the earlier one turns cash", ["UPDATE payments SET method = 'cash' WHERE id = 'X3'"]),
                ("cash turns online", ["UPDATE payments SET method = 'national_portal' WHERE id = 'X1'"]),
                ("a payment moved to another dossier", ["UPDATE payments SET dossier_code = 'D13' WHERE id = 'X1'"]),
                ("a payment's time moved", ["UPDATE payments SET paid_at = '2026-06-20 08:00+07' WHERE id = 'X2'"]),
                ("deleted", ["DELETE FROM payments WHERE id IN ('X2', 'PAY2')"]),
                (
                    "many dossiers in one statement",
                    [
                        """
                        INSERT INTO payments (id, dossier_code, paid_at, amount, method)
                        SELECT 'M' || code, code, received_at + interval '1 hour', 1000, 'national_portal' FROM dossiers
                        """
                    ]
                ),
                ("and the rest deleted", ["DELETE FROM payments WHERE id LIKE 'M%' OR method = 'national_portal'"]),
                // TRUNCATE fires no DELETE trigger; its own trigger clears the column.
                (
                    "paid again",
                    [
                        "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('X4', 'D12', '2026-06-04 08:00+07', 1000, 'national_portal')"
                    ]
                ),
                ("truncated", ["TRUNCATE payments"]),
            ]
            for (step, statements) in steps {
                try await IncrementalRefreshTests.run(statements, client: client, schema: schema)
                #expect(try await Self.drift(client, schema) == [], "\(step)")
            }
            // The log nets out to each dossier's current row.
            #expect(try await Self.netImages(client, schema, "D11") == ["null 1"])
            #expect(try await Self.netImages(client, schema, "D12") == ["null 1"])
            #expect(try await Self.netImages(client, schema, "D13") == ["null 1"])
        }
    }

    /// Two writers change the same dossier's payments at once: `first` runs, `second` starts and
    /// must wait for `first`'s lock on the dossier, then both commit. Returns the column after.
    static func race(_ first: PostgresQuery, _ second: PostgresQuery, client: PostgresClient, schema: SchemaName) async throws {
        let logger = TestDatabase.logger
        try await client.withConnection { one in
            try await client.withConnection { two in
                for connection in [one, two] {
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query("SELECT set_config('search_path', \(schema.rawValue), true)", logger: logger)
                }
                try await one.query(first, logger: logger)
                async let late: PostgresRowSequence = two.query(second, logger: logger)
                // The second waits on a row lock (seen in pg_locks as not granted) until the first commits.
                var waiting = false
                for _ in 0..<100 where !waiting {
                    let rows = try await client.query("SELECT count(*) FROM pg_locks WHERE NOT granted", logger: logger)
                    for try await count in rows.decode(Int.self) { waiting = count > 0 }
                    if !waiting { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(waiting, "the second writer waits for the first")
                try await one.query("COMMIT", logger: logger)
                _ = try await late
                try await two.query("COMMIT", logger: logger)
            }
        }
    }

    /// The one that commits second must see the first's payment: its update runs after it took the
    /// dossier's lock, in a new snapshot. Without that it would keep its own, later, payment.
    @Test func concurrentWritersLeaveTheFirstOnlinePayment() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            try await Self.race(
                "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('EARLY', 'D11', '2026-06-02 08:00+07', 1000, 'national_portal')",
                "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('LATE', 'D11', '2026-06-09 08:00+07', 1000, 'provincial_gateway')",
                client: client, schema: schema)
            #expect(try await Self.paidOnline(client, schema, "D11") == ISO8601DateFormatter().date(from: "2026-06-02T01:00:00Z"))
            #expect(try await Self.drift(client, schema) == [])
            #expect(try await Self.netImages(client, schema, "D11") == ["2026-06-02 01:00 1"])
        }
    }

    /// A payment added (which changes nothing: D12 has an earlier one) while another writer removes
    /// that earlier one: the removal, committing second, must count the added payment. An insert
    /// that took no lock because it changed nothing would let it settle on PAY6 (15/06) instead.
    @Test func aRemovalCountsAPaymentAddedConcurrently() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            try await Self.race(
                "INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES ('ADDED', 'D12', '2026-06-10 08:00+07', 1000, 'national_portal')",
                "DELETE FROM payments WHERE id = 'PAY2'", client: client, schema: schema)
            #expect(try await Self.paidOnline(client, schema, "D12") == ISO8601DateFormatter().date(from: "2026-06-10T01:00:00Z"))
            #expect(try await Self.drift(client, schema) == [])
            #expect(try await Self.netImages(client, schema, "D12") == ["2026-06-10 01:00 1"])
        }
    }
}

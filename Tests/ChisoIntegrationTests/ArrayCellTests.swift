import ChisoCore
import Foundation
import PostgresNIO
import Testing

@testable import ChisoStorage

/// `ArrayCell` reads the arrays the dossier statements pack their numbers and instants into
/// (PostgreSQL's binary array format, parsed by chiso): each element must be what PostgresNIO
/// gives for the same value in a cell of its own, NULLs included, and a shape the statements do
/// not send is refused, naming the column.
@Suite struct ArrayCellTests {
    /// Runs one statement and hands its first row's cells to `body`.
    private func firstRow(_ query: PostgresQuery, _ body: @escaping @Sendable (inout RowCells) throws -> Void) async throws {
        try await TestDatabase.withSchema { client, _, _ in
            var seen = false
            for try await row in try await client.query(query, logger: TestDatabase.logger) where !seen {
                seen = true
                var cells = RowCells(row, table: "t")
                try body(&cells)
            }
            #expect(seen)
        }
    }

    @Test func integersAreTheOnesCellsGive() async throws {
        let values: [Int64] = [0, 1, -1, 42, -9_007_199_254_740_993, Int64.max, Int64.min]
        try await firstRow("SELECT \(values)::int8[], \(values[3]), \(values[4]), \(values[5]), \(values[6])") { cells in
            var packed = try cells.nextArray(column: "sums")
            #expect(packed.count == values.count)
            let read = try values.indices.map { _ in try packed.nextInt() }
            #expect(read == values.map(Int.init))
            let separately = try (3..<7).map { _ in try cells.next(Int.self) }
            #expect(Array(read[3..<7]) == separately)
        }
    }

    @Test func instantsAndNullsAreTheOnesCellsGive() async throws {
        // Microseconds, before 2000 (negative offsets), a leap day, and NULLs between them.
        let sql: PostgresQuery = """
            SELECT ARRAY['2026-11-28 10:00:00.123456+07', NULL, '1999-12-31 23:59:59.999999+00', '2024-02-29 00:00:00+07', NULL]::timestamptz[],
                   '2026-11-28 10:00:00.123456+07'::timestamptz, '1999-12-31 23:59:59.999999+00'::timestamptz, '2024-02-29 00:00:00+07'::timestamptz
            """
        try await firstRow(sql) { cells in
            var instants = try cells.nextArray(column: "(instants)")
            #expect(instants.count == 5)
            let read = try (0..<5).map { _ in try instants.nextDate() }
            let separately = try (0..<3).map { _ in try cells.next(Date.self) }
            #expect(read == [separately[0], nil, separately[1], separately[2], nil])
            #expect(read[0].map { abs($0.timeIntervalSince1970 - 1_795_834_800.123456) < 1e-6 } == true)
        }
    }

    /// The pending images' codes, units and procedures: text as PostgresNIO decodes it, in any script.
    @Test func textsAreTheOnesCellsGive() async throws {
        let values = ["HS-000123", "lam-dong/c001/d1", "", "Xã Bắc Bình – Một cửa", "𝔘nicode ✓"]
        try await firstRow("SELECT \(values)::text[], \(values[1]), \(values[3]), \(values[4])") { cells in
            var texts = try cells.nextArray(column: "code")
            #expect(texts.count == values.count)
            #expect(texts.rowLength == nil)
            let read = try values.indices.map { _ in try texts.nextString() }
            #expect(read == values)
            let separately = try (0..<3).map { _ in try cells.next(String.self) }
            #expect(separately == [read[1], read[3], read[4]])
        }
    }

    /// `array_agg` of equal arrays (each pending image's five instants): two dimensions, read row by row.
    @Test func aTwoDimensionalArrayIsReadRowByRow() async throws {
        let sql: PostgresQuery = """
            SELECT array_agg(a ORDER BY n) FROM (VALUES
                (1, ARRAY['2026-01-01 00:00+07', NULL, '2026-01-02 00:00+07']::timestamptz[]),
                (2, ARRAY['2026-02-01 00:00+07', '2026-02-02 00:00+07', NULL]::timestamptz[])) AS v (n, a)
            """
        try await firstRow(sql) { cells in
            var instants = try cells.nextArray(column: "(instants)")
            #expect(instants.count == 6)
            #expect(instants.rowLength == 3)
            let read = try (0..<6).map { _ in try instants.nextDate() }
            let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
            let expected = ["2026-01-01T00:00", nil, "2026-01-02T00:00", "2026-02-01T00:00", "2026-02-02T00:00", nil].map { $0.flatMap(calendar.parseInstant) }
            #expect(read == expected)
        }
    }

    @Test func anEmptyArrayHasNoElements() async throws {
        try await firstRow("SELECT '{}'::int8[]") { cells in
            let packed = try cells.nextArray(column: "sums")
            #expect(packed.count == 0)
        }
    }

    @Test func anotherShapeIsRefusedNamingTheColumn() async throws {
        try await firstRow(
            "SELECT ARRAY[1, 2]::int4[], NULL::int8[], ARRAY[[[1, 2], [3, 4]]]::int8[], ARRAY[1, NULL]::int8[], ARRAY[now()], ARRAY['a', NULL]::text[]"
        ) { cells in
            var int4s = try cells.nextArray(column: "sums")
            #expect(refusal { try int4s.nextInt() } == "t.sums: unexpected value 'an array of INTEGER'")
            #expect(refusal { try int4s.nextDate() } == "t.sums: unexpected value 'an array of INTEGER'")
            #expect(refusal { try int4s.nextString() } == "t.sums: unexpected value 'an array of INTEGER'")
            #expect(refusal { try cells.nextArray(column: "sums") } == "t.sums: unexpected value 'NULL'")
            #expect(refusal { try cells.nextArray(column: "sums") } == "t.sums: unexpected value 'an array of 3 dimensions'")
            var withNull = try cells.nextArray(column: "sums")
            #expect(try withNull.nextInt() == 1)
            #expect(refusal { try withNull.nextInt() } == "t.sums: unexpected value 'a NULL element'")
            var instants = try cells.nextArray(column: "(instants)")
            #expect(try instants.nextDate() != nil)
            #expect(refusal { try instants.nextDate() } == "t.(instants): unexpected value 'an array shorter than its length'")
            var codes = try cells.nextArray(column: "code")
            #expect(try codes.nextString() == "a")
            #expect(refusal { try codes.nextString() } == "t.code: unexpected value 'a NULL element'")
        }
    }
}

/// What a read refused with (nil: it did not).
private func refusal(_ read: () throws -> Any) -> String? {
    do {
        _ = try read()
        return nil
    } catch {
        return "\(error)"
    }
}

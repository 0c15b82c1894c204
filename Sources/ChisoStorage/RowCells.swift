import Foundation
import PostgresNIO

/// A row's cells read in order, each decoded to a concrete type. PostgresNIO's tuple `decode`
/// goes through parameter packs whose generic metadata is looked up per row (~0.03 s of a
/// province pass that reads 10^4–10^5 rows); a cell's `decode` is inlined and specialised here.
/// For the dossier statements of the incremental refresh (a load's and a batch's), where rows are many.
struct RowCells {
    private var cells: PostgresRow.Iterator
    private let table: String

    init(_ row: PostgresRow, table: String) {
        cells = row.makeIterator()
        self.table = table
    }

    mutating func next<Value: PostgresDecodable>(_: Value.Type = Value.self) throws -> Value {
        try nextCell().decode(Value.self)
    }

    /// The next cell, an array (`int8[]`, `timestamptz[]`), read element by element.
    mutating func nextArray(column: String) throws -> ArrayCell {
        try ArrayCell(nextCell(), table: table, column: column)
    }

    private mutating func nextCell() throws -> PostgresCell {
        guard let cell = cells.next() else { throw StorageError.unexpectedValue(table: table, column: "(past the last)", value: "a missing column") }
        return cell
    }
}

/// An array cell in PostgreSQL's binary format (`array_send`: dimensions, flags, element type,
/// then each element as a length, -1 for NULL, and its bytes), read in order: one dimension, or
/// two (read row by row: `array_agg` of equal arrays, each row one of them).
///
/// Why: the dossier statements return many numbers a row (a settled group's 16, an open
/// dossier's five instants). PostgresNIO makes a `PostgresCell` for every cell (~0.1 µs with its
/// decoding: ~0.045 s of CPU in a province pass of 10^5 changed images, perf); packed into one
/// array they are one cell, and each element is read here from the same buffer.
struct ArrayCell {
    private var buffer: ByteBuffer
    private let elementType: PostgresDataType
    private let table: String, column: String
    /// The number of elements (in all rows of a two-dimensional array).
    let count: Int
    /// A two-dimensional array's row length (its second dimension); nil for one dimension.
    let rowLength: Int?

    init(_ cell: PostgresCell, table: String, column: String) throws {
        self.table = table
        self.column = column
        guard cell.format == .binary, var buffer = cell.bytes else {
            throw StorageError.unexpectedValue(table: table, column: column, value: cell.bytes == nil ? "NULL" : "an array in text format")
        }
        guard let dimensions = buffer.readInteger(as: Int32.self), buffer.readInteger(as: Int32.self) != nil,
            let element = buffer.readInteger(as: UInt32.self)
        else { throw StorageError.unexpectedValue(table: table, column: column, value: "a truncated array") }
        guard dimensions <= 2 else {
            throw StorageError.unexpectedValue(table: table, column: column, value: "an array of \(dimensions) dimensions")
        }
        var count = dimensions == 0 ? 0 : 1, length = 0
        for _ in 0..<dimensions {
            guard let read = buffer.readInteger(as: Int32.self), read >= 0, buffer.readInteger(as: Int32.self) != nil else {
                throw StorageError.unexpectedValue(table: table, column: column, value: "a truncated array")
            }
            length = Int(read)
            count *= length
        }
        self.count = count
        self.rowLength = dimensions == 2 ? length : nil
        self.elementType = PostgresDataType(element)
        self.buffer = buffer
    }

    /// The next element of an `int8[]`, which may not be NULL.
    mutating func nextInt() throws -> Int {
        guard let value = try nextEightBytes(of: .int8) else {
            throw StorageError.unexpectedValue(table: table, column: column, value: "a NULL element")
        }
        return Int(value)
    }

    /// The next element of a `timestamptz[]`, NULL as nil; as PostgresNIO decodes a `timestamptz` cell
    /// (microseconds since 2000-01-01 UTC), so that an instant read either way is the same `Date`.
    mutating func nextDate() throws -> Date? {
        try nextEightBytes(of: .timestamptz).map { Date(timeInterval: Double($0) / Double(1_000_000), since: Self.postgresEpoch) }
    }

    /// The next element of a `text[]`, which may not be NULL.
    mutating func nextString() throws -> String {
        guard elementType == .text else { throw StorageError.unexpectedValue(table: table, column: column, value: "an array of \(elementType)") }
        guard let length = buffer.readInteger(as: Int32.self) else {
            throw StorageError.unexpectedValue(table: table, column: column, value: "an array shorter than its length")
        }
        if length == -1 { throw StorageError.unexpectedValue(table: table, column: column, value: "a NULL element") }
        guard length >= 0, let value = buffer.readString(length: Int(length)) else {
            throw StorageError.unexpectedValue(table: table, column: column, value: "a truncated element")
        }
        return value
    }

    /// The next element (both numeric element types chiso reads are 8 bytes, big-endian), NULL as nil.
    private mutating func nextEightBytes(of type: PostgresDataType) throws -> Int64? {
        guard elementType == type else { throw StorageError.unexpectedValue(table: table, column: column, value: "an array of \(elementType)") }
        guard let length = buffer.readInteger(as: Int32.self) else {
            throw StorageError.unexpectedValue(table: table, column: column, value: "an array shorter than its length")
        }
        if length == -1 { return nil }
        guard length == 8, let value = buffer.readInteger(as: Int64.self) else {
            throw StorageError.unexpectedValue(table: table, column: column, value: "a truncated element")
        }
        return value
    }

    private static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
}

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
        guard let cell = cells.next() else { throw StorageError.unexpectedValue(table: table, column: "(past the last)", value: "a missing column") }
        return try cell.decode(Value.self)
    }
}

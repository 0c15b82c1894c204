import ChisoCore
import Foundation

/// A slice of a checked file: COPY lines and the file line of each.
public struct ImportChunk: Sendable {
    public var copyLines: [String]
    public var fileLines: [Int]

    public init(copyLines: [String], fileLines: [Int]) {
        self.copyLines = copyLines
        self.fileLines = fileLines
    }
}

/// Rows on their way into an input table, checked a chunk at a time, so that a large file is
/// never held whole: while PostgreSQL ingests one chunk, the next is read and checked. Readable
/// twice (`rewind`): the staging path reads the file again. Used by one task at a time.
public protocol ImportRows: AnyObject, Sendable {
    var table: InputTable { get }
    var columns: [String] { get }
    /// The next chunk of good rows, nil at the end. When the file has errors, reads on to list
    /// up to 50 and throws `ImportErrors`: the load is abandoned.
    func nextChunk() throws -> ImportChunk?
    func rewind()
}

/// Rows already checked and in memory (the plan, the demo, tests).
public final class PreparedRows: ImportRows, @unchecked Sendable {
    public let prepared: PreparedImport
    private var done = false

    public init(_ prepared: PreparedImport) { self.prepared = prepared }

    public var table: InputTable { prepared.table }
    public var columns: [String] { prepared.columns }

    public func nextChunk() throws -> ImportChunk? {
        guard !done else { return nil }
        done = true
        return ImportChunk(copyLines: prepared.copyLines, fileLines: prepared.fileLines)
    }

    public func rewind() { done = false }
}

/// A CSV file read, checked and converted chunk by chunk.
public final class CSVRows: ImportRows, @unchecked Sendable {
    public let table: InputTable
    public let columns: [String]
    let fileName: String
    let timeZone: TimeZone
    let now: Date
    let chunkSize: Int
    private var reader: CSVRecordReader
    private var checker: RowChecker

    /// Checks the encoding and the header; throws `ImportErrors` naming every header problem.
    public init(data: Data, fileName: String, table: InputTable, timeZone: TimeZone, now: Date, chunkSize: Int = 20_000) throws(ImportErrors) {
        do {
            reader = try CSVRecordReader(data: data, fileName: fileName)
        } catch {
            throw ImportErrors(messages: [error.description])
        }
        checker = try RowChecker(header: reader.header, table: table, fileName: fileName, timeZone: timeZone, now: now)
        self.table = table
        self.columns = reader.header
        self.fileName = fileName
        self.timeZone = timeZone
        self.now = now
        self.chunkSize = chunkSize
    }

    public func nextChunk() throws -> ImportChunk? {
        while true {
            var records: [CSVFile.Record] = []
            records.reserveCapacity(chunkSize)
            do {
                while records.count < chunkSize, let record = try reader.next() { records.append(record) }
            } catch {
                throw ImportErrors(messages: (checker.failure?.messages ?? []) + [error.description])
            }
            if records.isEmpty {
                if let failure = checker.failure { throw failure }
                return nil
            }
            let (lines, fileLines) = checker.check(records[...])
            if checker.failure == nil { return ImportChunk(copyLines: lines, fileLines: fileLines) }
            if checker.truncated { throw checker.failure! }  // 50 errors listed: enough
            // Errors: read on (sending nothing) to list the others.
        }
    }

    public func rewind() {
        reader.rewind()
        // Header already checked; a fresh checker forgets the keys seen on the first read.
        checker = try! RowChecker(header: reader.header, table: table, fileName: fileName, timeZone: timeZone, now: now)
    }
}

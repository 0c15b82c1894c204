import ChisoCore
import Foundation

/// Reads a CSV file as spreadsheets write it: UTF-8 with or without BOM, comma or semicolon
/// separated (Excel in Vietnamese locales writes semicolons), RFC 4180 quotes (a quoted field
/// may hold the separator, quotes doubled, line breaks), CRLF or LF. Each record keeps the line
/// it starts on, for error messages.
public struct CSVFile: Sendable {
    public struct Record: Sendable {
        public var line: Int
        public var fields: [String]
    }

    public var header: [String]
    public var records: [Record]
    public var separator: UInt8

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// The whole file at once (small files, tests); large ones are read record by record with `CSVRecordReader`.
    public static func parse(_ data: Data, fileName: String) throws(Invalid) -> CSVFile {
        var reader = try CSVRecordReader(data: data, fileName: fileName)
        var records: [Record] = []
        while let record = try reader.next() { records.append(record) }
        return CSVFile(header: reader.header, records: records, separator: reader.separator)
    }

    /// Semicolon when the header line has more semicolons than commas (outside quotes), else comma.
    static func detectSeparator(_ bytes: [UInt8]) -> UInt8 {
        var commas = 0, semicolons = 0, inQuotes = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { inQuotes.toggle() }
            if inQuotes { continue }
            if byte == 0x0A { break }
            if byte == UInt8(ascii: ",") { commas += 1 }
            if byte == UInt8(ascii: ";") { semicolons += 1 }
        }
        return semicolons > commas ? UInt8(ascii: ";") : UInt8(ascii: ",")
    }

    /// The length of the valid UTF-8 sequence at `index`, 0 if invalid.
    static func utf8Length(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        for offset in 1..<length where bytes[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }
}

/// Reads the records of a CSV file one at a time (the header first, in `header`), so that a
/// million-row file is checked and sent in chunks without holding every record.
public struct CSVRecordReader: Sendable {
    let bytes: [UInt8]
    let fileName: String
    public let separator: UInt8
    public private(set) var header: [String] = []
    var index = 0
    var line = 1

    /// Checks the encoding (naming the line of the first byte that is not UTF-8) and reads the header.
    public init(data: Data, fileName: String) throws(CSVFile.Invalid) {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw CSVFile.Invalid(description: "\(fileName): is UTF-16; save it as CSV UTF-8")
        }
        // Valid UTF-8 or a clear error naming the line (Windows-1258 and friends are common in Excel exports).
        var line = 1
        var position = 0
        while position < bytes.count {
            if bytes[position] < 0x80 {
                if bytes[position] == 0x0A { line += 1 }
                position += 1
                continue
            }
            let length = CSVFile.utf8Length(bytes, at: position)
            guard length > 0 else {
                throw CSVFile.Invalid(
                    description: "\(fileName):\(line): not UTF-8 text (byte 0x\(String(bytes[position], radix: 16, uppercase: true))); "
                        + "save the file as CSV UTF-8"
                )
            }
            position += length
        }
        self.bytes = bytes
        self.fileName = fileName
        self.separator = CSVFile.detectSeparator(bytes)
        guard let first = try next() else {
            throw CSVFile.Invalid(description: "\(fileName): is empty; the first line must name the columns")
        }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Back to the first record after the header (to read the file a second time).
    public mutating func rewind() {
        index = 0
        line = 1
        _ = try? next()
    }

    /// The next record, or nil at the end. Blank lines are skipped.
    public mutating func next() throws(CSVFile.Invalid) -> CSVFile.Record? {
        while index < bytes.count {
            let recordLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var inQuotes = false
            var fieldWasQuoted = false
            var ended = false
            while index < bytes.count && !ended {
                let byte = bytes[index]
                if inQuotes {
                    if byte == UInt8(ascii: "\"") {
                        if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                            field.append(byte)
                            index += 2
                            continue
                        }
                        inQuotes = false
                    } else {
                        if byte == 0x0A { line += 1 }
                        field.append(byte)
                    }
                    index += 1
                    continue
                }
                switch byte {
                case UInt8(ascii: "\"") where field.isEmpty && !fieldWasQuoted:
                    inQuotes = true
                    fieldWasQuoted = true
                case separator:
                    fields.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                    fieldWasQuoted = false
                case 0x0D where index + 1 < bytes.count && bytes[index + 1] == 0x0A:
                    break
                case 0x0A:
                    ended = true
                    line += 1
                default:
                    field.append(byte)
                }
                index += 1
            }
            if inQuotes { throw CSVFile.Invalid(description: "\(fileName):\(recordLine): a quoted field is never closed") }
            fields.append(String(decoding: field, as: UTF8.self))
            if fields.count == 1 && fields[0].isEmpty { continue }  // a blank line
            return CSVFile.Record(line: recordLine, fields: fields)
        }
        return nil
    }
}

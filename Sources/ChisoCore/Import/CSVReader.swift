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

    public static func parse(_ data: Data, fileName: String) throws(Invalid) -> CSVFile {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw Invalid(description: "\(fileName): is UTF-16; save it as CSV UTF-8")
        }
        // Valid UTF-8 or a clear error naming the line (Windows-1258 and friends are common in Excel exports).
        if String(validating: bytes, as: UTF8.self) == nil {
            var line = 1
            var index = 0
            while index < bytes.count {
                let length = utf8Length(bytes, at: index)
                if length == 0 { break }
                if bytes[index] == 0x0A { line += 1 }
                index += length
            }
            throw Invalid(description: "\(fileName):\(line): not UTF-8 text (byte 0x\(String(bytes[min(index, bytes.count - 1)], radix: 16, uppercase: true))); save the file as CSV UTF-8")
        }
        guard !bytes.isEmpty else { throw Invalid(description: "\(fileName): is empty; the first line must name the columns") }
        let separator = detectSeparator(bytes)
        var records: [Record] = []
        records.reserveCapacity(bytes.count / 100)
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var index = 0
        var fieldWasQuoted = false
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        while index < bytes.count {
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
                endField()
            case 0x0D where index + 1 < bytes.count && bytes[index + 1] == 0x0A:
                break
            case 0x0A:
                endField()
                if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
                fields.removeAll(keepingCapacity: true)
                line += 1
                recordLine = line
            default:
                field.append(byte)
            }
            index += 1
        }
        if inQuotes { throw Invalid(description: "\(fileName):\(recordLine): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
        }
        guard let first = records.first else { throw Invalid(description: "\(fileName): is empty; the first line must name the columns") }
        return CSVFile(header: first.fields.map { $0.trimmingCharacters(in: .whitespaces) }, records: Array(records.dropFirst()), separator: separator)
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

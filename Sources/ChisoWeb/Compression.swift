import CompressNIO
import Foundation
import NIOCore
import Synchronization

/// gzip for the big bodies (`/metrics`, `/api/v1/snapshot`, the pages), made once per snapshot
/// and kept: a province's `/metrics` is ~30 MB of text and ~1.5 MB gzipped, and compressing it
/// on every scrape would cost more than serving it.
enum ContentCoding {
    /// Whether `Accept-Encoding` allows gzip (RFC 9110: a `gzip`, `x-gzip` or `*` coding whose
    /// q-value is not 0; an explicit `gzip;q=0` wins over `*`). Read byte by byte: it runs on every
    /// request, and Foundation's trimming (through NSString) was 30 % of serving a page from
    /// memory (perf, province `/` with gzip).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard var header else { return false }
        return header.withUTF8 { bytes in
            var star: Bool?
            for item in bytes.split(separator: UInt8(ascii: ",")) {
                let parts = item.split(separator: UInt8(ascii: ";"))
                guard let coding = parts.first.map(trimmed) else { continue }
                let zero = parts.dropFirst().contains { parameter in
                    let pair = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                    guard pair.count == 2, equalsIgnoringCase(trimmed(pair[0]), "q") else { return false }
                    return (Double(String(decoding: trimmed(pair[1]), as: UTF8.self)) ?? 1) == 0
                }
                if equalsIgnoringCase(coding, "gzip") || equalsIgnoringCase(coding, "x-gzip") { return !zero }
                if equalsIgnoringCase(coding, "*") { star = !zero }
            }
            return star ?? false
        }
    }

    /// `bytes` without the spaces and tabs around it (HTTP's optional whitespace).
    private static func trimmed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
        let space: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !space($0) }), let last = bytes.lastIndex(where: { !space($0) }) else {
            return bytes[bytes.startIndex..<bytes.startIndex]
        }
        return bytes[first...last]
    }

    /// Whether `bytes` spell `word` (lowercase ASCII) in any case.
    private static func equalsIgnoringCase(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        return zip(bytes, UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)).allSatisfy { byte, letter in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == letter
        }
    }

    /// The gzip member of `buffer` (nil if zlib fails: the identity body is served instead).
    static func gzip(_ buffer: ByteBuffer) -> ByteBuffer? {
        var input = buffer
        return try? input.compress(with: .gzip())
    }
}

/// The gzipped bodies of the current snapshot, each made at its first request and kept until the
/// snapshot changes (then all are dropped). Concurrent first requests wait for one compression.
final class GzipCache: Sendable {
    private let state = Mutex<(snapshot: String, bodies: [String: ByteBuffer])>(("", [:]))

    func body(snapshot: String, key: String, _ make: () -> ByteBuffer) -> ByteBuffer? {
        state.withLock { state in
            if state.snapshot != snapshot { state = (snapshot, [:]) }
            if let body = state.bodies[key] { return body }
            guard let body = ContentCoding.gzip(make()) else { return nil }
            state.bodies[key] = body
            return body
        }
    }
}

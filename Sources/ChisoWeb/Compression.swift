import CompressNIO
import Foundation
import NIOCore
import Synchronization

/// gzip for the big bodies (`/metrics`, `/api/v1/snapshot`, the pages), made once per snapshot
/// and kept: a province's `/metrics` is ~30 MB of text and ~1.5 MB gzipped, and compressing it
/// on every scrape would cost more than serving it.
enum ContentCoding {
    /// Whether `Accept-Encoding` allows gzip (RFC 9110: a `gzip`, `x-gzip` or `*` coding whose
    /// q-value is not 0; an explicit `gzip;q=0` wins over `*`).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var star: Bool?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first else { continue }
            let zero = parts.dropFirst().contains { parameter in
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return pair.count == 2 && pair[0] == "q" && (Double(pair[1]) ?? 1) == 0
            }
            if coding == "gzip" || coding == "x-gzip" { return !zero }
            if coding == "*" { star = !zero }
        }
        return star ?? false
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

/// FNV-1a of a few kilobytes (the daemon's own metrics): which gzipped `/metrics` is current.
func fingerprint(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }
    return String(hash, radix: 16)
}

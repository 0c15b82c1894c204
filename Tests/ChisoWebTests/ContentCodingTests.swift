import Testing

@testable import ChisoWeb

/// `Accept-Encoding`, read byte by byte on every request (RFC 9110 §12.5.3).
@Suite struct ContentCodingTests {
    @Test(arguments: [
        (nil, false), ("", false), ("gzip", true), ("GZip", true), ("x-gzip", true), ("deflate, gzip", true),
        ("gzip, deflate, br", true), (" gzip ;q=0.5", true), ("br;q=1, gzip;q=0.8", true), ("gzip;q=0", false),
        ("gzip; Q=0.000", false), ("gzip;q=0, *", false), ("*", true), ("*;q=0", false), ("br, *;q=0.1", true),
        ("identity", false), ("br", false), ("gzipx", false), ("xgzip", false), ("gzip;q=abc", true), ("\tgzip\t", true),
        (",,gzip,,", true), (";q=0, gzip", true), ("gzip;level=1", true), ("*, gzip;q=0", false),
    ] as [(String?, Bool)])
    func gzipIsAcceptedAsTheHeaderSays(header: String?, accepted: Bool) {
        #expect(ContentCoding.acceptsGzip(header) == accepted, "\(header ?? "no header")")
    }
}

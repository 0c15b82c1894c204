import ChisoCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP interface of `interface.md`: `/`, `/metrics`, `/api/v1/snapshot`, `/healthz`, `/readyz`.
public enum Routes {
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// - Parameter operationalMetrics: the registry's families (refresh health, build info), rendered per request.
    public static func add<Context: RequestContext>(
        to router: Router<Context>,
        store: SnapshotStore,
        operationalMetrics: @escaping @Sendable () -> [UInt8]
    ) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }

        router.get("/readyz") { _, _ in
            let state = store.current
            let ready = state.published != nil && state.lastRefreshSucceeded
            let text = ready ? "ready\n" : (state.published == nil ? "no snapshot yet\n" : "last refresh failed; serving a stale snapshot\n")
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        router.get("/metrics") { _, _ in
            let state = store.current
            var buffer = ByteBuffer()
            if let published = state.published {
                buffer.reserveCapacity(published.metricsText.readableBytes + 2048)
                buffer.writeImmutableBuffer(published.metricsText)
            }
            buffer.writeBytes(operationalMetrics())
            return Response(
                status: .ok,
                headers: [.contentType: metricsContentType, .cacheControl: "no-store"],
                body: .init(byteBuffer: buffer))
        }

        router.get("/api/v1/snapshot") { _, _ in
            let state = store.current
            guard let published = state.published else {
                return Response(
                    status: .serviceUnavailable,
                    headers: [.contentType: "application/json", .cacheControl: "no-store", .retryAfter: "5"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"no snapshot yet: the first refresh has not succeeded"}"#)))
            }
            var buffer = ByteBuffer()
            buffer.reserveCapacity(published.jsonTail.readableBytes + 32)
            buffer.writeString(state.lastRefreshSucceeded ? #"{"stale":false,"# : #"{"stale":true,"#)
            buffer.writeImmutableBuffer(published.jsonTail)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache", .eTag: "\"\(published.etag)-\(state.lastRefreshSucceeded ? "f" : "s")\""],
                body: .init(byteBuffer: buffer))
        }

        router.get("/") { request, _ in
            let state = store.current
            let english = request.uri.queryParameters.get("lang") == "en"
            var headers: HTTPFields = [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-cache",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                .xContentTypeOptions: "nosniff",
                .referrerPolicy: "no-referrer",
            ]
            guard let published = state.published else {
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: StatusPage.waiting(english: english, lastError: state.lastError != nil))))
            }
            if !state.lastRefreshSucceeded {
                // Stale: re-render so the banner shows; rare, and the page is small.
                let html = StatusPage.render(published.snapshot, english: english, stale: StatusPage.Staleness(since: state.lastFailureAt))
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
            }
            headers[.eTag] = "\"\(published.etag)-\(english ? "en" : "vi")\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: english ? published.statusPageEnglish : published.statusPage))
        }
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

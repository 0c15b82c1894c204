import ChisoCore
import ChisoPresentation
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The HTTP interface of `interface.md`: `/`, `/metrics`, `/api/v1/snapshot`, `/healthz`, `/readyz`.
public enum Routes {
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"
    /// Every path chiso answers (GET and HEAD only).
    public static let paths: Set<String> = ["/", "/metrics", "/api/v1/snapshot", "/healthz", "/readyz", "/qd766", "/report"]
    /// The page needs no script and loads nothing but itself.
    static let contentSecurityPolicy = [
        "default-src 'none'", "style-src 'unsafe-inline'", "img-src 'self' data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// - Parameter operationalMetrics: the registry's families (refresh health, build info) and their version (rendered again when it changes).
    public static func add<Context: RequestContext>(
        to router: Router<Context>,
        store: SnapshotStore,
        operationalMetrics: @escaping @Sendable () -> (bytes: [UInt8], version: UInt64),
        staleAfter: Duration = .seconds(180),
        time: EvaluationClock = EvaluationClock(),
        role: (@Sendable () -> String)? = nil,
        publications: (any QD766Publishing)? = nil
    ) {
        router.add(middleware: MethodNotAllowed(paths: Self.paths))
        addQD766(to: router, publications: publications, time: time)
        addReport(to: router, store: store)

        addHealth(to: router, store: store, role: role)
        addMetrics(to: router, store: store, operationalMetrics: operationalMetrics)
        addSnapshotJSON(to: router, store: store)
        addPages(to: router, store: store, staleAfter: staleAfter, time: time)
    }

    /// `/healthz` (the process runs) and `/readyz` (a fresh snapshot is served; then, with
    /// replicas, this instance's role and who leads).
    static func addHealth<Context: RequestContext>(to router: Router<Context>, store: SnapshotStore, role: (@Sendable () -> String)? = nil) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }

        router.get("/readyz") { _, _ in
            let state = store.current
            let ready = state.published != nil && state.lastRefreshSucceeded
            let text =
                (ready ? "ready\n" : (state.published == nil ? "no snapshot yet\n" : "last refresh failed; serving a stale snapshot\n"))
                + (role.map { $0() + "\n" } ?? "")
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    static let metricsHeaders: HTTPFields = [.contentType: metricsContentType, .cacheControl: "no-store", .vary: "Accept-Encoding"]

    /// `/metrics`: the snapshot's families, rendered once per refresh, then the daemon's own.
    static func addMetrics<Context: RequestContext>(
        to router: Router<Context>, store: SnapshotStore, operationalMetrics: @escaping @Sendable () -> (bytes: [UInt8], version: UInt64)
    ) {
        let gzipped = GzipCache()
        router.get("/metrics") { request, _ in
            let state = store.current
            let (operational, version) = operationalMetrics()
            var headers = Self.metricsHeaders
            let figures = state.published?.metricsText ?? ByteBuffer()
            let timestamp = state.published?.metricsTimestamp ?? ByteBuffer()
            // The daemon's own families change once a refresh or so: the gzipped whole is kept
            // for as long as they stay the same (their version: the count of their changes).
            if ContentCoding.acceptsGzip(request.headers.combined(.acceptEncoding)),
                let body = gzipped.body(
                    snapshot: state.published?.etag ?? "none", key: String(version),
                    {
                        var whole = ByteBuffer()
                        whole.reserveCapacity(figures.readableBytes + timestamp.readableBytes + operational.count)
                        whole.writeImmutableBuffer(figures)
                        whole.writeImmutableBuffer(timestamp)
                        whole.writeBytes(operational)
                        return whole
                    })
            {
                headers[.contentEncoding] = "gzip"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
            }
            // The snapshot's parts as they are, not copied per request.
            return Response(status: .ok, headers: headers, body: .init(contentsOf: [figures, timestamp, ByteBuffer(bytes: operational)]))
        }
    }

    /// `/api/v1/snapshot`: the JSON document, its members encoded at the first request of a
    /// snapshot's figures (`JSONMembers`); gzipped once per snapshot and staleness; `If-None-Match`
    /// answered with 304.
    static func addSnapshotJSON<Context: RequestContext>(to router: Router<Context>, store: SnapshotStore) {
        let gzipped = GzipCache()
        router.get("/api/v1/snapshot") { request, _ in
            let state = store.current
            guard let published = state.published else {
                return Response(
                    status: .serviceUnavailable,
                    headers: [.contentType: "application/json", .cacheControl: "no-store", .retryAfter: "5"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"no snapshot yet: the first refresh has not succeeded"}"#)))
            }
            let stale = !state.lastRefreshSucceeded
            let etag = "\"\(published.etag)-\(stale ? "s" : "f")\""
            var headers: HTTPFields = [
                .contentType: "application/json; charset=utf-8", .cacheControl: "no-cache", .eTag: etag, .vary: "Accept-Encoding",
                .lastModified: published.lastModified,
            ]
            if matches(request.headers.combined(.ifNoneMatch), etag) { return Response(status: .notModified, headers: headers) }
            let opening = ByteBuffer(string: SnapshotJSON.opening(stale: stale))
            if ContentCoding.acceptsGzip(request.headers.combined(.acceptEncoding)),
                let body = gzipped.body(
                    snapshot: published.etag, key: etag,
                    {
                        var whole = opening
                        whole.writeImmutableBuffer(published.jsonTimes)
                        whole.writeImmutableBuffer(published.json.once)
                        return whole
                    })
            {
                headers[.contentEncoding] = "gzip"
                headers[.eTag] = gzipTag(etag)
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
            }
            return Response(status: .ok, headers: headers, body: .init(contentsOf: [opening, published.jsonTimes, published.jsonMembers]))
        }
    }

    /// Whether `If-None-Match` names `etag` or its gzipped twin (or is `*`).
    static func matches(_ ifNoneMatch: String?, _ etag: String) -> Bool {
        guard let ifNoneMatch else { return false }
        let tags: Set = [etag, gzipTag(etag), "*", "W/" + etag, "W/" + gzipTag(etag)]
        return ifNoneMatch.split(separator: ",").contains { tags.contains($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The ETag of the gzipped representation: another representation, another tag (RFC 9110).
    static func gzipTag(_ etag: String) -> String { etag.hasSuffix("\"") ? String(etag.dropLast()) + "-gz\"" : etag + "-gz" }

    /// The page, gzipped when the client allows it (kept per page of the snapshot), with its ETag.
    static func page(
        _ page: ByteBuffer, etag: String, snapshot: String, request: Request, headers: HTTPFields, cache: GzipCache
    ) -> Response {
        var headers = headers
        if ContentCoding.acceptsGzip(request.headers.combined(.acceptEncoding)), let body = cache.body(snapshot: snapshot, key: etag, { page }) {
            headers.append(HTTPField(name: .contentEncoding, value: "gzip"))
            headers.append(HTTPField(name: .eTag, value: gzipTag(etag)))
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        headers.append(HTTPField(name: .eTag, value: etag))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: page))
    }

    /// The headers every page answer starts from (made once: `HTTPFields` checks each field as it is added).
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-cache",
        .contentSecurityPolicy: Self.contentSecurityPolicy,
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .vary: "Accept-Encoding",
    ]

    /// `/`: the status page in both languages, every period, every unit; validators and the stale banner.
    static func addPages<Context: RequestContext>(
        to router: Router<Context>, store: SnapshotStore, staleAfter: Duration, time: EvaluationClock
    ) {
        let rendered = RenderedPages()
        let gzipped = GzipCache()
        router.get("/") { request, _ in
            let state = store.current
            let query = request.uri.queryParameters
            // Most requests carry no query: nothing to look up then.
            func parameter(_ name: String) -> String? { query.isEmpty ? nil : query.get(name) }
            var headers = Self.pageHeaders
            let english: Bool
            switch parameter("lang") {
            case nil, "vi": english = false
            case "en": english = true
            default: return plain(.badRequest, "lang must be vi or en\n", headers)
            }
            let period: PeriodKind
            if let text = parameter("period") {
                guard let kind = PeriodKind(rawValue: text) else { return plain(.badRequest, "period must be year, quarter or month\n", headers) }
                period = kind
            } else {
                period = .year
            }
            guard let published = state.published else {
                headers[.cacheControl] = "no-store"
                return Response(
                    status: .ok, headers: headers,
                    body: .init(byteBuffer: ByteBuffer(string: StatusPage.waiting(english: english, lastError: state.lastError != nil))))
            }
            let unit = parameter("unit").flatMap { $0 == published.snapshot.units.first?.id ? nil : $0 }
            let pageRequest = PageRequest(language: english ? .en : .vi, period: period, unitID: unit)
            let staleness = Routes.staleness(state, staleAfter: staleAfter, now: time.now())
            // Validators: the snapshot, the page and whether it carries the stale banner.
            let etag = published.pageTag(pageRequest, stale: staleness != nil)
            headers.append(HTTPField(name: .lastModified, value: published.lastModified))
            if matches(request.headers.combined(.ifNoneMatch), etag) {
                headers.append(HTTPField(name: .eTag, value: etag))
                return Response(status: .notModified, headers: headers)
            }
            if staleness == nil, let page = published.page(pageRequest) {
                return Self.page(page, etag: etag, snapshot: published.etag, request: request, headers: headers, cache: gzipped)
            }
            // Rendered on demand (a unit's page, or any page with the stale banner), and kept for
            // the next reader of the same page of the same snapshot: an outage must not make every
            // request render a province's page again.
            let key = RenderedPages.Key(etag: etag, request: pageRequest, staleSince: staleness?.since)
            if let page = rendered.page(key) {
                return Self.page(page, etag: etag, snapshot: published.etag, request: request, headers: headers, cache: gzipped)
            }
            do {
                let html = try StatusPage.render(
                    published.snapshot, history: published.history, request: pageRequest, links: .query,
                    staleness: staleness, layout: published.layout, alerts: published.alerts)
                let page = ByteBuffer(string: html)
                rendered.keep(page, for: key)
                return Self.page(page, etag: etag, snapshot: published.etag, request: request, headers: headers, cache: gzipped)
            } catch {
                return plain(.notFound, english ? "unknown unit\n" : "không có đơn vị này\n", headers)
            }
        }
    }

    /// `/qd766?month=2026-05[&format=csv][&lang=en][&unit=ID]`: the month's QĐ 766 publication
    /// (task II.10 of the plan), built from the database on request and kept a while by the publisher.
    static func addQD766<Context: RequestContext>(to router: Router<Context>, publications: (any QD766Publishing)?, time: EvaluationClock) {
        router.get("/qd766") { request, _ in
            let query = request.uri.queryParameters
            var headers: HTTPFields = [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache", .contentSecurityPolicy: Self.contentSecurityPolicy,
                .xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer",
            ]
            guard let text = query.get("month"), text.count == 7, let month = LocalDate(iso: text + "-01") else {
                return plain(.badRequest, "month must be YYYY-MM (e.g. month=2026-05)\n", headers)
            }
            let csv: Bool
            switch query.get("format") {
            case nil, "html": csv = false
            case "csv": csv = true
            default: return plain(.badRequest, "format must be html or csv\n", headers)
            }
            let language: Format.Language
            switch query.get("lang") {
            case nil, "vi": language = .vi
            case "en": language = .en
            default: return plain(.badRequest, "lang must be vi or en\n", headers)
            }
            guard let publications else { return plain(.notFound, "the QĐ 766 publication is not available here\n", headers) }
            let made: Result<QD766Publication, QD766Publication.Problem>
            do {
                made = try await publications.publication(month: month, unit: query.get("unit").map { String($0) }, now: time.evaluationInstant())
            } catch {
                headers[.retryAfter] = "60"
                return plain(.serviceUnavailable, "the database cannot be read now; try again later\n", headers)
            }
            switch made {
            case .failure(let problem):
                return plain(.notFound, "\(problem)\n", headers)
            case .success(let publication):
                if csv {
                    headers[.contentType] = "text/csv; charset=utf-8"
                    // The name holds only the month, checked above: nothing of the request's text reaches the header.
                    headers[.contentDisposition] = "attachment; filename=\"qd766-\(month.year)-\(LocalDate.pad(month.month, 2)).csv\""
                    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: QD766Report.csv(publication))))
                }
                let html = QD766Page.render(publication, language: language)
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
            }
        }
    }

    /// `/report?period=quarter[&format=csv][&lang=en][&unit=ID][&numbers=vi]`: the periodic report
    /// to the commune and the Department of Home Affairs (plan IV.1.c), from the snapshot served.
    static func addReport<Context: RequestContext>(to router: Router<Context>, store: SnapshotStore) {
        router.get("/report") { request, _ in
            let query = request.uri.queryParameters
            var headers: HTTPFields = [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache", .contentSecurityPolicy: Self.contentSecurityPolicy,
                .xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer",
            ]
            guard let period = PeriodKind(rawValue: query.get("period").map { String($0) } ?? "quarter") else {
                return plain(.badRequest, "period must be year, quarter or month\n", headers)
            }
            let format = query.get("format").map { String($0) } ?? "html"
            guard format == "html" || format == "csv" else {
                return plain(.badRequest, "format must be html or csv\n", headers)
            }
            guard let language = Format.Language(rawValue: query.get("lang").map { String($0) } ?? "vi") else {
                return plain(.badRequest, "lang must be vi or en\n", headers)
            }
            guard let numbers = PeriodicReport.Numbers(rawValue: query.get("numbers").map { String($0) } ?? "plain") else {
                return plain(.badRequest, "numbers must be plain or vi\n", headers)
            }
            guard let snapshot = store.current.published?.snapshot else {
                headers[.retryAfter] = "5"
                return plain(.serviceUnavailable, "no snapshot yet; try again shortly\n", headers)
            }
            let unit = query.get("unit").map { String($0) }
            do {
                if format == "csv" {
                    headers[.contentType] = "text/csv; charset=utf-8"
                    // The name holds only the period's name, checked above: nothing of the request's text reaches the header.
                    headers[.contentDisposition] = "attachment; filename=\"bao-cao-cchc-\(period.rawValue).csv\""
                    let text = try PeriodicReport.csv(snapshot, period: period, unitID: unit, numbers: numbers)
                    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
                }
                let html = try ReportPage.render(snapshot, period: period, unitID: unit, language: language)
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
            } catch {
                return plain(.notFound, language == .en ? "unknown unit\n" : "không có đơn vị này\n", headers)
            }
        }
    }

    /// Whether the page must warn that its figures may be out of date, and since when: the last
    /// refresh failed, or none succeeded for `staleAfter` (three intervals: the daemon is stuck).
    public static func staleness(_ state: SnapshotStore.State, staleAfter: Duration, now: Date) -> Staleness? {
        if !state.lastRefreshSucceeded { return Staleness(since: state.failingSince ?? state.lastFailureAt) }
        if let last = state.lastSuccessAt, now.timeIntervalSince(last) > Double(staleAfter.components.seconds) {
            return Staleness(since: last)
        }
        return nil
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String, _ headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// RFC 9110 IMF-fixdate, for `Last-Modified`.
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

/// Pages rendered on demand, by validator (snapshot, variant, staleness) and request; a bounded
/// set, dropped whole when full (a new snapshot's pages replace the old ones quickly anyway).
final class RenderedPages: Sendable {
    struct Key: Hashable, Sendable {
        let etag: String
        let request: PageRequest
        let staleSince: Date?
    }

    static let capacity = 256
    private let pages = Mutex<[Key: ByteBuffer]>([:])

    func page(_ key: Key) -> ByteBuffer? { pages.withLock { $0[key] } }

    func keep(_ page: ByteBuffer, for key: Key) {
        pages.withLock { pages in
            if pages.count >= Self.capacity { pages.removeAll(keepingCapacity: true) }
            pages[key] = page
        }
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// The paths chiso serves take GET and HEAD only: OPTIONS is answered 204 with `Allow`, any other
/// method 405 with `Allow` (RFC 9110 §15.5.6), rather than the router's 404.
struct MethodNotAllowed<Context: RequestContext>: RouterMiddleware {
    let paths: Set<String>
    static var allow: String { "GET, HEAD" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get, request.method != .head, paths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        let status: HTTPResponse.Status = request.method == .options ? .noContent : .methodNotAllowed
        var headers: HTTPFields = [.allow: Self.allow]
        if status == .methodNotAllowed { headers[.contentType] = "text/plain; charset=utf-8" }
        let body = status == .methodNotAllowed ? ByteBuffer(string: "method not allowed: use GET or HEAD\n") : ByteBuffer()
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}

extension HTTPFields {
    /// A request field's lines joined with ", ", as `subscript` joins them, without building the
    /// list when there is one line (read on every request: `subscript`'s lazy join showed in perf).
    func combined(_ name: HTTPField.Name) -> String? {
        var first: String?
        var others: [String] = []
        for field in self where field.name == name {
            if first == nil { first = field.value } else { others.append(field.value) }
        }
        guard let first, !others.isEmpty else { return first }
        return ([first] + others).joined(separator: ", ")
    }
}

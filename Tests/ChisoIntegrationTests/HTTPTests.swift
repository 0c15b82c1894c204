import ChisoApp
import ChisoCore
import ChisoStorage
import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOFoundationEssentialsCompat
import PostgresNIO
import Testing

/// The daemon as a whole (`buildApplication`: PostgreSQL client, refresher, HTTP) on the fixture.
@Suite(.timeLimit(.minutes(5))) struct HTTPTests {
    static func goldenURL() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/metrics.txt")
    }

    /// Values that change from run to run are replaced before comparing with the golden file.
    static func normalised(_ metrics: String) -> String {
        metrics.split(separator: "\n").map { line -> String in
            for name in [
                "chiso_refresh_last_success_timestamp_seconds ", "chiso_refresh_duration_seconds ",
                "chiso_config_last_reload_success_timestamp_seconds ",
            ] where line.hasPrefix(name) {
                return name + "<dynamic>"
            }
            // How long the refreshes took: which buckets they fell into, and their sum (the count stays).
            if line.hasPrefix("chiso_refresh_seconds_sum") || (line.hasPrefix("chiso_refresh_seconds_bucket") && !line.contains("+Inf")) {
                return line.prefix { $0 != " " } + " <dynamic>"
            }
            // The instance's name is host:pid.
            if line.hasPrefix("chiso_leader{instance=") { return "chiso_leader{instance=\"<host:pid>\"}" + line.drop { $0 != "}" }.dropFirst() }
            return String(line)
        }.sorted().joined(separator: "\n") + "\n"
    }

    /// Runs the application on the fixture and waits until its first refresh is published.
    static func withFixtureApp(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await TestDatabase.withSchema(fixture: "commune") { _, schema, _ in
            let settings = try await TestDatabase.settings(
                schema: schema.rawValue,
                extra: [
                    "CHISO_AS_OF": "2026-06-15T10:00:00+07:00", "CHISO_LISTEN": "127.0.0.1:0", "CHISO_REFRESH_INTERVAL": "3600",
                ])
            let (application, _) = buildApplication(settings, logger: TestDatabase.logger)
            try await application.test(.router) { client in
                try await waitUntil(client, path: "/readyz", status: .ok)
                try await test(client)
            }
        }
    }

    @Test func metricsMatchTheGoldenFileAndPassPromtool() async throws {
        try await Self.withFixtureApp { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let body = String(buffer: response.body)
            let actual = Self.normalised(body)
            if ProcessInfo.processInfo.environment["CHISO_UPDATE_GOLDEN"] == "1" {
                try Data(actual.utf8).write(to: Self.goldenURL())
            }
            let golden = try String(contentsOf: Self.goldenURL(), encoding: .utf8)
            #expect(actual == golden, "regenerate with CHISO_UPDATE_GOLDEN=1 scripts/test --filter HTTPTests after checking the difference")
            // Every metric of interface.md is present.
            for name in [
                "chiso_indicator_ratio", "chiso_indicator_numerator", "chiso_indicator_denominator", "chiso_indicator_target_ratio",
                "chiso_indicator_met", "chiso_tasks_overdue", "chiso_dossiers_overdue", "chiso_source_up",
                "chiso_refresh_last_success_timestamp_seconds", "chiso_refresh_duration_seconds", "chiso_refresh_failures_total", "chiso_build_info",
            ] {
                #expect(body.contains("\n\(name){") || body.contains("\n\(name) "), "\(name) is missing")
            }
            #expect(body.contains("\nchiso_source_up 1"))
            #expect(body.contains(#"chiso_indicator_ratio{indicator="documents_signed",unit="bac-binh",period="year"} 0.7"#))
            try promtool(body)
        }
    }

    /// `promtool check metrics` (Debian's prometheus package) must find nothing.
    /// Files, not pipes: a server another test starts meanwhile could inherit a pipe and hold it open.
    static func promtoolFindings(_ metrics: String) throws -> (status: Int32, output: String)? {
        guard let promtool = ProcessInfo.processInfo.environment["CHISO_PROMTOOL"] else { return nil }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-promtool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("metrics.txt"), output = folder.appendingPathComponent("findings.txt")
        try Data(metrics.utf8).write(to: input)
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let findings = try FileHandle(forWritingTo: output)
        process.standardOutput = findings
        process.standardError = findings
        try process.run()
        process.waitUntilExit()
        try findings.close()
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }

    func promtool(_ metrics: String) throws {
        if let artefacts = ProcessInfo.processInfo.environment["CHISO_TEST_ARTEFACTS"] {
            try? Data(metrics.utf8).write(to: URL(fileURLWithPath: artefacts).appendingPathComponent("metrics.txt"))
        }
        guard let (status, output) = try Self.promtoolFindings(metrics) else {
            Issue.record("CHISO_PROMTOOL is not set: run the suite with scripts/test, which installs promtool")
            return
        }
        #expect(status == 0 && output.isEmpty, "promtool check metrics: \(output)")
    }

    @Test func promtoolReallyChecks() throws {
        // The check above can fail: a counter without _total is a finding.
        guard let (status, output) = try Self.promtoolFindings("# HELP bad_counter x\n# TYPE bad_counter counter\nbad_counter 1\n") else {
            Issue.record("CHISO_PROMTOOL is not set: run the suite with scripts/test")
            return
        }
        #expect(status != 0 || !output.isEmpty)
    }

    @Test func snapshotJSONFollowsTheInterface() async throws {
        try await Self.withFixtureApp { client in
            let response = try await client.execute(uri: "/api/v1/snapshot", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(object["as_of"] as? String == "2026-06-15T10:00:00+07:00")
            #expect(object["stale"] as? Bool == false)
            let indicators = try #require(object["indicators"] as? [[String: Any]])
            let signed = try #require(
                indicators.first {
                    $0["indicator"] as? String == "documents_signed" && $0["unit"] as? String == "bac-binh" && $0["period"] as? String == "year"
                })
            #expect(signed["numerator"] as? Int == 7)
            #expect(signed["denominator"] as? Int == 10)
            #expect(signed["value"] as? Double == 0.7)
            #expect(signed["status"] as? String == "at_risk")
            #expect(signed["comparator"] as? String == ">")
            #expect(signed["target"] as? Double == 0.7)
            #expect(signed["plan_ref"] as? String == "I.6")
            #expect(signed["source"] as? String == "computed")
            #expect(signed["name_vi"] as? String == "Văn bản được ký số")
            let empty = try #require(
                indicators.first {
                    $0["indicator"] as? String == "documents_signed" && $0["unit"] as? String == "bac-binh/tthc" && $0["period"] as? String == "month"
                })
            #expect(empty["value"] is NSNull)
            #expect(empty["status"] as? String == "no_data")
            #expect(empty["denominator"] as? Int == 0)
            let tasks = try #require(object["overdue_tasks"] as? [[String: Any]])
            #expect(tasks.map { $0["id"] as? String } == ["T8", "T5", "T3"])
            #expect(tasks.first?["due_date"] as? String == "2025-12-31")
            #expect(tasks.first?["days_overdue"] as? Int == 166)
            #expect(tasks.first?["lead_unit"] as? String == "bac-binh/tthc")
            // T4 is due today (June 15): due soon, 0 days left; T3 overdue since yesterday is not.
            let soon = try #require(object["due_soon_tasks"] as? [[String: Any]])
            #expect(soon.map { $0["id"] as? String } == ["T4"])
            #expect(soon.first?["days_left"] as? Int == 0)
            #expect(soon.first?["days_overdue"] == nil && tasks.first?["days_left"] == nil, "each list carries its own day count only")
        }
    }

    /// `GET /qd766`: the month's publication from the database (the CSV the same as `chiso qd766`'s,
    /// checked in CommandLineTests), a bad month refused, a month not begun not found.
    @Test func theMonthlyQD766PublicationIsServed() async throws {
        try await Self.withFixtureApp { client in
            let csv = try await client.execute(uri: "/qd766?month=2026-06&format=csv", method: .get)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"qd766-2026-06.csv\"")
            #expect(String(buffer: csv.body).contains("qd766.on_time;2.1;TDGQ;4;6;13.33;20;computed;"))
            let html = try await client.execute(uri: "/qd766?month=2026-06&lang=en", method: .get)
            #expect(html.status == .ok && html.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: html.body).contains("Service quality index (Decision 766/QĐ-TTg), 06/2026"))
            #expect(try await client.execute(uri: "/qd766?month=2026-6", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/qd766", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/qd766?month=2026-06&format=pdf", method: .get).status == .badRequest)
            let later = try await client.execute(uri: "/qd766?month=2026-07", method: .get)
            #expect(later.status == .notFound && String(buffer: later.body) == "the month 2026-07 has not begun\n")
            #expect(try await client.execute(uri: "/qd766?month=2026-06&unit=nobody", method: .get).status == .notFound)
        }
    }

    /// `GET /report`: the periodic report from the snapshot served (the fixture's tasks by section,
    /// worked out in FixtureIndicatorTests); bad parameters refused.
    @Test func thePeriodicReportIsServed() async throws {
        try await Self.withFixtureApp { client in
            let html = try await client.execute(uri: "/report?period=year", method: .get)
            #expect(html.status == .ok && html.headers[.contentType] == "text/html; charset=utf-8")
            let text = String(buffer: html.body)
            #expect(text.contains("Kết quả thực hiện công tác cải cách hành chính năm 2026"))
            #expect(
                text.contains(
                    "<td>I. Cải cách thể chế</td><td>Văn phòng HĐND và UBND</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">0</td>"
                ))
            let csv = try await client.execute(uri: "/report?period=quarter&format=csv&numbers=vi", method: .get)
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"bao-cao-cchc-quarter.csv\"")
            #expect(String(buffer: csv.body).contains("\r\nII;bac-binh/tthc;"))
            #expect(try await client.execute(uri: "/report?period=week", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/report?format=pdf", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/report?numbers=fr", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/report?unit=nobody", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/report", method: .head).status == .ok)
        }
    }

    @Test func healthReadinessAndThePage() async throws {
        try await Self.withFixtureApp { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let html = String(buffer: page.body)
            #expect(html.contains(#"<html lang="vi">"#))
            #expect(html.contains("Xã Bắc Bình"))
            #expect(html.contains("Cập nhật lúc <strong>15/06/2026 10:00</strong>"))
            // A task title with markup characters is escaped, never raw.
            #expect(html.contains("Số hóa hồ sơ &lt;tồn đọng&gt; &amp; &quot;cũ&quot;"))
            #expect(!html.contains("<tồn đọng>"))
            #expect(html.contains("70\u{00A0}%"))
            let english = String(buffer: try await client.execute(uri: "/?lang=en", method: .get).body)
            #expect(english.contains(#"<html lang="en">"#))
            #expect(english.contains("As of <strong>2026-06-15 10:00</strong>"))
        }
    }

    @Test func pageHeadersLetAProxyCacheAndRevalidate() async throws {
        try await Self.withFixtureApp { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.headers[.cacheControl] == "no-cache")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src") == false, "no script source may be allowed")
            let etag = try #require(page.headers[.eTag])
            let modified = try #require(page.headers[.lastModified])
            #expect(modified.hasSuffix(" GMT"))
            let again = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            // Another page has another validator.
            let english = try await client.execute(uri: "/?lang=en", method: .get, headers: [.ifNoneMatch: etag])
            #expect(english.status == .ok)
            #expect(english.headers[.eTag] != etag)
        }
    }

    /// gzip when Accept-Encoding allows it, made once per snapshot: the same bytes once inflated;
    /// Vary on every body; the JSON answers If-None-Match with 304, for either representation.
    @Test func bigBodiesAreGzippedWhenAskedAndRevalidated() async throws {
        try await Self.withFixtureApp { client in
            for path in ["/metrics", "/api/v1/snapshot", "/", "/?lang=en&period=month"] {
                let plain = try await client.execute(uri: path, method: .get)
                #expect(plain.headers[.contentEncoding] == nil && plain.headers[.vary] == "Accept-Encoding", "\(path)")
                let zipped = try await client.execute(uri: path, method: .get, headers: [.acceptEncoding: "br;q=1, gzip;q=0.8"])
                #expect(zipped.headers[.contentEncoding] == "gzip" && zipped.headers[.vary] == "Accept-Encoding", "\(path)")
                #expect(zipped.body.readableBytes < plain.body.readableBytes, "\(path)")
                var body = zipped.body
                let inflated = try body.decompress(with: .gzip())
                let expected = path == "/metrics" ? Self.normalised(String(buffer: plain.body)) : String(buffer: plain.body)
                let actual = path == "/metrics" ? Self.normalised(String(buffer: inflated)) : String(buffer: inflated)
                #expect(actual == expected, "\(path): the same document")
                let refused = try await client.execute(uri: path, method: .get, headers: [.acceptEncoding: "gzip;q=0, *"])
                #expect(refused.headers[.contentEncoding] == nil, "\(path): gzip;q=0 wins over *")
                if path != "/metrics" {
                    #expect(zipped.headers[.eTag] != plain.headers[.eTag], "another representation, another tag")
                    for tag in [plain.headers[.eTag], zipped.headers[.eTag]] {
                        let again = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: tag ?? "", .acceptEncoding: "gzip"])
                        #expect(again.status == .notModified && again.body.readableBytes == 0, "\(path)")
                    }
                }
            }
        }
    }

    @Test func periodsUnitsAndBadQueries() async throws {
        try await Self.withFixtureApp { client in
            let quarter = String(buffer: try await client.execute(uri: "/?period=quarter", method: .get).body)
            #expect(quarter.contains("<span aria-current=\"page\">Quý 2/2026 đến nay</span>"))
            let unit = try await client.execute(uri: "/?unit=bac-binh%2Ftthc&lang=en", method: .get)
            #expect(unit.status == .ok)
            let unitHTML = String(buffer: unit.body)
            #expect(unitHTML.contains("<h1>Trung tâm Phục vụ hành chính công</h1>"))
            // its child, with markup characters in its name, escaped
            #expect(unitHTML.contains("Quầy 1 &lt;&quot;tiếp nhận&quot;&gt; &amp; trả kết quả"))
            #expect(try await client.execute(uri: "/?unit=nope", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/?period=week", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/?lang=fr", method: .get).status == .badRequest)
        }
    }

    @Test func pagesAreWrittenToTheOutputDirectory() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-site-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await TestDatabase.withSchema(fixture: "commune") { _, schema, _ in
            let settings = try await TestDatabase.settings(
                schema: schema.rawValue,
                extra: [
                    "CHISO_AS_OF": "2026-06-15T10:00:00+07:00", "CHISO_LISTEN": "127.0.0.1:0", "CHISO_REFRESH_INTERVAL": "3600",
                    "CHISO_OUTPUT_DIR": folder.path,
                ])
            let (application, _) = buildApplication(settings, logger: TestDatabase.logger)
            try await application.test(.router) { client in
                try await waitUntil(client, path: "/readyz", status: .ok)
                // The files are written right after publishing, one after the other: wait until all
                // 30 are there (2 languages × 3 periods × the root and 4 other units) and none is half-written.
                // (The monthly QĐ 766 publication goes under qd766/, written by its own service.)
                func pages() -> [String] {
                    ((try? FileManager.default.subpathsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix("qd766") }
                }
                for _ in 0..<600 where pages().filter({ $0.hasSuffix(".html") }).count < 30 || pages().contains(where: { $0.hasSuffix(".tmp") }) {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(pages().filter { $0.hasSuffix(".html") }.count == 30)
                let index = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
                #expect(index.contains("<html lang=\"vi\">"))
                #expect(index.contains("Cập nhật lúc <strong>15/06/2026 10:00</strong>"))
                #expect(index.contains("href=\"quarter.html\""))
                #expect(index.contains("href=\"en/index.html\""))
                let english = try String(contentsOf: folder.appendingPathComponent("en/index.html"), encoding: .utf8)
                #expect(english.contains("<html lang=\"en\">"))
                #expect(english.contains("href=\"../index.html\""))
                for path in [
                    "quarter.html", "month.html", "en/quarter.html", "en/month.html", "units/bac-binh_tthc.html", "units/bac-binh_vp.quarter.html",
                ] {
                    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path), "\(path) missing")
                }
                // Written by rename: no temporary file is left behind.
                let leftovers = try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
                #expect(leftovers.isEmpty)
            }
        }
    }
}

/// Polls `path` until it answers `status`; gives up after a bounded number of tries (not a timing assertion).
func waitUntil(_ client: any TestClientProtocol, path: String, status: HTTPResponse.Status, tries: Int = 600) async throws {
    for _ in 0..<tries {
        if try await client.execute(uri: path, method: .get).status == status { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("\(path) never answered \(status)")
    throw WaitError.gaveUp(path)
}

enum WaitError: Error { case gaveUp(String) }

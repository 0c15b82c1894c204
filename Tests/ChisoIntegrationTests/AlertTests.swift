import ChisoAlerts
import ChisoApp
import ChisoCore
import ChisoStorage
import ChisoWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Synchronization
import Testing

/// A real SMTP listener and HTTP receiver (`scripts/lib/mail_sink.py`, aiosmtpd), parsing what it
/// receives with Python's email package; started per test, stopped after.
final class MailSink: Sendable {
    let folder: URL
    let process: Process
    let smtpPort: Int
    let httpPort: Int

    struct Mail: Decodable {
        let rcpt_tos: [String]
        let headers: [[String]]
        let subject: String
        let to: String
        let cc: String
        let bcc: Bool
        let message_id: String
        let in_reply_to: String
        let references: String
        let content_type: String
        let parts: [Part]
        struct Part: Decodable { let content_type: String; let text: String }
        func header(_ name: String) -> [String] { headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] } }
        var text: String { parts.first { $0.content_type == "text/plain" }?.text ?? "" }
        var html: String { parts.first { $0.content_type == "text/html" }?.text ?? "" }
    }

    struct Post: Decodable { let path: String; let headers: [String: String]; let body: String }

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let script = environment["CHISO_MAIL_SINK"], let python = environment["CHISO_PYTHON"] else {
            Issue.record("CHISO_MAIL_SINK/CHISO_PYTHON not set: run the suite with scripts/test, which installs msmtp and aiosmtpd")
            throw TestDatabase.TestDatabaseError.notConfigured
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let log = folder.appendingPathComponent("sink.log")
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, folder.path]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let portsFile = folder.appendingPathComponent("ports")
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: portsFile.path) { Thread.sleep(forTimeInterval: 0.05) }
        let ports = (try? String(contentsOf: portsFile, encoding: .utf8))?.split(whereSeparator: \.isWhitespace).compactMap { Int($0) } ?? []
        guard ports.count == 2 else {
            process.terminate()
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            Issue.record("mail sink did not start: \(output)")
            throw TestDatabase.TestDatabaseError.notConfigured
        }
        smtpPort = ports[0]
        httpPort = ports[1]
    }

    /// An msmtp configuration for this listener, and the command line chiso runs.
    func msmtpCommand() throws -> String {
        guard let msmtp = ProcessInfo.processInfo.environment["CHISO_MSMTP"] else {
            Issue.record("CHISO_MSMTP not set: run the suite with scripts/test")
            throw TestDatabase.TestDatabaseError.notConfigured
        }
        let rc = folder.appendingPathComponent("msmtprc")
        try "defaults\nauth off\ntls off\naccount default\nhost 127.0.0.1\nport \(smtpPort)\nfrom chiso@bacbinh.example\n".write(
            to: rc, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: rc.path)
        return "\(msmtp) -C '\(rc.path)' -t -i"
    }

    func files(_ prefix: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".json") }
            .sorted { Int($0.dropFirst(prefix.count + 1).dropLast(5))! < Int($1.dropFirst(prefix.count + 1).dropLast(5))! }
            .map { folder.appendingPathComponent($0) }
    }

    var mails: [Mail] { files("mail").compactMap { try? JSONDecoder().decode(Mail.self, from: Data(contentsOf: $0)) } }
    var posts: [Post] { files("http").compactMap { try? JSONDecoder().decode(Post.self, from: Data(contentsOf: $0)) } }

    func stop() {
        // SIGKILL: a process started from the test inherits SIGTERM ignored (ServiceLifecycle ignores
        // it in this process to handle it through a dispatch source).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        if ProcessInfo.processInfo.environment["CHISO_KEEP_MAIL"] == nil { try? FileManager.default.removeItem(at: folder) }
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct AlertTests {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let calendar = PlanCalendar(timeZone: zone)
    /// Monday 2026-06-15 08:00 +07, half an hour after the digests are due.
    static let monday = calendar.parseInstant("2026-06-15T08:00:00+07:00")!
    static let tuesday = calendar.parseInstant("2026-06-16T08:00:00+07:00")!
    static let saturday = calendar.parseInstant("2026-06-20T08:00:00+07:00")!

    /// Runs `body` with the alert fixture, a mail sink and an alert service sending through msmtp.
    func withAlerts(
        _ extra: [String: String] = [:],
        _ body: @escaping @Sendable (AlertService<ContinuousClock>, MailSink, PostgresClient, SchemaName, OperationalMetrics) async throws -> Void
    ) async throws {
        let sink = try MailSink()
        defer { sink.stop() }
        let command = try sink.msmtpCommand()
        try await TestDatabase.withSchema(fixture: "alerts") { client, schema, _ in
            let settings = try await TestDatabase.settings(
                schema: schema.rawValue,
                extra: [
                    "CHISO_ALERT_ENABLED": "true", "CHISO_ALERT_COMMAND": command, "CHISO_ALERT_FROM": "chiso <chiso@bacbinh.example>",
                    "CHISO_ALERT_RETRY_AFTER": "60", "CHISO_ALERT_MAX_ATTEMPTS": "3", "CHISO_ALERT_TIMEOUT": "10",
                    "CHISO_ALERT_WEBHOOK_URL": "http://127.0.0.1:\(sink.httpPort)/hooks/chiso", "CHISO_ALERT_WEBHOOK_SECRET": "s3cret",
                ].merging(extra) { _, new in new })
            let metrics = OperationalMetrics()
            let service = makeAlertService(settings, client: client, store: nil, metrics: metrics.alerts, logger: TestDatabase.logger)
            try await body(service, sink, client, schema, metrics)
        }
    }

    static func count(_ client: PostgresClient, _ schema: SchemaName, where condition: String = "true") async throws -> Int {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: #"SELECT count(*)::int FROM "\#(schema.rawValue)".chiso_alert_outbox WHERE \#(condition)"#))
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    @Test func digestsReachTheSMTPListenerThroughMsmtp() async throws {
        try await withAlerts { service, sink, client, schema, metrics in
            let report = await service.pass(at: Self.monday)
            #expect(report.decided.map(\.unitID).sorted() == ["c/bad", "c/ca", "c/kt", "c/vh", "lonely"])
            #expect(report.delivered.sorted() == ["c/bad", "c/ca", "c/kt", "c/vh"])
            let mails = sink.mails
            #expect(mails.count == 4)
            let kt = try #require(mails.first { $0.subject.contains("Phòng Kinh tế") })
            // The Vietnamese subject, decoded by Python's email package from its RFC 2047 words.
            #expect(kt.subject == "[chiso] Phòng Kinh tế: 3 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn")
            #expect(Set(kt.rcpt_tos) == ["kinhte@bacbinh.example", "truongphong.kt@bacbinh.example", "vhxh@bacbinh.example"])
            #expect(kt.to == "kinhte@bacbinh.example")
            #expect(kt.cc == "truongphong.kt@bacbinh.example, vhxh@bacbinh.example")
            #expect(kt.content_type == "multipart/alternative")
            #expect(kt.parts.map(\.content_type) == ["text/plain", "text/html"])
            #expect(kt.text.contains("[K2] Mục II.2: x  Bcc: attacker@example.com\n  Hạn: 01/06/2026 — quá hạn 14 ngày — ĐÃ BÁO CÁO LÃNH ĐẠO"))
            #expect(kt.text.contains("[K1] Mục II.1: Rà soát quy trình nội bộ\n  Hạn: 10/06/2026 — quá hạn 5 ngày\n"))
            #expect(kt.text.contains("[K3] Mục II.3: Báo cáo giải ngân\n  Hạn: 17/06/2026 — còn 2 ngày"))
            #expect(!kt.text.contains("K4"))
            #expect(kt.html.contains("<td>K2</td>"))
            #expect(kt.html.contains("(đã báo cáo lãnh đạo)"))
            // Threading: the first digest replies to the unit's thread root.
            #expect(kt.message_id.hasPrefix("<digest.c_kt.2026-06-15."))
            #expect(kt.in_reply_to == "<thread.c_kt@bacbinh.example>")
            #expect(kt.references == "<thread.c_kt@bacbinh.example>")
            #expect(kt.header("Date") == ["Mon, 15 Jun 2026 08:00:00 +0700"])
            // A unit without an address: its commune's.
            let ca = try #require(mails.first { $0.subject.contains("Công an xã") })
            #expect(ca.rcpt_tos == ["ubnd@bacbinh.example"])
            #expect(ca.cc == "")
            // Dossiers.
            let vh = try #require(mails.first { $0.subject.contains("Văn hóa") })
            #expect(vh.subject == "[chiso] Phòng Văn hóa – Xã hội: 1 hồ sơ quá hạn, 2 hồ sơ trễ hạn chưa xin lỗi")
            // The dossiers are named: V1 overdue (due 10/06 17:00, 5 days); V2 and V1 without an apology (V3 has one, V4 was on time).
            #expect(vh.text.contains("- Hồ sơ quá hạn chưa giải quyết: 1\n  · V1 (Đăng ký khai sinh), hẹn trả 10/06/2026 17:00, quá hạn 5 ngày\n"))
            #expect(
                vh.text.contains(
                    "- Hồ sơ trễ hạn chưa có văn bản xin lỗi: 2\n  · V2 (Đăng ký khai sinh), hẹn trả 05/05/2026 17:00\n  · V1 (Đăng ký khai sinh), hẹn trả 10/06/2026 17:00\n"
                ))
            #expect(!vh.text.contains("V3") && !vh.text.contains("V4"))
            // No header injection: neither a task title nor a unit's address or name adds a header or a recipient.
            for mail in mails {
                #expect(!mail.bcc)
                #expect(!mail.rcpt_tos.contains { $0.contains("attacker") || $0.contains("evil") })
                #expect(mail.header("X-Injected").isEmpty)
            }
            let bad = try #require(mails.first { $0.subject.contains("Tổ") })
            #expect(bad.rcpt_tos == ["ubnd@bacbinh.example"])
            #expect(bad.subject == "[chiso] Tổ <x> & \"y\"  X-Injected: yes: 1 nhiệm vụ quá hạn")
            // The unit with no address anywhere is recorded, counted, not dropped.
            #expect(try await Self.count(client, schema, where: "unit_id = 'lonely' AND status = 'undeliverable'") == 1)
            let text = String(decoding: metrics.render().bytes, as: UTF8.self)
            #expect(text.contains(#"chiso_alerts_sent_total{kind="mail"} 4"#))
            #expect(text.contains(#"chiso_alerts_sent_total{kind="webhook"} 4"#))
            #expect(text.contains("chiso_alerts_undeliverable 1"))
            #expect(text.contains("chiso_alerts_pending 0"))
            // The webhook: the same digest as JSON, with an idempotency key and an HMAC signature.
            let posts = sink.posts
            #expect(posts.count == 4)
            let post = try #require(
                posts.first {
                    (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["unit"] as? String == "c/kt"
                })
            #expect(post.path == "/hooks/chiso")
            #expect(post.headers["Idempotency-Key"] == kt.message_id)
            #expect(post.headers["X-Chiso-Signature"] == WebhookHook.signature(post.body, secret: "s3cret"))
            if let folder = ProcessInfo.processInfo.environment["CHISO_TEST_ARTEFACTS"],
                let eml = sink.files("mail").first(where: { (try? String(contentsOf: $0, encoding: .utf8))?.contains("Kinh t") == true })
            {
                try? FileManager.default.removeItem(at: URL(fileURLWithPath: folder).appendingPathComponent("digest-kt.eml"))
                try? FileManager.default.copyItem(
                    at: eml.deletingPathExtension().appendingPathExtension("eml"),
                    to: URL(fileURLWithPath: folder).appendingPathComponent("digest-kt.eml"))
            }
        }
    }

    @Test func oneDigestPerUnitAndDayThenAgainTheNextWorkingDay() async throws {
        try await withAlerts { service, sink, client, schema, _ in
            await service.pass(at: Self.monday)
            let second = await service.pass(at: Self.monday.addingTimeInterval(120))
            #expect(second.decided.isEmpty && second.delivered.isEmpty)
            #expect(sink.mails.count == 4)
            #expect(try await Self.count(client, schema) == 5)
            // Not on a Saturday.
            #expect(await service.pass(at: Self.saturday).decided.isEmpty)
            // Not before 07:30 on Tuesday; at 08:00, again, threaded after Monday's.
            #expect(await service.pass(at: Self.tuesday.addingTimeInterval(-3600)).decided.isEmpty)
            let mondayKT = try #require(sink.mails.first { $0.subject.contains("Kinh tế") })
            let tuesday = await service.pass(at: Self.tuesday)
            #expect(tuesday.decided.contains { $0.unitID == "c/kt" })
            let tuesdayKT = try #require(sink.mails.dropFirst(4).first { $0.subject.contains("Kinh tế") })
            #expect(tuesdayKT.in_reply_to == mondayKT.message_id)
            #expect(tuesdayKT.references == "<thread.c_kt@bacbinh.example> \(mondayKT.message_id)")
            // K5 was completed on Monday afternoon: listed as done, no longer overdue.
            #expect(
                tuesdayKT.text.contains(
                    "ĐÃ HOÀN THÀNH từ lần nhắc trước (1)\n- [K5] Mục II.5: Hoàn thành sau lần nhắc đầu — hoàn thành 15/06/2026 14:00"))
            #expect(tuesdayKT.subject == "[chiso] Phòng Kinh tế: 2 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn, 1 nhiệm vụ đã hoàn thành")
        }
    }

    /// One query per fact: a unit's overdue tasks, overdue dossiers and late dossiers without an
    /// apology are the same on the page (and in the metrics) as in its mail.
    @Test func thePageAndTheMailCountTheSameTasksAndDossiers() async throws {
        try await withAlerts { service, _, client, schema, _ in
            let source = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let snapshot = Evaluator(catalogue: .builtIn, calendar: Self.calendar).evaluate(
                try await source.loadInputs(asOf: Self.monday, calendar: Self.calendar), asOf: Self.monday, refreshedAt: Self.monday)
            let seen = Mutex<AlertInputs?>(nil)
            let window = AlertReadWindow(asOf: Self.monday, policy: service.settings.policy, calendar: Self.calendar)
            let recorded = try await service.outbox.decide(window, record: false) { inputs, _ in
                seen.withLock { $0 = inputs }
                return []
            }
            #expect(recorded.isEmpty)
            let inputs = try #require(seen.withLock { $0 })
            // Hand-worked in alerts.sql: c/vh has V1 overdue; V1 and V2 are late without an apology.
            #expect(inputs.overdueDossiers["c/vh"] == 1)
            #expect(snapshot.dossiersOverdueByUnit["c/vh"] == 1)
            #expect(inputs.lateWithoutApology["c/vh"] == 2)
            let year = try #require(snapshot.result("late_dossiers_apologised", unit: "c/vh", period: .year))
            #expect(year.tally.denominator - year.tally.numerator == 2)
            let today = Self.calendar.localDate(of: Self.monday)
            #expect(Set(inputs.openTasks.filter { $0.dueDate < today }.map(\.id)) == Set(snapshot.overdueTasks.map(\.task.id)))
            #expect(Set(snapshot.overdueTasks.map(\.task.id)) == ["K1", "K2", "K5", "A1", "B1", "L1"])
        }
    }

    @Test func aDigestDecidedBeforeACrashIsSentOnceAfterTheRestart() async throws {
        try await withAlerts { service, sink, client, schema, _ in
            // The process decides (outbox rows committed) and dies before delivering.
            let decided = try await service.decide(at: Self.monday, record: true)
            #expect(decided.count == 5)
            #expect(sink.mails.isEmpty)
            // The restarted process delivers them, exactly once, and does not decide again.
            let restarted = await service.pass(at: Self.monday.addingTimeInterval(60))
            #expect(restarted.decided.isEmpty)
            #expect(sink.mails.count == 4)
            await service.pass(at: Self.monday.addingTimeInterval(120))
            #expect(sink.mails.count == 4)
            #expect(try await Self.count(client, schema, where: "status = 'sent'") == 4)
            // A claim abandoned by a crash while sending is retaken once it has expired.
            try await client.query(
                PostgresQuery(
                    unsafeSQL:
                        #"UPDATE "\#(schema.rawValue)".chiso_alert_outbox SET status = 'sending', claimed_until = '2026-06-15 08:03+07', sent_at = NULL WHERE unit_id = 'c/ca'"#
                ))
            #expect(await service.pass(at: Self.monday.addingTimeInterval(150)).delivered.isEmpty, "the claim still holds")
            #expect(await service.pass(at: Self.monday.addingTimeInterval(240)).delivered == ["c/ca"])
        }
    }

    @Test func aFailingHookIsRetriedWithBackoffThenMarkedFailed() async throws {
        try await withAlerts(["CHISO_ALERT_COMMAND": "/bin/sh -c 'echo refused by the relay >&2; exit 1'", "CHISO_ALERT_WEBHOOK_URL": ""]) {
            service, sink, client, schema, metrics in
            let first = await service.pass(at: Self.monday)
            #expect(first.failed.sorted() == ["c/bad", "c/ca", "c/kt", "c/vh"])
            let row = try await client.query(
                PostgresQuery(
                    unsafeSQL:
                        #"SELECT status, attempts, last_error, next_attempt_at FROM "\#(schema.rawValue)".chiso_alert_outbox WHERE unit_id = 'c/kt'"#)
            )
            for try await (status, attempts, error, next) in row.decode((String, Int, String?, Date).self) {
                #expect(status == "pending")
                #expect(attempts == 1)
                #expect(error == "/bin/sh exited with status 1: refused by the relay")
                #expect(next == Self.monday.addingTimeInterval(60))
            }
            // Not before the retry time; then the second attempt (backoff doubles: 120 s), then the third and last.
            #expect(await service.pass(at: Self.monday.addingTimeInterval(30)).failed.isEmpty)
            #expect(await service.pass(at: Self.monday.addingTimeInterval(60)).failed.count == 4)
            #expect(await service.pass(at: Self.monday.addingTimeInterval(120)).failed.isEmpty)
            #expect(await service.pass(at: Self.monday.addingTimeInterval(180)).failed.count == 4)
            #expect(try await Self.count(client, schema, where: "status = 'failed' AND attempts = 3") == 4)
            #expect(await service.pass(at: Self.monday.addingTimeInterval(3600)).failed.isEmpty, "failed for good: no more attempts")
            #expect(sink.mails.isEmpty)
            #expect(String(decoding: metrics.render().bytes, as: UTF8.self).contains(#"chiso_alerts_failed_total{kind="mail"} 12"#))
            let summary = try await service.outbox.summary(now: Self.monday, calendar: Self.calendar)
            #expect(summary.problems.filter { $0.status == .failed }.count == 4)
        }
    }

    @Test func aHangingHookIsStoppedAtItsTimeout() async throws {
        try await withAlerts(["CHISO_ALERT_COMMAND": "sleep 60", "CHISO_ALERT_TIMEOUT": "1", "CHISO_ALERT_WEBHOOK_URL": ""]) {
            service, _, client, schema, _ in
            let report = await service.pass(at: Self.monday)
            #expect(report.failed.count == 4)
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: #"SELECT last_error FROM "\#(schema.rawValue)".chiso_alert_outbox WHERE unit_id = 'c/kt'"#))
            for try await error in rows.decode(String?.self) {
                #expect(error == "sleep did not finish within 1 s; stopped")
            }
        }
    }

    @Test func thePageAndRefreshKeepWorkingWhileTheHookHangs() async throws {
        try await TestDatabase.withSchema(fixture: "alerts") { _, schema, _ in
            let settings = try await TestDatabase.settings(
                schema: schema.rawValue,
                extra: [
                    "CHISO_AS_OF": "2026-06-15T08:00:00+07:00", "CHISO_LISTEN": "127.0.0.1:0", "CHISO_REFRESH_INTERVAL": "1",
                    "CHISO_ALERT_ENABLED": "true", "CHISO_ALERT_COMMAND": "sleep 60", "CHISO_ALERT_TIMEOUT": "20",
                ])
            let (application, parts) = buildApplication(settings, logger: TestDatabase.logger)
            try await application.test(.router) { client in
                try await waitUntil(client, path: "/readyz", status: .ok)
                // The alert pass is stuck in `sleep 60` for 20 s; refreshes go on meanwhile.
                let before = parts.store.current.lastSuccessAt
                for _ in 0..<100 where parts.store.current.lastSuccessAt == before { try await Task.sleep(for: .milliseconds(100)) }
                #expect(parts.store.current.lastSuccessAt != before, "a refresh completed while the hook hung")
                #expect(try await client.execute(uri: "/", method: .get).status == .ok)
                #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            }
        }
    }
}

/// A real crash: `chiso alerts --once` killed (SIGKILL) while its hook runs, then run again.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AlertCrashTests {
    @Test func aProcessKilledBeforeDeliveringSendsOnceAfterTheRestart() async throws {
        let sink = try MailSink()
        defer { sink.stop() }
        let command = try sink.msmtpCommand()
        try await TestDatabase.withSchema(fixture: "alerts") { client, schema, _ in
            var environment = CommandLineTests.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            environment["CHISO_ALERT_FROM"] = "chiso <chiso@bacbinh.example>"
            // A long timeout: the four claims stay in 'sending' until the test sees them, however
            // busy the machine (a 20 s window was missed under the full suite's load).
            environment["CHISO_ALERT_TIMEOUT"] = "300"
            // First run: decides (the outbox rows commit), then hangs in its hook and is killed.
            var hanging = environment
            hanging["CHISO_ALERT_COMMAND"] = "sleep 601"
            let process = Process()
            process.executableURL = CommandLineTests.binary
            process.arguments = ["alerts", "--once", "--as-of", "2026-06-15T08:00:00+07:00"]
            process.environment = hanging
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-crash-\(UUID().uuidString.prefix(8)).stderr").path
            FileManager.default.createFile(atPath: errPath, contents: nil)
            let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            defer { try? errHandle.close() }
            process.standardError = errHandle
            let started = ContinuousClock.now
            try process.run()
            // Wait until it is delivering (the four deliverable digests claimed), then kill it without warning.
            for _ in 0..<1200 where try await AlertTests.count(client, schema, where: "status = 'sending'") == 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            let claimed = try await AlertTests.count(client, schema, where: "status = 'sending'")
            #expect(claimed == 4, "after \(ReplicaTests.seconds(since: started)) s: \((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // The hook it started lives on in its own process group; stop it too.
            let reaper = Process()
            reaper.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
            reaper.arguments = ["-f", "sleep 601$"]
            try? reaper.run()
            reaper.waitUntilExit()
            #expect(try await AlertTests.count(client, schema) == 5, "decided before the crash")
            #expect(sink.mails.isEmpty)
            // Restart, past the abandoned claim (300 s × 2 + 30 s): each digest goes out once.
            var working = environment
            working["CHISO_ALERT_COMMAND"] = command
            let restart = try await CommandLineTests.run(["alerts", "--once", "--as-of", "2026-06-15T08:11:00+07:00"], environment: working)
            #expect(restart.status == 0, "\(restart.stderr)")
            #expect(sink.mails.count == 4)
            let again = try await CommandLineTests.run(["alerts", "--once", "--as-of", "2026-06-15T08:15:00+07:00"], environment: working)
            #expect(again.status == 0)
            #expect(again.stdout.contains("nothing to send"))
            #expect(sink.mails.count == 4)
            #expect(Set(sink.mails.map(\.message_id)).count == 4)
        }
    }
}

/// `chiso alerts --once --dry-run` prints what would go out and records and sends nothing.
@Suite(.timeLimit(.minutes(2))) struct AlertDryRunTests {
    @Test func aDryRunPrintsTheDigestsAndChangesNothing() async throws {
        try await TestDatabase.withSchema(fixture: "alerts") { client, schema, _ in
            var environment = CommandLineTests.databaseEnvironment
            environment["CHISO_SCHEMA"] = schema.rawValue
            environment["CHISO_ALERT_COMMAND"] = "/bin/false"  // would fail if it were run
            environment["CHISO_ALERT_FROM"] = "chiso <chiso@bacbinh.example>"
            let run = try await CommandLineTests.run(["alerts", "--once", "--dry-run", "--as-of", "2026-06-15T08:00:00+07:00"], environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(
                run.stdout.contains(
                    "=== c/kt (pending)\nFrom: chiso <chiso@bacbinh.example>\nTo: kinhte@bacbinh.example\nCc: truongphong.kt@bacbinh.example, vhxh@bacbinh.example\n"
                ))
            #expect(run.stdout.contains("Subject (decoded): [chiso] Phòng Kinh tế: 3 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn"))
            #expect(run.stdout.contains("- [K2] Mục II.2: x  Bcc: attacker@example.com\n  Hạn: 01/06/2026 — quá hạn 14 ngày — ĐÃ BÁO CÁO LÃNH ĐẠO"))
            #expect(run.stdout.contains("=== lonely (undeliverable)"))
            #expect(try await AlertTests.count(client, schema) == 0, "a dry run records nothing")
            // Saturday: nothing is due.
            let saturday = try await CommandLineTests.run(
                ["alerts", "--once", "--dry-run", "--as-of", "2026-06-20T08:00:00+07:00"], environment: environment)
            #expect(saturday.stdout.hasPrefix("no digests at 2026-06-20T08:00:00+07:00: not a working day or before 07:30"))
        }
    }
}

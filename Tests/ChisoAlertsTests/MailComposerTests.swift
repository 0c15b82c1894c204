import ChisoAlerts
import ChisoCore
import Foundation
import Testing

/// The message itself: encodings, threading, and that no text from the database reaches a header raw.
@Suite struct MailComposerTests {
    let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)

    func digest(title: String, unitName: String = "Phòng Kinh tế", previous: String? = nil) -> Digest {
        let unit = Unit(id: "c/kt", parentID: "c", name: unitName, kind: "department", alertEmail: "kt@x.vn")
        let task = OpenTask(
            id: "K1", planRef: "II.1", title: title, leadUnitID: "c/kt", monitoringUnitID: nil, dueDate: LocalDate(year: 2026, month: 6, day: 1))
        return Digest(
            unit: unit, localDay: LocalDate(year: 2026, month: 6, day: 15), decidedAt: calendar.parseInstant("2026-06-15T08:00:00+07:00")!,
            to: ["kt@x.vn"], cc: [], overdue: [Digest.Line(task: task, days: 14, escalated: true)], dueSoon: [], completed: [],
            overdueDossiers: 0, lateWithoutApology: 0, previousMessageID: previous)
    }

    var composer: MailComposer { MailComposer(sender: MailComposer.Sender("chiso <chiso@x.vn>")!, calendar: calendar, token: { "tok" }) }

    func headers(_ message: String) -> [String] {
        let head = message.components(separatedBy: "\r\n\r\n")[0]
        // Unfold continuation lines, then one header per line.
        return head.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n")
    }

    @Test func headersOfADigest() {
        let mail = composer.compose(digest(title: "Rà soát", previous: "<digest.c_kt.2026-06-12.abc@x.vn>"))
        let lines = headers(mail.message)
        #expect(lines.contains("From: chiso <chiso@x.vn>"))
        #expect(lines.contains("To: kt@x.vn"))
        #expect(lines.contains("Date: Mon, 15 Jun 2026 08:00:00 +0700"))
        #expect(lines.contains("Message-ID: <digest.c_kt.2026-06-15.tok@x.vn>"))
        #expect(lines.contains("In-Reply-To: <digest.c_kt.2026-06-12.abc@x.vn>"))
        #expect(lines.contains("References: <thread.c_kt@x.vn> <digest.c_kt.2026-06-12.abc@x.vn>"))
        #expect(lines.contains("MIME-Version: 1.0"))
        #expect(lines.contains { $0.hasPrefix("Subject: =?UTF-8?B?") })
        #expect(mail.subject == "[chiso] Phòng Kinh tế: 1 nhiệm vụ quá hạn")
        // Every line of the message is short and CRLF-terminated (RFC 5322: at most 998 characters).
        #expect(mail.message.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 && !$0.contains("\n") })
    }

    @Test func dossiersAreNamedUpToTheLimitThenCounted() throws {
        var d = digest(title: "Rà soát")
        let due = calendar.parseInstant("2026-06-10T17:00:00+07:00")!
        d.overdueDossiers = 25
        d.overdueDossierLines = (1...20).map {
            DossierLine(code: "D\($0)", procedure: "Khai sinh", receivedAt: due.addingTimeInterval(-86_400 * 3), dueAt: due)
        }
        let mail = composer.compose(d)
        let body = try #require(mail.message.components(separatedBy: "\r\n\r\n").dropFirst(2).first)
        let text = String(
            decoding: try #require(Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "").components(separatedBy: "--").first ?? "")),
            as: UTF8.self)
        #expect(text.contains("- Hồ sơ quá hạn chưa giải quyết: 25\n  · D1 (Khai sinh), hẹn trả 10/06/2026 17:00, quá hạn 5 ngày\n"))
        #expect(text.contains("  · D20 (Khai sinh)"))
        #expect(text.contains("  … và 5 hồ sơ khác\n"))
        #expect(mail.subject == "[chiso] Phòng Kinh tế: 1 nhiệm vụ quá hạn, 25 hồ sơ quá hạn")
    }

    @Test func theDigestLinksTheUnitsPage() throws {
        let linked = MailComposer(
            sender: MailComposer.Sender("chiso <chiso@x.vn>")!, calendar: calendar, pageURL: "https://chiso.x.vn/", token: { "tok" })
        let mail = linked.compose(digest(title: "Rà soát"))
        let parts = mail.message.components(separatedBy: "\r\n\r\n")
        let text = String(
            decoding: try #require(
                Data(base64Encoded: parts[2].replacingOccurrences(of: "\r\n", with: "").components(separatedBy: "--").first ?? "")), as: UTF8.self)
        #expect(text.contains("Xem chi tiết trên trang chỉ số: https://chiso.x.vn/?unit=c%2Fkt\n"))
        #expect(MailComposer.unitLink(base: "https://chiso.x.vn", unitID: "a b/c") == "https://chiso.x.vn/?unit=a%20b%2Fc")
        #expect(MailComposer.unitLink(base: "https://x.vn/?lang=vi", unitID: "u") == "https://x.vn/?lang=vi&unit=u")
    }

    @Test func encodedWordsStayShortAndWhole() {
        let words = MailComposer.encodedWords(String(repeating: "Nhiệm vụ quá hạn ", count: 10))
        #expect(words.count > 1)
        for word in words {
            #expect(word.count <= 75)
            let inner = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            #expect(Data(base64Encoded: String(inner)).flatMap { String(data: $0, encoding: .utf8) } != nil, "a word splits a character")
        }
    }

    @Test func noHeaderInjectionFromTitlesOrNames() {
        let mail = composer.compose(digest(title: "x\r\nBcc: attacker@example.com", unitName: "Tổ\r\nBcc: attacker@example.com"))
        let lines = headers(mail.message)
        #expect(!lines.contains { $0.lowercased().hasPrefix("bcc:") })
        #expect(!mail.message.contains("attacker@example.com"), "raw text from the database only travels encoded")
        #expect(
            lines.filter { $0.contains(":") }.map { String($0.split(separator: ":")[0]) } == [
                "From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted", "Content-Language", "MIME-Version",
                "Content-Type",
            ])
    }

    @Test func senderParsing() {
        #expect(MailComposer.Sender("chiso@x.vn")?.address == "chiso@x.vn")
        #expect(MailComposer.Sender("UBND xã <ubnd@x.vn>")?.name == "UBND xã")
        #expect(MailComposer.Sender("a@x.vn\r\nBcc: b@y.vn") == nil)
        #expect(MailComposer.Sender("not an address") == nil)
    }

    @Test func commandLinesSplitWithoutAShell() throws {
        #expect(try CommandWords.split("/usr/sbin/sendmail -t -i") == ["/usr/sbin/sendmail", "-t", "-i"])
        #expect(
            try CommandWords.split(#"msmtp -C '/etc/chiso/msmtp rc' -t "a\"b" $HOME;x"#) == [
                "msmtp", "-C", "/etc/chiso/msmtp rc", "-t", "a\"b", "$HOME;x",
            ])
        #expect(throws: CommandWords.Invalid.self) { try CommandWords.split("msmtp 'unterminated") }
        #expect(throws: CommandWords.Invalid.self) { try CommandWords.split("   ") }
    }

    @Test func webhookSignatureIsHMACSHA256() {
        // RFC 4231 test case 2.
        #expect(
            WebhookHook.signature("what do ya want for nothing?", secret: "Jefe")
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}

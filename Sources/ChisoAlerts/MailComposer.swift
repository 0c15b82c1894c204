import ChisoCore
import ChisoPresentation
import Foundation
import Mustache

/// Makes a digest into an RFC 5322 message: UTF-8, subject as RFC 2047 encoded words,
/// `multipart/alternative` (text and HTML from `static/digest.*.mustache`), threaded per unit.
///
/// Header safety: every header value is built here from validated addresses (`MailAddress`),
/// chiso's own identifiers and encoded words; text from the database reaches headers only inside
/// an encoded word (the subject) after control characters are removed, and the bodies only as
/// base64. A task title can therefore never add or alter a header.
public struct MailComposer: Sendable {
    public struct Sender: Sendable, Equatable {
        public var name: String?
        public var address: String

        /// Parses `addr@domain` or `Name <addr@domain>`; nil when it is anything else.
        public init?(_ text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.contains(where: { $0.isNewline || $0 == "\0" }) { return nil }
            if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
                let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
                let name = trimmed[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                guard MailAddress.isValid(address), !name.contains(where: { "<>\"".contains($0) }) else { return nil }
                self.name = name.isEmpty ? nil : name
                self.address = address
            } else {
                guard MailAddress.isValid(trimmed) else { return nil }
                self.name = nil
                self.address = trimmed
            }
        }

        var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

        var header: String {
            guard let name else { return address }
            let encoded =
                name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "-") }
                ? name : MailComposer.encodedWords(name).joined(separator: " ")
            return "\(encoded) <\(address)>"
        }
    }

    public let sender: Sender
    public let calendar: PlanCalendar
    /// The status page's public address (`alerts.page_url`): each digest links its unit's page.
    public let pageURL: String?
    /// Random part of Message-IDs and MIME boundaries (injected: tests fix it).
    public let token: @Sendable () -> String

    public init(
        sender: Sender, calendar: PlanCalendar, pageURL: String? = nil, token: @escaping @Sendable () -> String = { MailComposer.randomToken() }
    ) {
        self.sender = sender
        self.calendar = calendar
        self.pageURL = pageURL
        self.token = token
    }

    public static func randomToken() -> String {
        (0..<12).map { _ in String("abcdefghijklmnopqrstuvwxyz0123456789".randomElement()!) }.joined()
    }

    static let textTemplate = template(PackageResources.digest_txt_mustache, "digest.txt.mustache")
    static let htmlTemplate = template(PackageResources.digest_html_mustache, "digest.html.mustache")

    static func template(_ bytes: [UInt8], _ name: String) -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: String(decoding: bytes, as: UTF8.self))
        } catch {
            preconditionFailure("static/\(name) does not parse: \(error)")
        }
    }

    // MARK: - The view the templates see

    struct Line {
        let id: String, planRef: String?, title: String, due: String, days: String, escalated: Bool
    }
    struct Done { let id: String, planRef: String?, title: String, done: String }
    struct DossierView { let code: String, procedure: String, received: String, due: String, days: String }
    struct View {
        let unitName: String, subject: String, year: String, day: String
        let overdue: [Line], hasOverdue: Bool, overdueCount: String
        let dueSoon: [Line], hasDueSoon: Bool, dueSoonCount: String
        let completed: [Done], hasCompleted: Bool, completedCount: String
        let hasDossiers: Bool, overdueDossiers: String, lateWithoutApology: String
        let overdueDossierLines: [DossierView], moreOverdueDossiers: String?
        let unapologisedLines: [DossierView], moreUnapologised: String?
        let link: String?
    }
    struct Document { let d: View }

    /// Control characters (CR, LF, tabs …) become spaces: a title is one line wherever it goes.
    static func oneLine(_ text: String) -> String {
        String(text.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : Character($0) })
    }

    /// The subject: "[chiso] Phòng Kinh tế: 3 nhiệm vụ quá hạn".
    public static func subject(_ digest: Digest) -> String {
        var parts: [String] = []
        if !digest.overdue.isEmpty { parts.append("\(digest.overdue.count) nhiệm vụ quá hạn") }
        if !digest.dueSoon.isEmpty { parts.append("\(digest.dueSoon.count) nhiệm vụ sắp đến hạn") }
        if digest.overdueDossiers > 0 { parts.append("\(digest.overdueDossiers) hồ sơ quá hạn") }
        if digest.lateWithoutApology > 0 { parts.append("\(digest.lateWithoutApology) hồ sơ trễ hạn chưa xin lỗi") }
        if !digest.completed.isEmpty { parts.append("\(digest.completed.count) nhiệm vụ đã hoàn thành") }
        return "[chiso] \(oneLine(digest.unit.name)): " + parts.joined(separator: ", ")
    }

    public func compose(_ digest: Digest) -> ComposedMail {
        let lang = Format.Language.vi
        let slug = SiteLayout(units: [digest.unit]).slugs[digest.unit.id] ?? "unit"
        let subject = Self.subject(digest)
        func dossier(_ line: DossierLine) -> DossierView {
            let today = calendar.localDate(of: digest.decidedAt)
            let days = line.dueAt.map { max(0, calendar.localDate(of: $0).days(until: today)) } ?? 0
            return DossierView(
                code: Self.oneLine(line.code), procedure: Self.oneLine(line.procedure),
                received: Format.dateTime(line.receivedAt, calendar: calendar, lang),
                due: line.dueAt.map { Format.dateTime($0, calendar: calendar, lang) } ?? "—", days: Format.integer(days, lang))
        }
        func more(_ total: Int, shown: Int) -> String? {
            total > shown ? "… và \(Format.integer(total - shown, lang)) hồ sơ khác" : nil
        }
        func line(_ entry: Digest.Line) -> Line {
            Line(
                id: Self.oneLine(entry.task.id), planRef: entry.task.planRef.map(Self.oneLine), title: Self.oneLine(entry.task.title),
                due: Format.date(entry.task.dueDate, lang), days: Format.integer(entry.days, lang), escalated: entry.escalated)
        }
        let view = View(
            unitName: Self.oneLine(digest.unit.name), subject: subject, year: String(digest.localDay.year),
            day: Format.date(digest.localDay, lang),
            overdue: digest.overdue.map(line), hasOverdue: !digest.overdue.isEmpty, overdueCount: Format.integer(digest.overdue.count, lang),
            dueSoon: digest.dueSoon.map(line), hasDueSoon: !digest.dueSoon.isEmpty, dueSoonCount: Format.integer(digest.dueSoon.count, lang),
            completed: digest.completed.map {
                Done(
                    id: Self.oneLine($0.id), planRef: $0.planRef.map(Self.oneLine), title: Self.oneLine($0.title),
                    done: Format.dateTime($0.doneAt, calendar: calendar, lang))
            },
            hasCompleted: !digest.completed.isEmpty, completedCount: Format.integer(digest.completed.count, lang),
            hasDossiers: digest.overdueDossiers > 0 || digest.lateWithoutApology > 0,
            overdueDossiers: Format.integer(digest.overdueDossiers, lang), lateWithoutApology: Format.integer(digest.lateWithoutApology, lang),
            overdueDossierLines: digest.overdueDossierLines.map(dossier),
            moreOverdueDossiers: more(digest.overdueDossiers, shown: digest.overdueDossierLines.count),
            unapologisedLines: digest.unapologisedDossierLines.map(dossier),
            moreUnapologised: more(digest.lateWithoutApology, shown: digest.unapologisedDossierLines.count),
            link: pageURL.map { Self.unitLink(base: $0, unitID: digest.unit.id) })
        let text = Self.textTemplate.render(Document(d: view))
        let html = Self.htmlTemplate.render(Document(d: view))

        let domain = sender.domain
        let random = token()
        let messageID = "<digest.\(slug).\(digest.localDay).\(random)@\(domain)>"
        let threadRoot = "<thread.\(slug)@\(domain)>"
        let boundary = "chiso-\(random)-\(slug.count)"
        var headers: [(String, String)] = [
            ("From", sender.header),
            ("To", digest.to.joined(separator: ", ")),
        ]
        if !digest.cc.isEmpty { headers.append(("Cc", digest.cc.joined(separator: ", "))) }
        headers += [
            ("Subject", Self.encodedWords(subject).joined(separator: "\r\n ")),
            ("Date", Self.rfc5322Date(digest.decidedAt, timeZone: calendar.timeZone)),
            ("Message-ID", messageID),
            ("In-Reply-To", digest.previousMessageID ?? threadRoot),
            ("References", [threadRoot, digest.previousMessageID].compactMap { $0 }.joined(separator: " ")),
            ("Auto-Submitted", "auto-generated"),
            ("Content-Language", "vi"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""),
        ]
        var message = headers.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n") + "\r\n\r\n"
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            message += "--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            message += Self.base64Lines(Data(body.utf8)) + "\r\n"
        }
        message += "--\(boundary)--\r\n"
        return ComposedMail(
            messageID: messageID, subject: subject, to: digest.to, cc: digest.cc, message: message,
            payload: Self.payload(digest, messageID: messageID, subject: subject))
    }

    /// `https://chiso.example/?unit=bac-binh%2Fkt`: the unit's page on the served status page.
    public static func unitLink(base: String, unitID: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let id = unitID.addingPercentEncoding(withAllowedCharacters: allowed) ?? unitID
        let separator = base.contains("?") ? "&" : (base.hasSuffix("/") ? "?" : "/?")
        return base + separator + "unit=" + id
    }

    // MARK: - Encodings

    /// RFC 2047 "B" encoded words of at most 75 characters, never splitting a UTF-8 character.
    public static func encodedWords(_ text: String) -> [String] {
        let prefix = "=?UTF-8?B?", suffix = "?="
        let maxBytes = 45  // 45 bytes → 60 base64 characters; with the 12 around them, 72 ≤ 75
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > maxBytes, !chunk.isEmpty {
                words.append(prefix + chunk.base64EncodedString() + suffix)
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append(prefix + chunk.base64EncodedString() + suffix) }
        return words
    }

    static func base64Lines(_ data: Data) -> String {
        let text = data.base64EncodedString()
        var lines: [Substring] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 76, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(text[index..<end])
            index = end
        }
        return lines.joined(separator: "\r\n")
    }

    /// `Mon, 30 Nov 2026 07:30:00 +0700`.
    public static func rfc5322Date(_ date: Date, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// The digest as JSON, for the webhook.
    static func payload(_ digest: Digest, messageID: String, subject: String) -> String {
        func line(_ entry: Digest.Line, daysKey: String) -> [String: Any] {
            var object: [String: Any] = [
                "id": entry.task.id, "title": entry.task.title, "due_date": entry.task.dueDate.description, daysKey: entry.days,
            ]
            object["plan_ref"] = entry.task.planRef ?? NSNull()
            if daysKey == "days_overdue" { object["escalated"] = entry.escalated }
            return object
        }
        let object: [String: Any] = [
            "message_id": messageID, "unit": digest.unit.id, "unit_name": digest.unit.name,
            "local_day": digest.localDay.description, "subject": subject, "to": digest.to, "cc": digest.cc,
            "overdue_tasks": digest.overdue.map { line($0, daysKey: "days_overdue") },
            "due_soon_tasks": digest.dueSoon.map { line($0, daysKey: "days_left") },
            "completed_tasks": digest.completed.map { ["id": $0.id, "title": $0.title, "plan_ref": $0.planRef ?? NSNull()] as [String: Any] },
            "overdue_dossiers": digest.overdueDossiers, "late_without_apology": digest.lateWithoutApology,
            "overdue_dossier_codes": digest.overdueDossierLines.map(\.code),
            "unapologised_dossier_codes": digest.unapologisedDossierLines.map(\.code),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

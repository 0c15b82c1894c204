import Foundation

/// Turns the plan's deadline phrases ("Thời gian hoàn thành") into due dates, by rules kept in
/// this one place. A phrase no rule covers is an error, never a guess.
///
/// Rules, in the order they are tried (phrases compared in lower case, tags and extra spaces removed):
/// 1. "định kỳ hằng tháng" → one milestone per month of the plan year, due on its last day.
/// 2. "theo …" / "sau … kể từ …" (set by another document: a province plan, a decision, a central
///    guideline) → no due date here, marked `external`: chiso cannot know the date (a date inside,
///    "quyết định … ngày 17/10/2025", dates the document, not the task); it is tracked when the
///    province assigns it (source `province`).
/// 3. Every date expression, in reading order, is a milestone:
///    "ngày 15/01/2026" → 2026-01-15; "tháng 01/2026", "tháng 9/2026" → the month's last day;
///    "trước ngày 31/01 năm liền kề" → 31/01 of the year after the plan year;
///    "trong năm 2026" → 2026-12-31.
///    Several expressions ("ban hành … trong tháng 01/2026, kiểm tra … trong tháng 6/2026") give one
///    milestone each, labelled with the clause they close.
/// 4. "thường xuyên" (continuous through the year) → no due date: never overdue.
public enum DeadlineRules {
    public struct Milestone: Sendable, Equatable {
        /// nil: no due date (continuous, or set by another document).
        public var dueDate: LocalDate?
        /// The part of the phrase this milestone stands for (for task titles of multi-milestone rows).
        public var label: String
        public var kind: Kind

        public enum Kind: String, Sendable, Equatable { case dated, continuous, external }

        public init(dueDate: LocalDate?, label: String, kind: Kind) {
            self.dueDate = dueDate
            self.label = label
            self.kind = kind
        }
    }

    public struct UnknownPhrase: Error, Equatable, CustomStringConvertible {
        public var phrase: String
        public init(phrase: String) { self.phrase = phrase }
        public var description: String { "no deadline rule covers '\(phrase)'" }
    }

    public static func milestones(for phrase: String, planYear: Int) throws(UnknownPhrase) -> [Milestone] {
        let text = normalise(phrase)
        if text.contains("định kỳ hằng tháng") {
            return (1...12).map { month in
                Milestone(dueDate: lastDay(month: month, year: planYear), label: "tháng \(month)/\(planYear)", kind: .dated)
            }
        }
        // Before dates: "theo … quyết định số … ngày 17/10/2025" dates the decision, not the task.
        if text.hasPrefix("theo ") || (text.hasPrefix("sau ") && text.contains("kể từ")) {
            return [Milestone(dueDate: nil, label: text, kind: .external)]
        }
        let dated = datedMilestones(in: text, planYear: planYear)
        if !dated.isEmpty { return dated }
        if text.contains("thường xuyên") {
            return [Milestone(dueDate: nil, label: text, kind: .continuous)]
        }
        throw UnknownPhrase(phrase: phrase)
    }

    static func normalise(_ phrase: String) -> String {
        let withoutTags = phrase.replacingOccurrences(of: #"<[^>]*>"#, with: " ", options: .regularExpression)
        return withoutTags.lowercased()
            .split(whereSeparator: { $0.isWhitespace })
            .joined(separator: " ")
            .trimmingCharacters(in: CharacterSet(charactersIn: " .;,"))
    }

    private static func datedMilestones(in text: String, planYear: Int) -> [Milestone] {
        // Each alternative names one kind of date expression; matches are taken in reading order.
        let pattern = /ngày (\d{1,2})\/(\d{1,2})\/(\d{4})|ngày (\d{1,2})\/(\d{1,2}) năm liền kề|tháng (\d{1,2})\/(\d{4})|trong năm (\d{4})/
        var out: [Milestone] = []
        var clauseStart = text.startIndex
        for match in text.matches(of: pattern) {
            let o = match.output
            var due: LocalDate?
            if let d = o.1, let m = o.2, let y = o.3 {
                due = LocalDate(iso: "\(y)-\(pad(m))-\(pad(d))")
            } else if let d = o.4, let m = o.5 {
                due = LocalDate(iso: "\(planYear + 1)-\(pad(m))-\(pad(d))")
            } else if let m = o.6, let y = o.7, let month = Int(m), let year = Int(y), (1...12).contains(month) {
                due = lastDay(month: month, year: year)
            } else if let y = o.8, let year = Int(y) {
                due = LocalDate(year: year, month: 12, day: 31)
            }
            guard let due else { continue }
            let label = String(text[clauseStart..<match.range.upperBound])
                .trimmingCharacters(in: CharacterSet(charactersIn: " ,;").union(.whitespaces))
            let cleaned = label.hasPrefix("và ") ? String(label.dropFirst(3)) : label
            out.append(Milestone(dueDate: due, label: cleaned, kind: .dated))
            clauseStart = match.range.upperBound
        }
        return out
    }

    private static func pad(_ text: Substring) -> String { text.count == 1 ? "0" + text : String(text) }

    private static func lastDay(month: Int, year: Int) -> LocalDate {
        LocalDate(year: year, month: month, day: LocalDate.daysIn(month: month, year: year))
    }
}

import ChisoCore
import Foundation
import Testing

/// One test per deadline phrase of the plan's appendix (shared/seed, "Thời gian hoàn thành").
@Suite struct DeadlineRulesTests {
    func dates(_ phrase: String) throws -> [String?] {
        try DeadlineRules.milestones(for: phrase, planYear: 2026).map { $0.dueDate?.description }
    }

    func kinds(_ phrase: String) throws -> [DeadlineRules.Milestone.Kind] {
        try DeadlineRules.milestones(for: phrase, planYear: 2026).map(\.kind)
    }

    @Test func aFixedDay() throws {
        #expect(try dates("Ban hành kế hoạch chậm nhất là ngày 15/01/2026 và tổ chức thực hiện") == ["2026-01-15"])
    }

    @Test func withinAMonth() throws {
        #expect(try dates("Ban hành kế hoạch trong tháng 01/2026") == ["2026-01-31"])
        #expect(try dates("Ban hành kế hoạch trong tháng 01/2026 và tổ chức thực hiện.") == ["2026-01-31"])
        #expect(
            try dates("Triển khai thực hiện sáng kiến, mô hình, giải pháp và báo cáo kết quả thực hiện chậm nhất trong tháng 9/2026") == [
                "2026-09-30"
            ])
        #expect(try dates("trong tháng 02/2028") == ["2028-02-29"])
    }

    @Test func withinTheYear() throws {
        #expect(try dates("Trong năm 2026") == ["2026-12-31"])
    }

    @Test func continuousThroughTheYearHasNoDueDate() throws {
        for phrase in [
            "Thường xuyên trong năm", "Thực hiện thường xuyên trong năm",
            "Thực hiện thường xuyên khi có yêu cầu của bộ, ngành Trung ương.",
            "Báo cáo định kỳ theo thời gian quy định; thực hiện thường xuyên trong năm",
            "<p>Thường xuyên trong năm</p>",
        ] {
            #expect(try dates(phrase) == [nil], "\(phrase)")
            #expect(try kinds(phrase) == [.continuous], "\(phrase)")
        }
    }

    @Test func monthlyGivesOneMilestonePerMonth() throws {
        let milestones = try DeadlineRules.milestones(for: "Định kỳ hằng tháng", planYear: 2026)
        #expect(milestones.count == 12)
        #expect(milestones.first?.dueDate?.description == "2026-01-31")
        #expect(milestones[1].dueDate?.description == "2026-02-28")
        #expect(milestones.last?.dueDate?.description == "2026-12-31")
    }

    @Test func beforeADayOfTheFollowingYear() throws {
        #expect(try dates("Trước ngày 31/01 năm liền kề") == ["2027-01-31"])
    }

    @Test func severalMilestonesInOnePhrase() throws {
        let milestones = try DeadlineRules.milestones(
            for:
                "Ban hành kế hoạch trong tháng 01/2026, tổ chức kiểm tra chậm nhất trong tháng 6/2026 và báo cáo kết quả khắc phục các tồn tại, hạn chế phát hiện qua kiểm tra chậm nhất trong tháng 8/2026",
            planYear: 2026)
        #expect(milestones.map { $0.dueDate?.description } == ["2026-01-31", "2026-06-30", "2026-08-31"])
        #expect(
            milestones.map(\.label) == [
                "ban hành kế hoạch trong tháng 01/2026",
                "tổ chức kiểm tra chậm nhất trong tháng 6/2026",
                "báo cáo kết quả khắc phục các tồn tại, hạn chế phát hiện qua kiểm tra chậm nhất trong tháng 8/2026",
            ])
    }

    @Test func setByAnotherDocumentHasNoDateHere() throws {
        for phrase in [
            "Theo quy định", "Theo kế hoạch của tỉnh", "Theo hướng dẫn của Trung ương",
            "Theo các mốc thời gian tại Quyết định số 1737/QĐ-UBND ngày 17/10/2025 của Chủ tịch UBND tỉnh",
            "Theo Kế hoạch rà soát, đánh giá thủ tục hành chính năm 2026 của tỉnh",
            "Sau 03 tháng kể từ khi có văn bản của Trung ương hoặc Quyết định liên quan của cơ quan có thẩm quyền",
        ] {
            #expect(try kinds(phrase) == [.external], "\(phrase)")
        }
    }

    @Test func anUncoveredPhraseIsAnError() {
        #expect(throws: DeadlineRules.UnknownPhrase(phrase: "Khi nào xong thì thôi")) {
            try DeadlineRules.milestones(for: "Khi nào xong thì thôi", planYear: 2026)
        }
    }
}

extension DeadlineRulesTests {
    /// Every "Thời gian hoàn thành" of the plan's appendix (shared/seed) is covered by a rule.
    @Test func everyDeadlineOfThePlanIsCovered() throws {
        let plan = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/seed/ke-hoach-cchc-2026-xa-bac-binh.txt")
        let text = try String(contentsOf: plan, encoding: .utf8)
        let appendix = try #require(text.components(separatedBy: "PHỤ LỤC").last)
        let rows = appendix.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
            .filter { $0.count >= 6 && Int($0[0].trimmingCharacters(in: .whitespaces)) != nil }
        #expect(rows.count >= 35)
        var milestones = 0
        for row in rows {
            let phrase = String(row[3])
            #expect(throws: Never.self, "\(phrase)") {
                milestones += try DeadlineRules.milestones(for: phrase, planYear: 2026).count
            }
        }
        #expect(milestones > rows.count)  // the monthly and multi-milestone rows add tasks
    }
}

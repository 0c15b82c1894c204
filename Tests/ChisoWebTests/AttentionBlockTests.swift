import ChisoCore
import ChisoPresentation
import Foundation
import Testing

@testable import ChisoWeb

/// "Cần chỉ đạo" on the fixture of `PageFixture`, every amount by hand; and the year-end line that
/// agrees with its badge.
@Suite struct AttentionBlockTests {
    func view(_ snapshot: Snapshot = PageFixture.snapshot(), _ request: PageRequest = PageRequest()) throws -> StatusPageView {
        try StatusPageModel.build(snapshot, history: PageFixture.history(), request: request, links: .query, staleness: nil)
    }

    /// No-break spaces (between a number and its unit) read as spaces here.
    func plain(_ text: String?) -> String? { text?.replacingOccurrences(of: "\u{00A0}", with: " ") }

    @Test func eachLineSaysWhoLeadsItAndWhatClosesIt() throws {
        let lines = try view().attention.lines
        let hostile = PageFixture.hostile
        #expect(
            lines.map(\.title) == [
                "Tỷ lệ giải ngân kế hoạch đầu tư vốn ngân sách nhà nước", "Hồ sơ trễ hạn có văn bản xin lỗi người dân, tổ chức",
                "Rà soát <quy trình> & \"biểu mẫu\"", "Hồ sơ TTHC được giải quyết trước và đúng hạn", "Văn bản được ký số",
            ])
        // Missed, the biggest gap first: 45 % against over 90 % (45 points), then 20 of 26 letters (23.1 points).
        #expect(lines[0].badge == "Chưa đạt" && lines[0].ref == "I.5")
        #expect(plain(lines[0].figure) == "45 %, mục tiêu > 90 %")
        #expect(plain(lines[0].action) == "còn thiếu 45 điểm %", "a manual figure without a phrase gives the gap")
        #expect(lines[0].lead == "Phòng Kinh tế" && lines[0].leadHref == "?unit=bac-binh%2Fkt", "the one unit of that name is linked")
        // 26 late, 20 with a letter: 6 more letters, all 6 at the hostile unit.
        #expect(plain(lines[1].action) == "cần thêm 6 văn bản xin lỗi; nhiều nhất ở \(hostile): 6")
        #expect(lines[1].lead == "Trung tâm Phục vụ hành chính công" && lines[1].leadHref == nil, "no unit bears the name: text only")
        // The overdue task: due 31/01, as of 15/06: 28 + 31 + 30 + 31 + 15 = 135 days.
        #expect(lines[2].badge == "Quá hạn 135 ngày" && lines[2].ref == "II.11" && lines[2].href == "#nhiem-vu")
        #expect(lines[2].lead == hostile && lines[2].leadHref == "?unit=bac-binh%2Fx")
        // At risk: 1 234 of 1 260 on time; (1 234 + k) / (1 260 + k) >= 98 % from k = 40; 3 of the 4
        // overdue dossiers are at Phòng Kinh tế.
        #expect(lines[3].badge == "Có nguy cơ")
        #expect(plain(lines[3].action) == "cần 40 hồ sơ tiếp theo đều đúng hạn; còn 3 hồ sơ quá hạn tại Phòng Kinh tế")
        // 7 of 10 signed is not over 70 %: the next one signed makes 8 of 11; 3 unsigned at the hostile unit.
        #expect(plain(lines[4].action) == "cần 1 văn bản đi tiếp theo đều được ký số; nhiều nhất ở \(hostile): 3")
        #expect(lines[4].lead == "Văn phòng HĐND và UBND xã")
    }

    @Test func theBlockIsRightUnderTheTilesAndEscaped() throws {
        let html = try StatusPage.render(PageFixture.snapshot(), history: PageFixture.history())
        let tiles = try #require(html.range(of: "<ul class=\"tiles\">"))
        let block = try #require(html.range(of: "<section class=\"attention\" id=\"can-chi-dao\""))
        let panel = try #require(html.range(of: "id=\"qd766\""))
        #expect(tiles.lowerBound < block.lowerBound && block.lowerBound < panel.lowerBound)
        #expect(html.contains("Rà soát &lt;quy trình&gt; &amp; &quot;biểu mẫu&quot;</a>"))
        #expect(!html.contains("<script>alert(1)</script>"))
        // Each card names its lead unit.
        #expect(html.contains("<dt>Chủ trì</dt><dd data-label=\"Chủ trì\">Trung tâm Phục vụ hành chính công</dd>"))
    }

    @Test func nothingToDirectSaysSo() throws {
        var inputs = KPIInputs(units: PageFixture.units)
        inputs.tallies[TallyKey(unitID: "bac-binh/kt", period: .year, indicator: .dossiersOnTime)] = Tally(numerator: 10, denominator: 10)
        let snapshot = Evaluator(catalogue: .builtIn, calendar: PageFixture.calendar).evaluate(
            inputs, asOf: PageFixture.asOf, refreshedAt: PageFixture.asOf)
        let attention = try view(snapshot).attention
        #expect(attention.empty && attention.lines.isEmpty && attention.more == nil)
        #expect(try StatusPage.render(snapshot).contains("Không có chỉ tiêu chưa đạt, có nguy cơ hay nhiệm vụ quá hạn."))
    }

    /// A missed target that can still be made up among the cases counted is never "cannot be met".
    @Test func aFixableTargetSaysTheAmountNotCannotBeMet() throws {
        let card = try #require(try view().sections.flatMap(\.cards).first { $0.id == "late_dossiers_apologised" })
        let projection = try #require(card.projection)
        #expect(plain(projection.requirement) == "Vẫn đạt được nếu bổ sung cho các trường hợp đã có: cần thêm 6 văn bản xin lỗi")
    }

    /// At risk today, yet out of reach for the year: the line says both and why.
    @Test func atRiskButOutOfReachExplainsBoth() throws {
        var inputs = KPIInputs(units: PageFixture.units)
        inputs.tallies[TallyKey(unitID: "bac-binh/kt", period: .year, indicator: .dossiersOnTime)] = Tally(numerator: 950, denominator: 1000)
        let asOf = PageFixture.calendar.parseInstant("2026-12-20T10:00:00+07:00")!
        let snapshot = Evaluator(catalogue: .builtIn, calendar: PageFixture.calendar).evaluate(inputs, asOf: asOf, refreshedAt: asOf)
        let card = try #require(try view(snapshot).sections.flatMap(\.cards).first { $0.id == "dossiers_on_time" })
        #expect(card.statusLabel == "Có nguy cơ")
        // Day 354 of 365: R = 1 000 / 354 × 11 = 31.07 more; even all on time, (950 + 31.07) / 1 031.07 = 95.15 %.
        #expect(
            plain(card.projection?.requirement)
                == "Mục tiêu năm không còn đạt được: dù mọi trường hợp còn lại đều đạt, cả năm tối đa 95,2 %. Thẻ ghi “Có nguy cơ” vì hôm nay số liệu chỉ cách mục tiêu 3 điểm %, trong ngưỡng cảnh báo 5 điểm %"
        )
        #expect(plain(card.projection?.projected) == "95 %")
    }

    /// Every indicator column of every unit, in tables of at most six, and one phone block per unit.
    @Test func unitsTablesHoldEveryIndicatorAndUnit() throws {
        let page = try view()
        let headings = page.unitTables.flatMap(\.headings).map(\.name)
        let rolling = Catalogue.builtIn.indicators.filter {
            $0.source == .computed && ComputedIndicator(rawValue: $0.id)?.rollup != .catalogue
        }
        #expect(headings == rolling.map(\.nameVI))
        #expect(page.unitTables.allSatisfy { $0.headings.count <= 6 && $0.rows.count == 2 })
        #expect(page.unitTables.map(\.withTasks) == [true] + Array(repeating: false, count: page.unitTables.count - 1))
        #expect(page.unitTables.map(\.caption).first == "I.2 Cải cách thủ tục hành chính")
        #expect(page.unitBlocks.map(\.name) == [PageFixture.hostile, "Phòng Kinh tế"], "worst first")
        #expect(page.unitBlocks[0].worst.map(\.name) == ["Xin lỗi", "Ký số"], "missed before at risk")
        #expect(plain(page.unitBlocks[1].overdue) == "Nhiệm vụ quá hạn: 0 · Hồ sơ quá hạn: 3")
    }

    /// The trend line is labelled (first and last value, the target); a line flat all year is left out.
    @Test func trendLinesAreLabelledOrLeftOut() throws {
        let card = try #require(try view().sections.flatMap(\.cards).first { $0.id == "dossiers_on_time" })
        let spark = try #require(card.spark)
        // PageFixture's history: 400 of 410 on 01/03, 800 of 810 on 01/05.
        #expect(plain(spark.firstLabel) == "01/03: 97,6 %" && plain(spark.lastLabel) == "01/05: 98,8 %")
        #expect(plain(spark.targetLabel) == "mục tiêu ≥ 98 % (- - -)")
        var history = TrendHistory()
        for month in [2, 3, 4] {
            history.append(
                indicator: "dossiers_on_time", unit: "bac-binh",
                point: HistoryPoint(day: LocalDate(year: 2026, month: month, day: 1), numerator: 50, denominator: 50))
        }
        let flat = try StatusPageModel.build(PageFixture.snapshot(), history: history, request: PageRequest(), links: .query, staleness: nil)
        #expect(flat.sections.flatMap(\.cards).first { $0.id == "dossiers_on_time" }?.spark == nil)
    }
}

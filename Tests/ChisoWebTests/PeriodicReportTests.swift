import ChisoCore
import ChisoPresentation
import Foundation
import Testing

@testable import ChisoWeb

/// The periodic report (plan IV.1.c) of `PageFixture`'s commune, by hand.
@Suite struct PeriodicReportTests {
    static func snapshot() -> Snapshot {
        var snapshot = PageFixture.snapshot()
        snapshot.planTasks = [
            PlanTaskCount(unitID: "bac-binh/kt", period: .quarter, section: "II", due: 3, doneOnTime: 1, doneLate: 1, overdue: 1),
            PlanTaskCount(unitID: "bac-binh/x", period: .quarter, section: "I", due: 2, doneOnTime: 2),
            PlanTaskCount(unitID: "bac-binh/kt", period: .year, section: "II", due: 9, doneOnTime: 9),
        ]
        return snapshot
    }

    func plain(_ text: String) -> String { text.replacingOccurrences(of: "\u{00A0}", with: " ") }

    @Test func theReportHasTheFormOfAnOfficeReport() throws {
        let view = try PeriodicReport.view(Self.snapshot(), period: .quarter, .vi)
        #expect(view.committee == "ỦY BAN NHÂN DÂN" && view.unitName == "XÃ BẮC BÌNH")
        #expect(view.placeDate == "Bắc Bình, ngày 15 tháng 06 năm 2026")
        #expect(view.title == "BÁO CÁO" && view.subtitle == "Kết quả thực hiện công tác cải cách hành chính quý 2 năm 2026")
        #expect(plain(view.periodLine) == "Số liệu từ ngày 01/04/2026 đến 15/06/2026 10:00")
        #expect(view.signer == "CHỦ TỊCH" && view.recipients.first == "- Sở Nội vụ tỉnh;")
    }

    @Test func everyTargetIsInTheResultsTable() throws {
        let view = try PeriodicReport.view(Self.snapshot(), period: .quarter, .vi)
        let rows = view.targetGroups.flatMap(\.rows)
        #expect(rows.count == Catalogue.builtIn.indicators.count)
        #expect(rows.map(\.number) == (1...rows.count).map { "\($0)" })
        // The quarter's on-time figure: 300 of 301 (99,7 %), met against ≥ 98 %.
        let onTime = try #require(rows.first { $0.name == "Hồ sơ TTHC được giải quyết trước và đúng hạn" })
        #expect(plain(onTime.result) == "99,7 %" && plain(onTime.counts) == "300 / 301" && onTime.verdict == "Đạt")
        #expect(view.targetGroups.map(\.ref) == ["I.1", "I.2", "I.3", "I.4", "I.5", "I.6", "II"])
    }

    @Test func tasksBySectionAndLeadUnitThenTheTotal() throws {
        let view = try PeriodicReport.view(Self.snapshot(), period: .quarter, .vi)
        #expect(
            view.tasks.map { "\($0.section) | \($0.lead) | \($0.due) \($0.onTime) \($0.late) \($0.overdue)" } == [
                "I. Cải cách thể chế | \(PageFixture.hostile) | 2 2 0 0",
                "II. Cải cách thủ tục hành chính | Phòng Kinh tế | 3 1 1 1",
                "Tổng |  | 5 3 1 1",
            ])
        #expect(view.tasks.map(\.total) == [false, false, true])
        // The month has none.
        let month = try PeriodicReport.view(Self.snapshot(), period: .month, .vi)
        #expect(month.tasks.isEmpty && !month.hasTasks)
    }

    @Test func dossiersPerUnitThenTheTotal() throws {
        let rows = try PeriodicReport.view(Self.snapshot(), period: .quarter, .vi).dossiers
        // Quarter: 301 handled at Phòng Kinh tế, 300 on time, 1 late; overdue now 3 there and 1 at the other.
        #expect(
            rows.map { "\($0.unit): \($0.processed) \($0.onTime) \($0.late) \($0.apologised) \($0.overdueNow)" } == [
                "Phòng Kinh tế: 301 300 1 0 3", "\(PageFixture.hostile): 0 0 0 0 1", "Tổng: 301 300 1 0 4",
            ])
    }

    @Test func theHTMLIsEscapedAndPrintsAsADocument() throws {
        let html = try ReportPage.render(Self.snapshot(), period: .quarter)
        #expect(html.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") && html.contains("Độc lập - Tự do - Hạnh phúc"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"))
        #expect(!html.contains("<script>"))
        #expect(throws: PeriodicReport.Failure.unknownUnit("nope")) { try ReportPage.render(Self.snapshot(), period: .year, unitID: "nope") }
    }

    @Test func theCSVIsForExcel() throws {
        let csv = try PeriodicReport.csv(Self.snapshot(), period: .quarter)
        #expect(csv.hasPrefix("\u{FEFF}unit_id;unit;period;from;as_of\r\nbac-binh;Xã Bắc Bình;quarter;2026-04-01;2026-06-15T10:00:00+07:00\r\n"))
        #expect(csv.contains("\r\nI.2;dossiers_on_time;Hồ sơ TTHC được giải quyết trước và đúng hạn;>=;0.98;300;301;0.9967;met\r\n"))
        // A name with a quote is quoted, its quotes doubled.
        #expect(csv.contains("\r\nI;bac-binh/x;\"<script>alert(1)</script> & \"\"x\"\"\";2;2;0;0\r\n"))
        #expect(csv.contains("\r\nbac-binh;Xã Bắc Bình;0;301;300;1;0;4\r\n"))
        let vi = try PeriodicReport.csv(Self.snapshot(), period: .quarter, numbers: .vi)
        #expect(vi.contains(";>=;0,98;300;301;0,9967;met\r\n"))
    }
}

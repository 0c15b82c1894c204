import ChisoCore
import ChisoPresentation
import Foundation
import Testing

@Suite struct FormattingTests {
    @Test func vietnameseNumbers() {
        #expect(Format.percent(0.985, .vi) == "98,5\u{00A0}%")
        #expect(Format.percent(1, .vi) == "100\u{00A0}%")
        #expect(Format.percent(0.7, .vi) == "70\u{00A0}%")
        #expect(Format.percent(0.985, .en) == "98.5\u{00A0}%")
        #expect(Format.integer(1234, .vi) == "1.234")
        #expect(Format.integer(1234567, .en) == "1,234,567")
        #expect(Format.integer(12, .vi) == "12")
        #expect(Format.date(LocalDate(year: 2026, month: 6, day: 15), .vi) == "15/06/2026")
        #expect(Format.count(Decimal(string: "12.5")!, .vi) == "12,5")
    }

    @Test func targetsReadAsThePlanWritesThem() {
        let catalogue = Catalogue.builtIn
        #expect(Format.target(catalogue.definition("documents_signed")!, .vi) == ">\u{00A0}70\u{00A0}%")
        #expect(Format.target(catalogue.definition("dossiers_on_time")!, .vi) == "≥\u{00A0}98\u{00A0}%")
        #expect(Format.target(catalogue.definition("late_dossiers_apologised")!, .vi) == "100\u{00A0}%")
    }

    @Test func htmlEscapesEverythingThatMatters() {
        #expect(Format.html(#"<script>alert(1)</script> & "x" 'y'"#) == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;")
        #expect(Format.html("Phòng Văn hóa – Xã hội") == "Phòng Văn hóa – Xã hội")
    }

    @Test func statusWords() {
        #expect(IndicatorStatus.met.label(.vi) == "Đạt")
        #expect(IndicatorStatus.atRisk.label(.vi) == "Có nguy cơ")
        #expect(IndicatorStatus.missed.label(.vi) == "Chưa đạt")
        #expect(IndicatorStatus.noData.label(.vi) == "Chưa có dữ liệu")
    }

    @Test func prometheusLabelEscaping() {
        #expect(PrometheusText.escape(#"a"b\c"# + "\nd") == #"a\"b\\c\nd"#)
        #expect(PrometheusText.escape("bac-binh/vp") == "bac-binh/vp")
    }

    @Test func metricsOmitRatioAndMetWhenThereIsNoData() {
        let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        let asOf = calendar.parseInstant("2026-06-15T10:00:00+07:00")!
        var inputs = KPIInputs(units: [Unit(id: "u", parentID: nil, name: "U", kind: "commune")])
        inputs.tallies[TallyKey(unitID: "u", period: .year, indicator: .documentsSigned)] = Tally(numerator: 7, denominator: 10)
        let snapshot = Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: asOf, refreshedAt: asOf)
        let text = PrometheusText.render(snapshot)
        #expect(text.contains(#"chiso_indicator_ratio{indicator="documents_signed",unit="u",period="year"} 0.7"#))
        #expect(text.contains(#"chiso_indicator_met{indicator="documents_signed",unit="u",period="year"} 0"#))
        #expect(!text.contains(#"chiso_indicator_ratio{indicator="documents_signed",unit="u",period="month"}"#))
        #expect(!text.contains(#"chiso_indicator_met{indicator="documents_signed",unit="u",period="month"}"#))
        #expect(text.contains(#"chiso_indicator_denominator{indicator="documents_signed",unit="u",period="month"} 0"#))
    }
}

import ChisoCore
import ChisoPresentation
import Foundation
import Testing

/// Trend geometry, page layout and the print header's escaping, by hand.
@Suite struct SparklineTests {
    @Test func pointsAreDayOfYearAgainstValue() throws {
        let points = [
            HistoryPoint(day: LocalDate(year: 2026, month: 1, day: 1), numerator: 1, denominator: 2),
            HistoryPoint(day: LocalDate(year: 2026, month: 12, day: 31), numerator: 1, denominator: 1),
            HistoryPoint(day: LocalDate(year: 2025, month: 12, day: 31), numerator: 0, denominator: 1),  // other year: left out
            HistoryPoint(day: LocalDate(year: 2026, month: 6, day: 1), numerator: 0, denominator: 0),  // no data: no point
        ]
        let line = try #require(Sparkline.make(points, year: 2026, target: Decimal(string: "0.5")!))
        // y range: low = max(0, 0.5 − 0.075) = 0.425, high = 1.075; x from 2 to 118.
        // (1 Jan, 0.5) → y = 30 − (0.075 / 0.65) × 28 = 26.77; (31 Dec, 1.0) → y = 30 − (0.575 / 0.65) × 28 = 5.23
        #expect(line.points == "2.0,26.8 118.0,5.2")
        #expect(line.targetY == "26.8")
        #expect(line.lastX == "118.0")
        // The first and the last day with a value are kept for the labels under the line.
        #expect(line.first.day == LocalDate(year: 2026, month: 1, day: 1) && line.first.value == 0.5)
        #expect(line.last.day == LocalDate(year: 2026, month: 12, day: 31) && line.last.value == 1)
        #expect(!line.flat)
    }

    @Test func aLineThatNeverMovedIsFlat() throws {
        let points = (1...3).map { HistoryPoint(day: LocalDate(year: 2026, month: $0, day: 1), numerator: 4, denominator: 4) }
        #expect(try #require(Sparkline.make(points, year: 2026, target: 1)).flat)
    }

    @Test func nothingToDrawWithoutValues() {
        #expect(Sparkline.make([], year: 2026, target: 1) == nil)
        #expect(
            Sparkline.make([HistoryPoint(day: LocalDate(year: 2026, month: 2, day: 1), numerator: 0, denominator: 0)], year: 2026, target: 1) == nil)
    }
}

@Suite struct PageLayoutTests {
    let units = [
        Unit(id: "bac-binh", parentID: nil, name: "Xã Bắc Bình", kind: "commune"),
        Unit(id: "bac-binh/kt", parentID: "bac-binh", name: "Phòng Kinh tế", kind: "department"),
        Unit(id: "bac-binh?kt", parentID: "bac-binh", name: "Clash", kind: "department"),
    ]

    @Test func filePathsAndSlugs() {
        let layout = SiteLayout(units: units)
        #expect(layout.slugs["bac-binh/kt"] == "bac-binh_kt")
        #expect(layout.slugs["bac-binh?kt"] == "bac-binh_kt-2")
        #expect(layout.path(PageRequest(), rootID: "bac-binh") == "index.html")
        #expect(layout.path(PageRequest(language: .en, period: .quarter), rootID: "bac-binh") == "en/quarter.html")
        #expect(
            layout.path(PageRequest(language: .en, period: .month, unitID: "bac-binh/kt"), rootID: "bac-binh") == "en/units/bac-binh_kt.month.html")
        #expect(layout.path(PageRequest(unitID: "nope"), rootID: "bac-binh") == nil)
        #expect(SiteLayout.relative(from: "en/units/x.html", to: "index.html") == "../../index.html")
        #expect(SiteLayout.relative(from: "index.html", to: "en/index.html") == "en/index.html")
    }

    @Test func printHeaderCannotLeaveItsCSSString() {
        let text = StatusPageModel.cssString("Xã </style><script>\"x\" \\ ;}")
        #expect(text.hasPrefix("\"") && text.hasSuffix("\""))
        let inner = text.dropFirst().dropLast()
        for forbidden in ["<", ">", "\"", ";", "}", "/"] { #expect(!inner.contains(forbidden), "\(forbidden) left raw") }
        #expect(text.hasPrefix("\"X\\0000e3\\000020\\00003c"))
    }
}

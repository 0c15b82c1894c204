import ChisoCore
import Foundation
import Testing

@testable import ChisoPresentation

/// The monthly publication's CSV and words, on a hand-built month.
@Suite struct QD766ReportTests {
    static let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)

    static func publication() throws -> QD766Publication {
        let units = [
            Unit(id: "xa", parentID: nil, name: "Xã", kind: "commune"),
            Unit(id: "xa/a", parentID: "xa", name: "=HYPERLINK(\"x\")", kind: "department"),
            Unit(id: "xa/b", parentID: "xa", name: "Phòng B; một", kind: "department"),
        ]
        var inputs = KPIInputs(units: units)
        inputs.tallies[TallyKey(unitID: "xa/a", period: .month, indicator: .dossiersOnTime)] = Tally(numerator: 7, denominator: 10)
        inputs.tallies[TallyKey(unitID: "xa/b", period: .month, indicator: .dossiersOnTime)] = Tally(numerator: 9, denominator: 10)
        let end = try #require(calendar.parseInstant("2026-05-31T23:59:59+07:00"))
        let snapshot = Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: end, refreshedAt: end)
        return try #require(
            QD766Publication.build(
                unitID: "xa", month: LocalDate(year: 2026, month: 5, day: 1), current: snapshot, ownTallies: inputs.tallies, previous: nil,
                officials: [QD766Publication.OfficialDelay(official: "Nguyễn Văn An", unitID: "xa/a", unitName: "", lateDossiers: 2)],
                complete: true))
    }

    @Test func lateDossiersCostTheirShareOfOnTimePointsMostLateFirst() throws {
        let publication = try Self.publication()
        // 16 of 20 on time: 2.1 gives 16; each late dossier costs 20 / 20 = 1 point.
        #expect(publication.result.indicators.first { $0.id == "qd766.on_time" }?.points == 16)
        #expect(publication.units.map(\.unitID) == ["xa/a", "xa/b"])
        #expect(publication.units.map(\.lateDossiers) == [3, 1])
        #expect(publication.units.map(\.pointsLost) == [3, 1])
        #expect(publication.officials.first?.unitName == "=HYPERLINK(\"x\")")
    }

    @Test func theCSVIsForASpreadsheetAndRunsNoFormula() throws {
        let csv = QD766Report.csv(try Self.publication())
        #expect(csv.hasPrefix("\u{FEFF}unit;month;score;band;previous_score\r\n"))
        #expect(csv.contains("\r\nxa/a;\"'=HYPERLINK(\"\"x\"\")\";3;3;0\r\n"))
        #expect(csv.contains("\r\nxa/b;\"Phòng B; một\";1;1;0\r\n"))
        #expect(csv.contains("\r\nNguyễn Văn An;xa/a;2\r\n"))
        #expect(QD766Report.field("-0.5") == "-0.5", "a negative number stays a number")
    }

    @Test func aMonthIsEvaluatedAtItsLastInstantOrNowWhileItRuns() throws {
        let may = LocalDate(year: 2026, month: 5, day: 1)
        let june15 = try #require(Self.calendar.parseInstant("2026-06-15T10:00:00+07:00"))
        let ended = try #require(QD766Publication.evaluationInstant(month: may, now: june15, calendar: Self.calendar))
        #expect(ended.complete && ended.at == Self.calendar.parseInstant("2026-06-01T00:00:00+07:00")!.addingTimeInterval(-0.001))
        let running = try #require(
            QD766Publication.evaluationInstant(month: LocalDate(year: 2026, month: 6, day: 1), now: june15, calendar: Self.calendar))
        #expect(!running.complete && running.at == june15)
        #expect(QD766Publication.evaluationInstant(month: LocalDate(year: 2026, month: 7, day: 1), now: june15, calendar: Self.calendar) == nil)
        #expect(QD766Report.signed(Decimal(string: "-0.19")!, .vi) == "−0,19" && QD766Report.signed(0, .vi) == "±0")
    }
}

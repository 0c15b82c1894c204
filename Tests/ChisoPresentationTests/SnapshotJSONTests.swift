import ChisoCore
import Foundation
import Testing

@testable import ChisoPresentation

/// The hand-written JSON document against what `JSONEncoder` made of the same snapshot.
@Suite struct SnapshotJSONTests {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let calendar = PlanCalendar(timeZone: zone)

    /// Names with every character JSON must escape, tasks with and without their optional keys,
    /// figures with no data, fractions, and a unit below another.
    static func snapshot() -> Snapshot {
        let hostile = "Phòng \"Kinh tế\" \\ a/b\n\t\r\u{8}\u{C}\u{1}\u{1F} — 𝔘 \u{2028}"
        let units = [
            Unit(id: "xa", parentID: nil, name: "Xã Bắc Bình", kind: "commune"),
            Unit(id: "xa/kt", parentID: "xa", name: hostile, kind: "department"),
        ]
        var inputs = KPIInputs(units: units)
        inputs.tallies[TallyKey(unitID: "xa/kt", period: .year, indicator: .dossiersOnTime)] = Tally(numerator: 1234, denominator: 1260)
        inputs.tallies[TallyKey(unitID: "xa/kt", period: .month, indicator: .documentsSigned)] = Tally(numerator: 1, denominator: 3)
        inputs.tallies[TallyKey(unitID: "xa", period: .quarter, indicator: .paymentsOnlineNational)] = Tally(numerator: 0, denominator: 7)
        // A ratio Swift writes with an exponent (5e-06).
        inputs.tallies[TallyKey(unitID: "xa/kt", period: .year, indicator: .documentsSigned)] = Tally(numerator: 1, denominator: 200_000)
        let asOf = calendar.parseInstant("2026-06-15T10:00:00+07:00")!
        inputs.manualValues = [
            ManualValue(
                indicator: "investment_disbursed", unitID: "xa", periodEnd: LocalDate(year: 2026, month: 5, day: 31),
                numerator: Decimal(string: "45.125")!, denominator: 100, recordedAt: asOf.addingTimeInterval(-86_400)),
            // A QĐ 766 figure the department inherits from the commune (`inherited_from`).
            ManualValue(
                indicator: "qd766.publish_on_time", unitID: "xa", periodEnd: LocalDate(year: 2026, month: 6, day: 1),
                numerator: Decimal(string: "97.5")!, denominator: 100, recordedAt: asOf.addingTimeInterval(-86_400)),
        ]
        inputs.openTasks = [
            OpenTask(
                id: "T-1", planRef: "II.11", title: hostile, leadUnitID: "xa/kt", monitoringUnitID: "xa",
                dueDate: LocalDate(year: 2026, month: 1, day: 31)),
            OpenTask(
                id: "T-2", planRef: nil, title: "Báo cáo", leadUnitID: "xa", monitoringUnitID: nil, dueDate: LocalDate(year: 2026, month: 6, day: 18)),
        ]
        inputs.overdueDossiers = ["xa/kt": 3]
        return Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: asOf, refreshedAt: asOf.addingTimeInterval(2.5))
    }

    @Test func theDocumentIsWhatJSONEncoderMadeByteForByte() throws {
        let snapshot = Self.snapshot()
        #expect(!snapshot.overdueTasks.isEmpty && !snapshot.dueSoonTasks.isEmpty, "both kinds of task are written")
        let written = SnapshotJSON.encode(snapshot)
        #expect(String(decoding: written, as: UTF8.self).contains(#""value":5e-06"#))
        #expect(String(decoding: written, as: UTF8.self).contains(#""inherited_from":"xa""#))
        let reference = JSONEncoderReference.encode(snapshot)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: reference, as: UTF8.self))
        #expect(SnapshotJSON.encode(snapshot, times: false) == JSONEncoderReference.encode(snapshot, times: false))
        // And it parses back to the same strings.
        let document = try #require(try JSONSerialization.jsonObject(with: written) as? [String: Any])
        let units = try #require(document["units"] as? [[String: Any]])
        #expect(units.last?["name"] as? String == snapshot.units.last?.name)
    }

    @Test func theServedDocumentIsTheWholeOneWithTheStaleFlagFirst() throws {
        let snapshot = Self.snapshot()
        let served =
            SnapshotJSON.opening(stale: true) + SnapshotJSON.times(snapshot) + String(decoding: SnapshotJSON.members(snapshot), as: UTF8.self)
        var document = try #require(try JSONSerialization.jsonObject(with: Data(served.utf8)) as? NSDictionary)
        let whole = try #require(try JSONSerialization.jsonObject(with: SnapshotJSON.encode(snapshot)) as? NSDictionary)
        #expect(document["stale"] as? Bool == true)
        let copy = document.mutableCopy() as! NSMutableDictionary
        copy.removeObject(forKey: "stale")
        document = copy
        #expect(document == whole)
    }
}

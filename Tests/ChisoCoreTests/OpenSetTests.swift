import Foundation
import Testing

@testable import ChisoCore

/// The open set's multiset rules, which the incremental state relies on: a batch's images come in
/// any order, so a row may be held twice for a moment, or below zero, and leaves at zero.
@Suite struct OpenSetTests {
    static func document(_ id: String, signed: Bool = false, unit: String = "u") -> DocumentImage {
        DocumentImage(
            id: id, unitID: unit, outgoing: true, registeredAt: Date(timeIntervalSince1970: 1_800_000_000), digitallySigned: signed,
            processedElectronically: false, normal: true)
    }

    static func held(_ set: OpenSet<DocumentImage>) -> [String: Int] {
        var out: [String: Int] = [:]
        set.forEach { row, count in out["\(row.id)/\(row.digitallySigned)", default: 0] += count }
        return out
    }

    @Test func aRowComesAndLeavesAtZero() {
        var set = OpenSet<DocumentImage>()
        #expect(set.add(Self.document("a"), by: 1) == 0)
        #expect(set.count == 1)
        #expect(set.add(Self.document("a"), by: 1) == 1)
        #expect(Self.held(set) == ["a/false": 2])
        #expect(set.add(Self.document("a"), by: -1) == 2)
        #expect(set.add(Self.document("a"), by: -1) == 1)
        #expect(set.isEmpty)
        #expect(Self.held(set).isEmpty)
    }

    /// A dossier's old and new image in one batch: two rows of one key, taken off in either order.
    @Test func twoRowsOfOneKeyAreToldApart() {
        for removeNewFirst in [false, true] {
            var set = OpenSet<DocumentImage>()
            set.add(Self.document("a", signed: false), by: 1)
            set.add(Self.document("b"), by: 1)
            set.add(Self.document("a", signed: true), by: 1)
            #expect(set.count == 3)
            #expect(Self.held(set) == ["a/false": 1, "a/true": 1, "b/false": 1])
            let order = removeNewFirst ? [true, false] : [false, true]
            #expect(set.add(Self.document("a", signed: order[0]), by: -1) == 1)
            #expect(Self.held(set) == ["a/\(order[1])": 1, "b/false": 1])
            // Another row of the key comes into the chain again, and the rest goes.
            set.add(Self.document("a", signed: order[0]), by: 1)
            #expect(set.add(Self.document("a", signed: order[1]), by: -1) == 1)
            #expect(Self.held(set) == ["a/\(order[0])": 1, "b/false": 1])
            #expect(set.count == 2)
        }
    }

    /// A removal applied before its addition holds the row at −1 until the addition comes.
    @Test func aRemovalBeforeItsAdditionHoldsTheRowBelowZero() {
        var set = OpenSet<DocumentImage>()
        #expect(set.add(Self.document("a"), by: -1) == 0)
        #expect(Self.held(set) == ["a/false": -1])
        #expect(set.add(Self.document("a"), by: 1) == -1)
        #expect(set.isEmpty)
        // Zero adds nothing, and a row held keeps its count.
        #expect(set.add(Self.document("z"), by: 0) == 0)
        #expect(set.isEmpty)
    }

    @Test func freedSlotsAreTakenAgainAndRemovalsByPredicateReturnTheRows() {
        var set = OpenSet<DocumentImage>()
        for n in 0..<50 { set.add(Self.document("d\(n)", unit: n % 2 == 0 ? "even" : "odd"), by: 1) }
        for n in stride(from: 0, to: 50, by: 5) { set.add(Self.document("d\(n)", unit: n % 2 == 0 ? "even" : "odd"), by: -1) }
        for n in 50..<60 { set.add(Self.document("d\(n)", unit: n % 2 == 0 ? "even" : "odd"), by: 1) }
        #expect(set.count == 50)
        let taken = set.removeAll { $0.unitID == "even" }
        #expect(taken.count == 25)
        #expect(taken.allSatisfy { $0.row.unitID == "even" && $0.count == 1 })
        #expect(set.count == 25)
        var left: Set<String> = []
        set.forEach { row, _ in left.insert(row.id) }
        #expect(left == Set((0..<60).filter { $0 % 2 == 1 && ($0 >= 50 || $0 % 5 != 0) }.map { "d\($0)" }))
        // Every row found by its key after the slots were reused.
        for id in left { #expect(set.add(Self.document(id, unit: "odd"), by: 0) == 1) }
    }
}

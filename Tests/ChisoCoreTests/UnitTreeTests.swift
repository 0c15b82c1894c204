import Testing

@testable import ChisoCore

@Suite struct UnitTreeTests {
    /// Two roots (one a unit whose parent is unknown), three levels, ids out of order.
    static let units = [
        Unit(id: "tinh", parentID: nil, name: "Tỉnh", kind: "province"),
        Unit(id: "tinh/b", parentID: "tinh", name: "Xã B", kind: "commune"),
        Unit(id: "tinh/a", parentID: "tinh", name: "Xã A", kind: "commune"),
        Unit(id: "tinh/a/2", parentID: "tinh/a", name: "Phòng 2", kind: "department"),
        Unit(id: "tinh/a/1", parentID: "tinh/a", name: "Phòng 1", kind: "department"),
        Unit(id: "tinh/b/1", parentID: "tinh/b", name: "Phòng 1", kind: "department"),
        Unit(id: "lac", parentID: "khong-co", name: "Lạc", kind: "commune"),
    ]

    @Test func aSubtreeIsEveryUnitWhoseLineageHoldsIt() {
        let tree = UnitTree(Self.units)
        for unit in Self.units {
            let expected = Set(Self.units.filter { tree.lineage(of: $0.id).contains(unit.id) }.map(\.id))
            #expect(Set(tree.subtree(of: unit.id).map(\.id)) == expected, "\(unit.id)")
        }
        #expect(tree.subtree(of: "tinh/a").map(\.id) == ["tinh/a", "tinh/a/1", "tinh/a/2"])
        #expect(tree.subtree(of: "tinh").count == 6)
        #expect(tree.subtree(of: "khong-co").isEmpty)
    }

    /// Folding again only the lineages of changed units gives the whole fold's result, in the
    /// same order of combination (a concatenation of strings shows any other order): random trees
    /// of 60 units, random sets of changed units (few: the lineages; many: the whole fold).
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func foldingTheChangedLineagesIsTheWholeFold(seed: UInt64) {
        var random = LinearCongruential(state: seed)
        var units = [Unit(id: "r", parentID: nil, name: "", kind: "province")]
        for index in 1..<60 {
            let parent = units.randomElement(using: &random)!.id
            units.append(Unit(id: "\(parent)/\(Int.random(in: 0..<1000, using: &random))-\(index)", parentID: parent, name: "", kind: ""))
        }
        let tree = UnitTree(units.shuffled(using: &random))
        let combine: (inout String, String) -> Void = { $0 += "(" + $1 + ")" }
        var own = tree.units.indices.map { "u\($0)" }
        var last = tree.rollUp(own: own, combine: combine)
        for round in 0..<40 {
            let changed = Array(Set((0..<Int.random(in: 0...12, using: &random)).map { _ in Int.random(in: 0..<own.count, using: &random) }))
            for index in changed { own[index] = "u\(index)v\(round)" }
            let folded = tree.rollUp(own: own, changed: changed, last: last, combine: combine)
            #expect(folded == tree.rollUp(own: own, combine: combine), "round \(round), changed \(changed.sorted())")
            last = folded
        }
    }
}

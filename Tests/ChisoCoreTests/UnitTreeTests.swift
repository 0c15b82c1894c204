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
}

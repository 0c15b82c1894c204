/// A row of `units`.
public struct Unit: Sendable, Hashable, Codable {
    public var id: String
    public var parentID: String?
    public var name: String
    public var kind: String
    public var alertEmail: String?
    public var headEmail: String?

    public init(id: String, parentID: String?, name: String, kind: String, alertEmail: String? = nil, headEmail: String? = nil) {
        self.id = id
        self.parentID = parentID
        self.name = name
        self.kind = kind
        self.alertEmail = alertEmail
        self.headEmail = headEmail
    }
}

/// The organisation tree, in a stable depth-first order (roots by id, children by id).
///
/// The database refuses cycles and dangling parents; the tree still guards against them so that
/// a hand-built input can never hang a refresh.
public struct UnitTree: Sendable {
    public let units: [Unit]
    /// Index of each unit's parent in `units`, nil for roots.
    public let parentIndex: [Int?]
    public let indexByID: [String: Int]
    /// Depth of each unit (roots are 0).
    public let depth: [Int]
    /// The indices of each unit's children, ascending.
    public let children: [[Int]]

    public init(_ input: [Unit]) {
        let byID = Dictionary(input.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var children: [String: [Unit]] = [:]
        var roots: [Unit] = []
        for unit in byID.values.sorted(by: { $0.id < $1.id }) {
            if let parent = unit.parentID, byID[parent] != nil, parent != unit.id {
                children[parent, default: []].append(unit)
            } else {
                roots.append(unit)
            }
        }
        var ordered: [Unit] = []
        var parents: [Int?] = []
        var depths: [Int] = []
        var visited: Set<String> = []
        func visit(_ unit: Unit, parent: Int?, depth: Int) {
            guard visited.insert(unit.id).inserted else { return }
            let index = ordered.count
            ordered.append(unit)
            parents.append(parent)
            depths.append(depth)
            for child in children[unit.id] ?? [] { visit(child, parent: index, depth: depth + 1) }
        }
        for root in roots { visit(root, parent: nil, depth: 0) }
        self.units = ordered
        self.parentIndex = parents
        self.depth = depths
        var childIndices = [[Int]](repeating: [], count: ordered.count)
        for (index, parent) in parents.enumerated() { if let parent { childIndices[parent].append(index) } }
        self.children = childIndices
        self.indexByID = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($0.element.id, $0.offset) })
    }

    public var isEmpty: Bool { units.isEmpty }

    public func isRoot(_ index: Int) -> Bool { parentIndex[index] == nil }

    /// Folds a per-unit value up the tree: each unit's result combines its own value with its
    /// children's results. Children come after their parent in `units`, so one reverse pass suffices.
    public func rollUp<Value>(own: [Value], combine: (inout Value, Value) -> Void) -> [Value] {
        var result = own
        for index in units.indices.reversed() {
            if let parent = parentIndex[index] { combine(&result[parent], result[index]) }
        }
        return result
    }

    /// The same fold, given its result for other own values (`last`) and the units whose own
    /// value differs from those (`changed`): only their lineages are folded again, each unit from
    /// its own value and its children's results in the order `rollUp(own:combine:)` takes them, so
    /// the result is that fold's, value for value. Many changed units: the whole fold.
    public func rollUp<Value>(own: [Value], changed: [Int], last: [Value], combine: (inout Value, Value) -> Void) -> [Value] {
        guard last.count == own.count, changed.count * 8 < units.count else { return rollUp(own: own, combine: combine) }
        var dirty = Set<Int>()
        for index in changed {
            var current: Int? = index
            while let at = current, dirty.insert(at).inserted { current = parentIndex[at] }
        }
        var result = last
        // Descendants before ancestors (a child's index is greater than its parent's).
        for index in dirty.sorted(by: >) {
            var value = own[index]
            for child in children[index].reversed() { combine(&value, result[child]) }
            result[index] = value
        }
        return result
    }

    /// The ids of a unit and all its ancestors, nearest first.
    public func lineage(of id: String) -> [String] {
        var out: [String] = []
        var current = indexByID[id]
        while let index = current {
            out.append(units[index].id)
            current = parentIndex[index]
        }
        return out
    }

    /// The unit and every unit below it: in tree order they follow it, deeper than it.
    public func subtree(of id: String) -> ArraySlice<Unit> {
        guard let start = indexByID[id] else { return [] }
        var end = start + 1
        while end < units.count, depth[end] > depth[start] { end += 1 }
        return units[start..<end]
    }
}

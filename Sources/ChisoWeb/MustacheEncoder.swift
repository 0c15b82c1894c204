import Foundation

/// Turns an `Encodable` view into what swift-mustache reads without reflection: dictionaries
/// (`[String: Any]` is a `MustacheParent`), arrays, strings and booleans. swift-mustache otherwise
/// reflects each value with `Mirror`, which made a province's 378 pages take 23 s to write; the
/// view types' synthesized `Encodable` names every field once, where it is declared.
///
/// A nil optional is left out (synthesized `encode` skips it), so the template sees it as absent,
/// exactly as a missing key.
enum MustacheEncoder {
    static func tree(_ value: some Encodable) -> Any {
        let encoder = TreeEncoder()
        do {
            try value.encode(to: encoder)
        } catch {
            // Only strings, booleans, numbers and containers of them are encoded: nothing throws.
            preconditionFailure("a page view did not encode: \(error)")
        }
        return encoder.storage.value
    }
}

/// One node being filled: a keyed container's dictionary, an unkeyed one's array, or a value.
/// (Separate stored properties, so that adding a member or an item mutates in place.)
private final class Node {
    var scalar: Any?
    var members: [String: Node]?
    var items: [Node]?

    var value: Any {
        if let scalar { return scalar }
        if let items { return items.map(\.value) }
        return (members ?? [:]).mapValues(\.value)
    }
}

private struct TreeEncoder: Encoder {
    let storage: Node
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(storage: Node = Node()) { self.storage = storage }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if storage.members == nil { storage.members = [:] }
        return KeyedEncodingContainer(KeyedTree<Key>(node: storage))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if storage.items == nil { storage.items = [] }
        return UnkeyedTree(node: storage)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleTree(node: storage) }
}

/// Encodes one child value into a new node (strings and booleans directly, anything else through its `encode`).
private func encodeChild(_ value: some Encodable) throws -> Node {
    let node = Node()
    switch value {
    case let text as String: node.scalar = text
    case let flag as Bool: node.scalar = flag
    default: try value.encode(to: TreeEncoder(storage: node))
    }
    return node
}

private struct KeyedTree<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [any CodingKey] { [] }

    private func set(_ child: Node, _ key: Key) { node.members?[key.stringValue] = child }

    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { set(try encodeChild(value), key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = Node()
        set(child, key)
        return TreeEncoder(storage: child).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = Node()
        set(child, key)
        return TreeEncoder(storage: child).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(storage: node) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = Node()
        set(child, key)
        return TreeEncoder(storage: child)
    }
}

private struct UnkeyedTree: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey] { [] }
    var count: Int { node.items?.count ?? 0 }

    private func append(_ child: Node) { node.items?.append(child) }

    mutating func encodeNil() throws {}
    mutating func encode<T: Encodable>(_ value: T) throws { append(try encodeChild(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = Node()
        append(child)
        return TreeEncoder(storage: child).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = Node()
        append(child)
        return TreeEncoder(storage: child).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = Node()
        append(child)
        return TreeEncoder(storage: child)
    }
}

private struct SingleTree: SingleValueEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws {}
    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = try encodeChild(value)
        node.scalar = child.scalar
        node.members = child.members
        node.items = child.items
    }
}

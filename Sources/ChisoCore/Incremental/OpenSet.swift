/// The rows an `InputState` holds whole (its open set: open dossiers, rows stamped after T), each
/// with how many times it is held: a batch's images add (+1) and take off (−1) in any order, so a
/// row may be held twice for a moment (its old and new image) or below zero (a removal applied
/// before its addition); it leaves at zero.
///
/// Looked up by the row's key (a dossier's code), not by the whole row: the index holds small
/// entries (a key and a slot number) and the rows sit in `slots`. A province's 1 % pass takes off
/// ~15 000 of ~70 000 open dossiers. In a dictionary keyed by the row, each look-up probed keys of
/// ~150 bytes spread over ~10 MB, and each removal shifted them (perf: 20 ms of the pass, the
/// largest part of applying its rows).
struct OpenSet<Row: CapturedRow>: Sendable {
    private struct Slot: Sendable {
        /// A free slot (count 0, listed in `freeSlots`) keeps its last row until it is taken again:
        /// rows are compared in place, not wrapped in an optional (a copy of the row, ~150 bytes
        /// and four strings retained, at every look-up).
        var row: Row
        /// 0: a free slot.
        var count: Int
        /// The next slot holding a row of the same key (−1: none).
        var next: Int32
    }

    /// Each key's first slot.
    private var firstSlot: [String: Int32] = [:]
    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    /// The number of rows held (with a count other than zero).
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds `sign` to the row's count (the row comes if it was not held, and leaves when its count
    /// reaches zero); returns the count before.
    @discardableResult
    mutating func add(_ row: Row, by sign: Int) -> Int {
        let key = row.key
        guard let position = firstSlot.index(forKey: key) else {
            if sign != 0 { firstSlot[key] = occupy(row, count: sign, next: -1) }
            return 0
        }
        let first = firstSlot.values[position]
        var index = first, previous: Int32 = -1
        while index >= 0 {
            if slots[Int(index)].row == row {
                let before = slots[Int(index)].count
                let after = before + sign
                if after != 0 {
                    slots[Int(index)].count = after
                    return before
                }
                let next = slots[Int(index)].next
                if previous >= 0 {
                    slots[Int(previous)].next = next
                } else if next >= 0 {
                    firstSlot.values[position] = next
                } else {
                    firstSlot.remove(at: position)
                }
                vacate(index)
                return before
            }
            previous = index
            index = slots[Int(index)].next
        }
        // Another row of a key already held (a batch's second image of a dossier).
        if sign != 0 { slots[Int(previous)].next = occupy(row, count: sign, next: -1) }
        return 0
    }

    /// Each row held and its count.
    func forEach(_ body: (Row, Int) throws -> Void) rethrows {
        for slot in slots where slot.count != 0 { try body(slot.row, slot.count) }
    }

    /// Takes out every row for which `leaves` is true; returns them with their counts.
    mutating func removeAll(where leaves: (Row) -> Bool) -> [(row: Row, count: Int)] {
        var out: [(row: Row, count: Int)] = []
        for slot in slots where slot.count != 0 && leaves(slot.row) { out.append((slot.row, slot.count)) }
        for (row, count) in out { add(row, by: -count) }
        return out
    }

    private mutating func occupy(_ row: Row, count: Int, next: Int32) -> Int32 {
        self.count += 1
        if let free = freeSlots.popLast() {
            slots[Int(free)] = Slot(row: row, count: count, next: next)
            return free
        }
        slots.append(Slot(row: row, count: count, next: next))
        return Int32(slots.count - 1)
    }

    private mutating func vacate(_ index: Int32) {
        count -= 1
        slots[Int(index)].count = 0
        slots[Int(index)].next = -1
        if count == 0 {
            // Empty: the slots go too (a set that held a large batch for a moment keeps no memory).
            slots.removeAll()
            freeSlots.removeAll()
        } else {
            freeSlots.append(index)
        }
    }
}

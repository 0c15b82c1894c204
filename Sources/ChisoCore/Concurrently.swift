import Foundation
import Synchronization

/// Independent pieces of one pass's CPU work on the machine's cores, while the database is idle
/// (a province's results and estimates, `/metrics` and the root pages). Not tasks: the pieces are
/// synchronous and short (tens of milliseconds), and the caller waits for all of them.
public enum Concurrently {
    /// `work` for every element, on as many threads as the machine gives (one element: on this
    /// one), the outputs in the elements' order. Each output has its own slot.
    public static func map<Element: Sendable, Output: Sendable>(_ elements: [Element], _ work: @Sendable (Element) -> Output) -> [Output] {
        if elements.count == 1 { return [work(elements[0])] }
        let slots = Mutex<[Output?]>(Array(repeating: nil, count: elements.count))
        DispatchQueue.concurrentPerform(iterations: elements.count) { index in
            let output = work(elements[index])
            slots.withLock { $0[index] = output }
        }
        return slots.withLock { $0.map { $0! } }
    }

    /// `count` indices cut into `pieces` consecutive ranges of nearly equal length (at least one
    /// range, none empty unless `count` is 0).
    public static func ranges(_ count: Int, pieces: Int) -> [Range<Int>] {
        let pieces = max(1, min(pieces, count))
        return (0..<pieces).map { piece in (count * piece / pieces)..<(count * (piece + 1) / pieces) }
    }

    /// Twice the machine's cores: enough pieces that one slower piece does not leave a core idle.
    public static var defaultPieces: Int { 2 * ProcessInfo.processInfo.activeProcessorCount }

    /// `background` on another thread while `body` runs on this one (which may change what it
    /// holds: `body` need not be sendable), both outputs once both are done.
    public static func alongside<A: Sendable, B>(_ background: @escaping @Sendable () -> A, _ body: () -> B) -> (A, B) {
        let made = Mutex<A?>(nil)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) {
            let output = background()
            made.withLock { $0 = output }
        }
        let output = body()
        done.wait()
        return (made.withLock { $0! }, output)
    }

    /// `first` and `second` at once.
    public static func both<A: Sendable, B: Sendable>(_ first: @Sendable () -> A, _ second: @Sendable () -> B) -> (A, B) {
        let a = Mutex<A?>(nil)
        let b = Mutex<B?>(nil)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 {
                let made = first()
                a.withLock { $0 = made }
            } else {
                let made = second()
                b.withLock { $0 = made }
            }
        }
        return (a.withLock { $0! }, b.withLock { $0! })
    }
}

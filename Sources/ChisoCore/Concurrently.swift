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

    /// `first` and `second` at once: `second` on another thread, `first` on this one. Not two
    /// iterations of one `concurrentPerform`: a `map` inside either would run nested in it, and
    /// libdispatch gives a nested apply its share of the cores (on two cores, one: the periods'
    /// sums and `/metrics`' pieces ran one after the other, ~16 and ~25 ms of a province pass).
    public static func both<A: Sendable, B: Sendable>(_ first: () -> A, _ second: @escaping @Sendable () -> B) -> (A, B) {
        let (b, a) = alongside(second, first)
        return (a, b)
    }
}

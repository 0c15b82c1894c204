import ChisoCore
import Synchronization

/// An operation that did not finish in time, named as the user knows it ("the refresh", "migrate").
public struct DeadlineExceeded: Error, CustomStringConvertible, Equatable {
    public var operation: String
    public var limit: Duration

    public var description: String {
        "\(operation) did not finish within \(limit.seconds) s (database unreachable or too slow)"
    }
}

/// Runs `body`, giving up after `limit` on `clock` with `DeadlineExceeded(operation:limit:)`.
///
/// PostgresNIO waits for a connection while the database is unreachable instead of failing, and
/// an operation on a connection that dies mid-way may not answer cancellation promptly. So the
/// deadline does not wait for `body` to wind down: at the limit it cancels `body` and returns at
/// once, leaving the cancelled work to finish on its own (a query still running on the server is
/// bounded by `statement_timeout`). This is the one place chiso starts unstructured tasks, and
/// both end by themselves: `body` when it completes or notices cancellation, the timer at `limit`.
func withDeadline<T: Sendable, C: Clock>(
    _ limit: Duration, clock: C, operation: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T where C.Duration == Duration {
    let outcome = Outcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            outcome.install(continuation)
            let work = Task {
                do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
            }
            let timer = Task {
                try? await clock.sleep(for: limit)
                outcome.finish(.failure(DeadlineExceeded(operation: operation, limit: limit)))
                work.cancel()
            }
            outcome.onFinish {
                work.cancel(); timer.cancel()
            }
        }
    } onCancel: {
        outcome.finish(.failure(CancellationError()))
    }
}

/// A continuation resumed exactly once, by whichever of work, timer or cancellation comes first.
private final class Outcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var cleanup: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock {
            if let result = $0.result { return result }
            $0.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let finished = state.withLock {
            if $0.result != nil { return true }
            $0.cleanup = cleanup
            return false
        }
        if finished { cleanup() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, cleanup): (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) = state.withLock { state in
            guard state.result == nil else { return (nil, nil) }
            state.result = result
            let taken = (state.continuation, state.cleanup)
            state.continuation = nil
            state.cleanup = nil
            return taken
        }
        continuation?.resume(with: result)
        cleanup?()
    }
}

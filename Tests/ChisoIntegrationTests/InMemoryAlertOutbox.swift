import ChisoCore
import Foundation
import Synchronization

/// The outbox in memory (the seam `AlertOutbox` without a database), for fast tests of the alert
/// service: the deciding is the real one (`AlertDecider`, through the service's closure).
final class InMemoryAlertOutbox: AlertOutbox {
    struct State: Sendable {
        var inputs: AlertInputs
        var entries: [OutboxEntry] = []
        var decidedAt: [Int64: Date] = [:]
        var retryAt: [Int64: Date] = [:]
        var claimedUntil: [Int64: Date] = [:]
    }

    let state: Mutex<State>

    init(inputs: AlertInputs) { state = Mutex(State(inputs: inputs)) }

    var entries: [OutboxEntry] { state.withLock { $0.entries } }

    func decide(
        _ window: AlertReadWindow, record: Bool,
        _ decide: @escaping @Sendable (AlertInputs, [String: PreviousDigest]) -> [OutboxEntry]
    ) async throws -> [OutboxEntry] {
        state.withLock { state in
            var previous: [String: PreviousDigest] = [:]
            for entry in state.entries {
                let decided = state.decidedAt[entry.id] ?? window.asOf
                if previous[entry.unitID].map({ $0.decidedAt < decided }) ?? true {
                    previous[entry.unitID] = PreviousDigest(localDay: entry.localDay, decidedAt: decided, messageID: entry.mail.messageID)
                }
            }
            let decided = decide(state.inputs, previous)
            guard record else { return decided }
            var recorded: [OutboxEntry] = []
            for var entry in decided where !state.entries.contains(where: { $0.unitID == entry.unitID && $0.localDay == entry.localDay }) {
                entry.id = Int64(state.entries.count + 1)
                state.entries.append(entry)
                state.decidedAt[entry.id] = window.asOf
                state.retryAt[entry.id] = window.asOf
                recorded.append(entry)
            }
            return recorded
        }
    }

    func claimDue(now: Date, claimFor: Duration, limit: Int) async throws -> [OutboxEntry] {
        state.withLock { state in
            var out: [OutboxEntry] = []
            for index in state.entries.indices where out.count < limit {
                let entry = state.entries[index]
                let due =
                    (entry.status == .pending && (state.retryAt[entry.id] ?? now) <= now)
                    || (entry.status == .sending && (state.claimedUntil[entry.id] ?? now) <= now)
                guard due else { continue }
                state.entries[index].status = .sending
                state.claimedUntil[entry.id] = now.addingTimeInterval(Double(claimFor.components.seconds))
                out.append(state.entries[index])
            }
            return out
        }
    }

    func update(_ id: Int64, _ change: (inout OutboxEntry) -> Void) {
        state.withLock { state in
            if let index = state.entries.firstIndex(where: { $0.id == id }) { change(&state.entries[index]) }
        }
    }

    func markMailSent(_ id: Int64, at: Date) async throws { update(id) { $0.mailSent = true } }
    func markWebhookSent(_ id: Int64) async throws { update(id) { $0.webhookPending = false } }
    func markSent(_ id: Int64, at: Date) async throws {
        update(id) {
            $0.status = .sent
            $0.attempts += 1
        }
    }

    func markFailed(_ id: Int64, error: String, retryAt: Date?) async throws {
        update(id) {
            $0.status = retryAt == nil ? .failed : .pending
            $0.attempts += 1
            $0.lastError = error
        }
        if let retryAt { state.withLock { $0.retryAt[id] = retryAt } }
    }

    func summary(now: Date, calendar: PlanCalendar) async throws -> AlertSummary {
        state.withLock { state in
            let pending = state.entries.filter { $0.status == .pending || $0.status == .sending }.count
            var latest: [String: OutboxEntry] = [:]
            for entry in state.entries { latest[entry.unitID] = entry }
            let problems = state.entries.filter { $0.status == .failed || $0.status == .undeliverable }.reversed()
                .map { AlertProblem(unitID: $0.unitID, localDay: $0.localDay, status: $0.status, reason: $0.lastError ?? "") }
            return AlertSummary(
                pending: pending, undeliverable: latest.values.filter { $0.status == .undeliverable }.count, problems: Array(problems))
        }
    }
}

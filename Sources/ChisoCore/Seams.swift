import Foundation
import Synchronization

/// Where a refresh reads its inputs from: PostgreSQL in production, an in-memory fake in core tests.
public protocol KPISource: Sendable {
    /// Reads everything one snapshot needs, as of `asOf`, in one consistent view.
    func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs
}

/// Where successful snapshots are kept for trends (the database's snapshot history).
public protocol SnapshotHistory: Sendable {
    func append(_ snapshot: Snapshot) async throws
    /// The stored year-to-date figures of `year` for these units, for the days before `before`
    /// (today's point comes from the live snapshot).
    func trend(year: Int, units: [String], before: LocalDate) async throws -> TrendHistory
}

/// A `SnapshotHistory` in memory (one snapshot per local day, like the real one): for tests.
public final class InMemorySnapshotHistory: SnapshotHistory {
    private let days = Mutex<[LocalDate: Snapshot]>([:])

    public init() {}

    public func append(_ snapshot: Snapshot) async throws {
        let day = PlanCalendar(timeZone: snapshot.timeZone).localDate(of: snapshot.asOf)
        days.withLock { $0[day] = snapshot }
    }

    public func trend(year: Int, units: [String], before: LocalDate) async throws -> TrendHistory {
        let wanted = Set(units)
        var history = TrendHistory()
        for (day, snapshot) in days.withLock({ $0 }).sorted(by: { $0.key < $1.key }) where day.year == year && day < before {
            for result in snapshot.results where result.period == .year && wanted.contains(result.unitID) {
                history.append(indicator: result.indicator, unit: result.unitID,
                               point: HistoryPoint(day: day, numerator: result.tally.numerator, denominator: result.tally.denominator))
            }
        }
        return history
    }
}

/// A `KPISource` that returns fixed inputs: for tests of everything above storage.
public struct InMemoryKPISource: KPISource {
    public var inputs: KPIInputs
    public init(inputs: KPIInputs) { self.inputs = inputs }
    public func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs { inputs }
}

/// An `AlertOutbox` in memory, over fixed inputs: for tests of the alert service without a database.
public final class InMemoryAlertOutbox: AlertOutbox {
    public struct State: Sendable {
        public var inputs: AlertInputs
        public var entries: [OutboxEntry] = []
        public var decidedAt: [Int64: Date] = [:]
        public var retryAt: [Int64: Date] = [:]
        public var claimedUntil: [Int64: Date] = [:]
    }

    public let state: Mutex<State>

    public init(inputs: AlertInputs) { state = Mutex(State(inputs: inputs)) }

    public var entries: [OutboxEntry] { state.withLock { $0.entries } }

    public func decide(
        now: Date, policy: AlertPolicy, calendar: PlanCalendar, webhook: Bool, record: Bool,
        compose: @escaping @Sendable (Digest) -> ComposedMail
    ) async throws -> [OutboxEntry] {
        state.withLock { state in
            var previous: [String: PreviousDigest] = [:]
            for entry in state.entries {
                let decided = state.decidedAt[entry.id] ?? now
                if previous[entry.unitID].map({ $0.decidedAt < decided }) ?? true {
                    previous[entry.unitID] = PreviousDigest(localDay: entry.localDay, decidedAt: decided, messageID: entry.mail.messageID)
                }
            }
            var recorded: [OutboxEntry] = []
            for digest in AlertPlanner.plan(state.inputs, previous: previous, policy: policy, now: now, calendar: calendar) {
                let id = Int64(state.entries.count + recorded.count + 1)
                let entry = OutboxEntry(
                    id: record ? id : 0, unitID: digest.unit.id, localDay: digest.localDay, mail: compose(digest),
                    status: digest.isDeliverable ? .pending : .undeliverable,
                    webhookPending: webhook && digest.isDeliverable, escalatedTaskIDs: digest.escalatedTaskIDs,
                    lastError: digest.isDeliverable ? nil : "no alert_email on the unit or any unit above it")
                recorded.append(entry)
            }
            if record {
                for entry in recorded {
                    state.entries.append(entry)
                    state.decidedAt[entry.id] = now
                    state.retryAt[entry.id] = now
                }
            }
            return recorded
        }
    }

    public func claimDue(now: Date, claimFor: Duration, limit: Int) async throws -> [OutboxEntry] {
        state.withLock { state in
            var out: [OutboxEntry] = []
            for index in state.entries.indices where out.count < limit {
                let entry = state.entries[index]
                let due = (entry.status == .pending && (state.retryAt[entry.id] ?? now) <= now)
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

    public func markMailSent(_ id: Int64, at: Date) async throws { update(id) { $0.mailSent = true } }
    public func markWebhookSent(_ id: Int64) async throws { update(id) { $0.webhookPending = false } }
    public func markSent(_ id: Int64, at: Date) async throws {
        update(id) {
            $0.status = .sent
            $0.attempts += 1
        }
    }

    public func markFailed(_ id: Int64, error: String, retryAt: Date?) async throws {
        update(id) {
            $0.status = retryAt == nil ? .failed : .pending
            $0.attempts += 1
            $0.lastError = error
        }
        if let retryAt { state.withLock { $0.retryAt[id] = retryAt } }
    }

    public func summary(now: Date, calendar: PlanCalendar) async throws -> AlertSummary {
        state.withLock { state in
            let pending = state.entries.filter { $0.status == .pending || $0.status == .sending }.count
            var latest: [String: OutboxEntry] = [:]
            for entry in state.entries { latest[entry.unitID] = entry }
            let problems = state.entries.filter { $0.status == .failed || $0.status == .undeliverable }.reversed()
                .map { AlertProblem(unitID: $0.unitID, localDay: $0.localDay, status: $0.status, reason: $0.lastError ?? "") }
            return AlertSummary(pending: pending, undeliverable: latest.values.filter { $0.status == .undeliverable }.count, problems: Array(problems))
        }
    }
}

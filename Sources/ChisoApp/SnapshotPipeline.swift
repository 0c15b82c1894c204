import ChisoCore
import Foundation
import Synchronization

/// Read → evaluate: the one way a snapshot is made, shared by the refresher, `chiso snapshot`
/// and `chiso backfill-history`. Reading is bounded by `timeout` (PostgresNIO waits for a
/// connection while the database is away, rather than failing).
public struct SnapshotPipeline: Sendable {
    /// A snapshot and where its time went.
    public struct Outcome: Sendable {
        public var snapshot: Snapshot
        public var readSeconds: Double
        public var evaluateSeconds: Double
        /// How the source read the inputs (full or incremental).
        public var pass: RefreshPass?
        /// False when the last evaluation was reused: the inputs were the same and so was
        /// everything else the evaluation reads of T.
        public var evaluated = true
        /// The units whose results were made anew (the others' were the last pass's; nil: not evaluated).
        public var unitsEvaluated: Int?
        /// Of their results and QĐ 766 estimates, how many were made anew (nil: not evaluated).
        public var resultsMade: Int?
        public var estimatesMade: Int?
    }

    public let source: any KPISource
    public let evaluator: Evaluator
    public let timeout: Duration
    /// The last snapshot evaluated (shared by the pipelines the refresher makes after a reload).
    public let memo: EvaluationMemo

    public init(source: any KPISource, evaluator: Evaluator, timeout: Duration, memo: EvaluationMemo = EvaluationMemo()) {
        self.source = source
        self.evaluator = evaluator
        self.timeout = timeout
        self.memo = memo
    }

    /// The snapshot as of `instant`, stamped `refreshedAt` (the wall clock when it was made).
    ///
    /// When the source says the inputs are the previous pass's (`RefreshPass.sameInputs`: an idle
    /// refresh, at night or between two dossiers), the previous snapshot is taken again with the
    /// new instants, provided T is on the same local day (periods, days overdue) and no manual row
    /// came due since: the evaluation depends on T through nothing else.
    public func snapshot<C: Clock>(
        asOf instant: Date, refreshedAt: @Sendable () -> Date, clock: C, operation: String = "the refresh"
    ) async throws -> Outcome where C.Duration == Duration {
        let started = clock.now
        let source = self.source, calendar = evaluator.calendar
        let inputs = try await withDeadline(timeout, clock: clock, operation: operation) {
            try await source.loadInputs(asOf: instant, calendar: calendar)
        }
        let read = clock.now
        let day = calendar.localDate(of: instant)
        let manualRecorded = inputs.manualValues.reduce(0) { $0 + ($1.recordedAt <= instant ? 1 : 0) }
        let evaluator = self.evaluator
        let (reusable, carry) = memo.last.withLock { last -> (Snapshot?, EvaluationCarry?) in
            guard let last else { return (nil, nil) }
            guard inputs.pass?.sameInputs == true, last.day == day, last.manualRecorded == manualRecorded,
                last.catalogue == evaluator.catalogue, last.qd766 == evaluator.qd766,
                last.timeZone == evaluator.calendar.timeZone
            else { return (nil, last.carry) }
            return (last.snapshot, last.carry)
        }
        var snapshot: Snapshot
        var next = carry
        if let reusable {
            snapshot = reusable
            snapshot.asOf = instant
            snapshot.refreshedAt = refreshedAt()
        } else {
            // Units whose figures did not change keep the last pass's results (the carry checks
            // the tree, periods, manual rows and tables itself).
            (snapshot, next) = evaluator.evaluate(inputs, asOf: instant, refreshedAt: refreshedAt(), reusing: carry)
        }
        let last = EvaluationMemo.Last(
            snapshot: snapshot, day: day, manualRecorded: manualRecorded, catalogue: evaluator.catalogue, qd766: evaluator.qd766,
            timeZone: evaluator.calendar.timeZone, carry: next)
        memo.last.withLock { $0 = last }
        return Outcome(
            snapshot: snapshot, readSeconds: started.duration(to: read).seconds,
            evaluateSeconds: read.duration(to: clock.now).seconds, pass: inputs.pass, evaluated: reusable == nil,
            unitsEvaluated: reusable == nil ? next?.unitsEvaluated : nil, resultsMade: reusable == nil ? next?.resultsMade : nil,
            estimatesMade: reusable == nil ? next?.estimatesMade : nil)
    }
}

/// The last evaluation and what it depended on besides the inputs: the catalogue and QĐ 766 table
/// (a reload changes them), the local day of T, and how many manual rows were recorded by T.
public final class EvaluationMemo: Sendable {
    struct Last: Sendable {
        var snapshot: Snapshot
        var day: LocalDate
        /// Manual rows recorded by T (the evaluation takes those; the inputs may hold later ones).
        var manualRecorded: Int
        var catalogue: Catalogue
        var qd766: QD766Table?
        var timeZone: TimeZone
        /// What the evaluation that made `snapshot` leaves for the next one.
        var carry: EvaluationCarry?
    }

    let last = Mutex<Last?>(nil)

    public init() {}
}

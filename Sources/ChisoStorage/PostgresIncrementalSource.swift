import ChisoCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The refresh whose cost grows with what changed (issue 11, part 1). The first pass (and any
/// pass that cannot trust the kept state) loads an `InputState` from scratch, summed in the
/// database; every later pass reads only the rows the change capture logged since the previous
/// pass (migration V007: transaction ids against the previous snapshot, so a long transaction
/// that commits late is still taken, exactly once), applies them, moves T forward and evaluates
/// the open set. The small tables are read whole when they changed, on a new local day, or when
/// one of their rows stamped after T comes due. Every `fullEvery`, a pass also loads the state
/// from scratch in the same snapshot, compares the two figure by figure (a difference is logged
/// as an error with its counts) and keeps the fresh one.
///
/// One REPEATABLE READ, READ ONLY transaction per pass, like `PostgresKPISource`. A pass changes
/// the kept state in place (`Handoff`): one that fails before it starts applying changes leaves
/// it as it was (the next reads the same changes again); one that fails while applying them
/// drops it (the next loads from scratch).
public final class PostgresIncrementalSource: KPISource {
    public let client: any ConnectionSource
    public let schema: SchemaName
    public let statementTimeout: Duration
    public let connectTimeout: Duration?
    public let logger: Logger
    /// How often a pass is checked against a load from scratch (and replaced by it).
    public let fullEvery: Duration
    /// Whether this instance trims the change log (the leader does; replicas only read).
    public let trims: @Sendable () -> Bool
    /// How long the log keeps what a pass has taken, so replicas a little behind still find it.
    public let retention: Duration
    /// false: every pass loads from scratch (`refresh_mode: full`); the log is still trimmed.
    public let incremental: Bool
    /// The days feedback deadlines count (`feedback_on_time`).
    public let workingDays: WorkingDays
    /// From how many dossier images a batch is read on two connections (`loadDossiers`): below
    /// it, the second transaction's round trips cost more than they save (~12 ms against a
    /// province batch of 200 images read in ~17 ms).
    public let sideReadsFrom: Int
    /// How many rows of the dossier statements (pending images, settled and online-received
    /// groups) come packed in one, each column an array (`ArrayCell`): a province's 1 % pass read
    /// ~2 × 10^4 pending images and ~10^4 groups, and a row each was a message through PostgresNIO's
    /// decoder, state machine and row sequence, and its cells (perf: the PostgresNIO part of the
    /// pass's CPU 22 → 11 %). A few hundred keep each message small (an array of 1024 pending images,
    /// ~120 KB, was a fresh allocation of NIO's read buffer, and its pages faulted in, every pass).
    public let packedRows: Int

    private let session = Mutex<Session?>(nil)
    /// Set when a second connection could not read through a pass's snapshot (`loadDossiers`).
    private let sideReadsRefused = OnceFlag()
    private let last = Mutex<Pass?>(nil)
    /// The snapshot below which the log is to be trimmed once the pass's figures are published (`housekeep`).
    private let trimDue = Mutex<String?>(nil)

    public init(
        client: any ConnectionSource, schema: SchemaName, statementTimeout: Duration = .seconds(60), connectTimeout: Duration? = nil,
        incremental: Bool = true, fullEvery: Duration = .seconds(86_400), retention: Duration = .seconds(600),
        trims: @escaping @Sendable () -> Bool = { true }, workingDays: WorkingDays = WorkingDays(), sideReadsFrom: Int = 10_000,
        packedRows: Int = 256, logger: Logger
    ) {
        self.workingDays = workingDays
        self.sideReadsFrom = sideReadsFrom
        self.packedRows = max(1, packedRows)
        self.incremental = incremental
        self.client = client
        self.schema = schema
        self.statementTimeout = statementTimeout
        self.connectTimeout = connectTimeout
        self.fullEvery = fullEvery
        self.retention = retention
        self.trims = trims
        self.logger = logger
    }

    public typealias Pass = RefreshPass

    public var lastPass: Pass? { last.withLock { $0 } }

    struct Session: Sendable {
        var state: InputState
        /// pg_current_snapshot() of the pass that made the state, as text.
        var snapshot: String
        var small: KPIInputs
        var smallDay: LocalDate
        var smallNextEvent: Date?
        /// Whether the last pass read the small tables (so its inputs may differ beyond the figures).
        var smallRead = true
        /// The inputs the last pass returned (given again, not rebuilt, when nothing moved).
        var lastInputs: KPIInputs?
        /// When the state was last loaded from scratch (T).
        var loadedAt: Date
        /// Recent passes' snapshots by wall-clock time, oldest first: the log is trimmed below one
        /// older than `retention`, at most once per `retention` / 10 (not a round of DELETEs per refresh).
        var recent: [(at: Date, snapshot: String)]
    }

    /// Hands the kept session to a pass without a second reference to it: the pass takes it out
    /// when it starts applying changes, so that the state's tables (tens of megabytes at province
    /// scale) are changed in place rather than copied on their first write (copy-on-write, ~0.03 s
    /// and that much memory again per pass, measured). Until then it can be given back.
    final class Handoff: Sendable {
        private let held: Mutex<Session?>
        init(_ session: Session?) { held = Mutex(session) }
        /// What the pass needs to know of the kept session before it takes it (no reference to its state).
        func known() -> (snapshot: String, asOf: Date, timeZone: TimeZone, recent: [(at: Date, snapshot: String)])? {
            held.withLock { kept in kept.map { ($0.snapshot, $0.state.asOf, $0.state.calendar.timeZone, $0.recent) } }
        }
        func take() -> Session? { held.withLock { $0.take() } }
    }

    public func loadInputs(asOf t: Date, calendar: PlanCalendar) async throws -> KPIInputs {
        let handoff = Handoff(session.withLock { $0.take() })
        do {
            let (next, inputs, pass) = try await client.withChisoTransaction(
                schema: schema, statementTimeout: statementTimeout, readOnlySnapshot: true, connectTimeout: connectTimeout, logger: logger
            ) { connection in
                try await self.pass(connection, previous: handoff, asOf: t, calendar: calendar)
            }
            var kept = next
            let now = Date(), aged = { (entry: (at: Date, snapshot: String)) in now.timeIntervalSince(entry.at) >= self.retention.seconds }
            let trimBelow = trims() ? kept.recent.last(where: aged)?.snapshot : nil
            if trimBelow != nil {
                // Keep the entries within retention / 10 of the one trimmed below: the next trim waits for them to age.
                let spacing = retention.seconds / 10
                kept.recent.removeAll { now.timeIntervalSince($0.at) >= retention.seconds - spacing }
            }
            session.withLock { $0 = kept }
            last.withLock { $0 = pass }
            if let trimBelow { trimDue.withLock { $0 = trimBelow } }
            return inputs
        } catch {
            // A pass that failed before it started applying changes gives the kept session back
            // (the next reads the same changes again); one that failed while applying them leaves
            // a state partly changed: the next loads from scratch.
            if let untouched = handoff.take() {
                session.withLock { kept in if kept == nil { kept = untouched } }
            } else if incremental {
                logger.notice("refresh: the kept state is dropped (the pass failed after it began changing it); the next loads from scratch")
            }
            throw error
        }
    }

    private func pass(
        _ connection: PostgresConnection, previous handoff: Handoff, asOf t: Date, calendar: PlanCalendar
    ) async throws -> (Session, KPIInputs, Pass) {
        let snapshot = try await currentSnapshot(connection)
        let known = handoff.known()
        var reason = try await reasonToLoad(connection, previous: known.map { ($0.snapshot, $0.asOf, $0.timeZone) }, asOf: t, calendar: calendar)
        var session: Session
        var pass: Pass
        if reason == nil, let known {
            try await remember(connection, snapshot: known.snapshot)
            let tables = try await changedTables(connection)
            if let forcing = tables.first(where: { $0.hasSuffix(":truncate") || $0 == "procedures" }) {
                reason = forcing.hasSuffix(":truncate") ? "table \(forcing.dropLast(9)) was truncated" : "the procedures changed"
            } else if var kept = handoff.take() {
                // The state's only reference from here: changed in place, dropped if this pass fails.
                var state = kept.state
                kept.state = InputState(asOf: state.asOf, calendar: state.calendar)
                let changes = try await applyChanges(
                    connection, to: &state, keysMayHaveMoved: tables.contains(Self.keyMoves), previous: known.snapshot)
                do { try state.advance(to: t) } catch { reason = "T went back from \(error.from) to \(error.to)" }
                if reason == nil, !state.inconsistencies.isEmpty {
                    reason = "the kept state no longer matches the tables (\(state.inconsistencies.joined(separator: "; ")))"
                }
                if reason == nil {
                    let today = calendar.localDate(of: t)
                    kept.smallRead = false
                    if !tables.subtracting([Self.keyMoves]).isEmpty || kept.smallDay != today || kept.smallNextEvent.map({ $0 <= t }) == true {
                        kept.smallRead = true
                        kept.small = try await InputQueries.smallTables(connection, asOf: t, calendar: calendar, logger: logger)
                        kept.smallDay = today
                        kept.smallNextEvent = try await InputQueries.nextSmallTableEvent(connection, asOf: t, logger: logger)
                    }
                    kept.state = state
                    kept.snapshot = snapshot
                    session = kept
                    pass = Pass(kind: .incremental, reason: nil, changes: changes, pending: state.pendingCount, differences: 0)
                    if t.timeIntervalSince(kept.loadedAt) >= fullEvery.seconds {
                        // The periodic check: the same snapshot, from scratch.
                        var fresh = try await load(connection, asOf: t, calendar: calendar, snapshot: snapshot)
                        let differences = FigureComparison.differences(incremental: session.state.figures(), full: fresh.state.figures())
                        if !differences.isEmpty {
                            logger.error(
                                "incremental refresh: \(differences.count) figures differ from a full recomputation; keeping the full one: \(differences.prefix(10).joined(separator: "; "))"
                            )
                        }
                        fresh.recent = kept.recent
                        session = fresh
                        pass = Pass(
                            kind: .full, reason: "periodic check", changes: changes, pending: fresh.state.pendingCount, differences: differences.count
                        )
                    }
                    return finish(&session, pass: pass, snapshot: snapshot)
                }
            }
        }
        session = try await load(connection, asOf: t, calendar: calendar, snapshot: snapshot)
        session.recent = known?.recent ?? []
        if let reason, known != nil, incremental { logger.notice("refresh: loading from scratch: \(reason)") }
        pass = Pass(kind: .full, reason: reason ?? "start", changes: 0, pending: session.state.pendingCount, differences: 0)
        return finish(&session, pass: pass, snapshot: snapshot)
    }

    private func finish(_ session: inout Session, pass: Pass, snapshot: String) -> (Session, KPIInputs, Pass) {
        session.recent.append((Date(), snapshot))
        if session.recent.count > 1000 { session.recent.removeFirst(session.recent.count - 1000) }
        let figures = session.state.evaluationFigures()
        var pass = pass
        pass.sameInputs = pass.kind == .incremental && !session.smallRead && session.state.figuresUnchanged
        if pass.sameInputs, var inputs = session.lastInputs {
            inputs.pass = pass
            return (session, inputs, pass)
        }
        var inputs = session.small
        inputs.pass = pass
        // The large tables' tallies stay arrays by unit (~7 × 10^4 at province scale), beside the
        // few small-table ones: neither is copied into the other.
        inputs.largeTableTallies = figures.tallies
        inputs.numberedProcedures = figures.procedures
        inputs.overdueDossiers = figures.overdueDossiers
        session.lastInputs = inputs
        return (session, inputs, pass)
    }

    /// Why the kept state cannot be carried forward (nil: it can).
    private func reasonToLoad(
        _ connection: PostgresConnection, previous: (snapshot: String, asOf: Date, timeZone: TimeZone)?, asOf t: Date, calendar: PlanCalendar
    ) async throws -> String? {
        guard let previous else { return "start" }
        if !incremental { return "refresh_mode full" }
        if t < previous.asOf { return "T went back" }
        if previous.timeZone != calendar.timeZone { return "the time zone changed" }
        let rows = try await connection.query(
            "SELECT pg_snapshot_xmin(\(previous.snapshot)::pg_snapshot) < trimmed_below FROM chiso_change_horizon", logger: logger)
        for try await (trimmed, ) in rows.decode((Bool,).self) where trimmed {
            return "the change log was trimmed past this instance's last pass"
        }
        return nil
    }

    private func currentSnapshot(_ connection: PostgresConnection) async throws -> String {
        for try await (text, ) in try await connection.query("SELECT pg_current_snapshot()::text", logger: logger).decode((String,).self) {
            return text
        }
        throw StorageError.unexpectedValue(table: "pg_current_snapshot", column: "text", value: "")
    }

    /// The rows of a change log (aliased `c`) committed since the previous pass: visible in this
    /// pass's snapshot, not visible in that one's (`chiso.previous_snapshot`, set by `remember`).
    /// The snapshot is parsed once per statement (an uncorrelated subquery, run once), not once per
    /// row: at 10^5 images that was a third of a scan of the log.
    static let sincePrevious =
        "c.xid >= pg_snapshot_xmin(current_setting('chiso.previous_snapshot')::pg_snapshot) AND NOT pg_visible_in_snapshot(c.xid, (SELECT current_setting('chiso.previous_snapshot')::pg_snapshot))"

    /// Makes `snapshot` the transaction's `chiso.previous_snapshot` (one bound parameter; the
    /// queries that read it are constant text).
    private func remember(_ connection: PostgresConnection, snapshot: String) async throws {
        try await connection.query("SELECT set_config('chiso.previous_snapshot', \(snapshot), true)", logger: logger)
    }

    private func changedTables(_ connection: PostgresConnection) async throws -> Set<String> {
        var out: Set<String> = []
        let rows = try await connection.query(
            "SELECT DISTINCT table_name FROM chiso_table_changes c WHERE \(unescaped: Self.sincePrevious)", logger: logger)
        for try await (name, ) in rows.decode((String,).self) { out.insert(name) }
        return out
    }

    // MARK: Changes

    /// Applies every logged change since the remembered snapshot; returns how many rows were applied. A dossier
    /// whose unit or procedure changed takes its payments along (`movePayments`); a payment whose
    /// dossier is gone cannot be followed: the payments are then loaded again from scratch.
    private func applyChanges(
        _ connection: PostgresConnection, to state: inout InputState, keysMayHaveMoved: Bool, previous: String
    ) async throws -> Int {
        var applied = 0
        // The batch's dossier images, summed in the database like a load (settled ones by unit,
        // month and indicator, with their signs; pending ones whole): 10^5 changed rows are not
        // decoded one by one. A dossier whose images name two units or procedures moved its payments.
        // Only a batch in which the capture saw a key move or a deletion (V011) pairs its images by dossier.
        var reloadPayments = false, anyMoved = false
        let batch = try await connection.query(
            keysMayHaveMoved
                ? """
                SELECT coalesce(sum(images), 0)::bigint, coalesce(bool_or(moved), false)
                FROM (SELECT count(*) AS images, min(c.unit_id) <> max(c.unit_id) OR min(c.procedure_code) <> max(c.procedure_code) AS moved
                      FROM chiso_dossier_changes c WHERE \(unescaped: Self.sincePrevious) GROUP BY c.code) AS per_dossier
                """
                // Counted up to the threshold only: a batch that reaches it is counted in full while
                // the second connection reads (`loadDossiers`), not before.
                : """
                SELECT count(*), false
                FROM (SELECT FROM chiso_dossier_changes c WHERE \(unescaped: Self.sincePrevious) LIMIT \(max(1, sideReadsFrom))) AS first_images
                """, logger: logger)
        var images = 0
        for try await (count, moved) in batch.decode((Int, Bool).self) {
            images = count
            anyMoved = moved
        }
        if images > 0 {
            let side = images >= sideReadsFrom ? try await sideReads(connection, previous: previous) : nil
            let counted = try await withBatchPlans(connection) {
                try await loadDossiers(
                    connection, into: &state, from: "(SELECT * FROM chiso_dossier_changes c WHERE \(Self.sincePrevious))", alongside: side,
                    countingImages: !keysMayHaveMoved && images >= sideReadsFrom)
            }
            if let counted { images = counted }
        }
        applied += images
        let moves = anyMoved ? try await movedDossiers(connection) : [:]
        let payments = try await connection.query(
            """
            SELECT c.sign, c.id, c.dossier_code, d.unit_id, d.procedure_code, c.paid_at, c.method
            FROM chiso_payment_changes c LEFT JOIN dossiers d ON d.code = c.dossier_code
            WHERE \(unescaped: Self.sincePrevious)
            """, logger: logger)
        var paymentChanges: [(Int, PaymentImage)] = []
        for try await (sign, id, dossier, unit, procedure, paidAt, method) in payments.decode(
            (Int, String, String, String?, String?, Date, String).self)
        {
            guard let unit, let procedure else {
                // Taken all the same: the payments are loaded again (and the image counts as applied).
                reloadPayments = true
                applied += 1
                continue
            }
            // A moved dossier's payment images undo what the state holds under its former unit
            // and procedure (`movePayments` then moves its payments as they are now).
            let key = moves[dossier] ?? (unit: unit, procedure: procedure)
            paymentChanges.append((sign, PaymentImage(id: id, unitID: key.unit, procedureCode: key.procedure, paidAt: paidAt, method: method)))
        }
        applied += paymentChanges.count
        if !moves.isEmpty && !reloadPayments { paymentChanges += try await movePayments(connection, moves: moves) }
        if reloadPayments {
            state.clearPayments()
            try await loadPayments(connection, into: &state)
        } else {
            for (sign, payment) in paymentChanges { state.apply(payment: payment, sign: sign) }
        }
        let documents = try await connection.query(
            """
            SELECT c.sign, c.id, c.unit_id, c.direction = 'outgoing', c.registered_at, c.digitally_signed, c.processed_electronically,
                   c.security_level = 'normal'
            FROM chiso_document_changes c WHERE \(unescaped: Self.sincePrevious)
            """, logger: logger)
        for try await (sign, id, unit, outgoing, registeredAt, signed, electronic, normal) in documents.decode(
            (Int, String, String, Bool, Date, Bool, Bool, Bool).self)
        {
            state.apply(
                document: DocumentImage(
                    id: id, unitID: unit, outgoing: outgoing, registeredAt: registeredAt, digitallySigned: signed,
                    processedElectronically: electronic, normal: normal), sign: sign)
            applied += 1
        }
        applied += try await applyFeedbackChanges(connection, to: &state)
        return applied
    }

    /// What the capture logs in `chiso_table_changes` when a dossier's key may have moved (V011).
    static let keyMoves = "dossiers:keys"

    /// A second connection for a pass: the pass's snapshot, exported, and the previous pass's
    /// (nil: a load from scratch, which reads the tables, not the log, with the server's plans).
    struct SideReads: Sendable {
        var exported: ExportedSnapshot
        var previous: String?
        /// Set once the second connection's transaction took the snapshot.
        let began = OnceFlag()
    }

    /// Exports the pass's snapshot for a second connection (nil: PostgreSQL's answer is not an
    /// identifier, or a second connection failed before).
    private func sideReads(_ connection: PostgresConnection, previous: String?) async throws -> SideReads? {
        if sideReadsRefused.isSet { return nil }
        return try await connection.exportSnapshot(logger: logger).map { SideReads(exported: $0, previous: previous) }
    }

    /// `body` on a second pooled connection, in a transaction reading through the pass's
    /// snapshot, with the pass's previous snapshot and batch plans (when it reads a batch).
    private func onSide<Result: Sendable>(
        _ side: SideReads, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await client.withChisoTransaction(
            schema: schema, statementTimeout: statementTimeout, importing: side.exported, connectTimeout: connectTimeout, logger: logger
        ) { connection in
            side.began.set()
            guard let previous = side.previous else { return try await body(connection) }
            try await self.remember(connection, snapshot: previous)
            return try await self.withBatchPlans(connection) { try await body(connection) }
        }
    }

    /// Runs the statements that sum a batch of dossier images with hash joins and hash aggregates,
    /// each in its connection's own server process.
    /// The change log is a queue: its statistics (when it has any) describe some earlier batch,
    /// and a batch's rows are the ones past the histogram's end, so the planner takes any batch
    /// for one row and joins it row by row, then sorts it by group (at 10^5 images: settled sums
    /// 150 → 78 ms, online-received 108 → 54 ms, open rows 58 → 41 ms, measured). No parallel
    /// workers either: a large batch already reads on two connections at once, and a worker is a
    /// process started for one statement (the online-received sums of a province's 10^5 images:
    /// 54–86 ms of the server's CPU with one worker, 34–61 ms without, for the same wall time
    /// alone; on two cores the refresh waits for that CPU). The previous settings are restored for
    /// the transaction's other statements, which look rows up by index in the large tables.
    private func withBatchPlans<Result>(_ connection: PostgresConnection, _ body: () async throws -> Result) async throws -> Result {
        var saved: (String, String, String)?
        for try await row in try await connection.query(
            """
            SELECT current_setting('enable_nestloop'), current_setting('enable_sort'), current_setting('max_parallel_workers_per_gather'),
                   set_config('enable_nestloop', 'off', true), set_config('enable_sort', 'off', true),
                   set_config('max_parallel_workers_per_gather', '0', true)
            """, logger: logger
        ).decode((String, String, String, String, String, String).self) { saved = (row.0, row.1, row.2) }
        let result = try await body()
        if let (nestedLoops, sorts, workers) = saved {
            try await connection.query(
                """
                SELECT set_config('enable_nestloop', \(nestedLoops), true), set_config('enable_sort', \(sorts), true),
                       set_config('max_parallel_workers_per_gather', \(workers), true)
                """, logger: logger)
        }
        return result
    }

    /// The dossiers of the batch that moved to another unit or procedure, each with the unit and
    /// procedure it had at the previous snapshot: of a dossier's images, summed by unit and
    /// procedure, the pair left at −1 is where it was, the pair at +1 where it is (a dossier
    /// inserted or deleted in the batch, or moved and back, has not both, and moved nothing).
    private func movedDossiers(_ connection: PostgresConnection) async throws -> [String: (unit: String, procedure: String)] {
        let rows = try await connection.query(
            """
            SELECT code, unit_id, procedure_code, net FROM (
                SELECT c.code, c.unit_id, c.procedure_code, sum(c.sign)::bigint AS net, count(*) OVER (PARTITION BY c.code) AS pairs
                FROM chiso_dossier_changes c WHERE \(unescaped: Self.sincePrevious) GROUP BY 1, 2, 3) AS per_pair
            WHERE pairs > 1 AND net <> 0
            """, logger: logger)
        var was: [String: (unit: String, procedure: String)] = [:], moved: Set<String> = []
        for try await (code, unit, procedure, net) in rows.decode((String, String, String, Int).self) {
            if net < 0 { was[code] = (unit, procedure) } else { moved.insert(code) }
        }
        return was.filter { moved.contains($0.key) }
    }

    /// The payments of moved dossiers as they are now: each off its dossier's former unit and
    /// procedure, onto its current ones (with the batch's own images of them, applied under the
    /// former ones, this takes off exactly what the state held and puts on what is there now).
    private func movePayments(
        _ connection: PostgresConnection, moves: [String: (unit: String, procedure: String)]
    ) async throws -> [(Int, PaymentImage)] {
        let rows = try await connection.query(
            """
            SELECT p.id, p.dossier_code, d.unit_id, d.procedure_code, p.paid_at, p.method
            FROM payments p JOIN dossiers d ON d.code = p.dossier_code WHERE p.dossier_code = ANY(\(Array(moves.keys)))
            """, logger: logger)
        var out: [(Int, PaymentImage)] = []
        for try await (id, dossier, unit, procedure, paidAt, method) in rows.decode((String, String, String, String, Date, String).self) {
            guard let was = moves[dossier] else { continue }
            out.append((-1, PaymentImage(id: id, unitID: was.unit, procedureCode: was.procedure, paidAt: paidAt, method: method)))
            out.append((1, PaymentImage(id: id, unitID: unit, procedureCode: procedure, paidAt: paidAt, method: method)))
        }
        return out
    }

    /// The logged feedback changes, each with the deadline of its receiving day.
    private func applyFeedbackChanges(_ connection: PostgresConnection, to state: inout InputState) async throws -> Int {
        var applied = 0
        let feedback = try await connection.query(
            """
            SELECT c.sign, c.id, c.unit_id, c.received_at, c.resolved_at, c.result_published
            FROM chiso_feedback_changes c WHERE \(unescaped: Self.sincePrevious)
            """, logger: logger)
        let deadlines = FeedbackDeadlines(calendar: state.calendar, workingDays: workingDays)
        for try await (sign, id, unit, receivedAt, resolvedAt, published) in feedback.decode((Int, String, String, Date, Date?, Bool).self) {
            state.apply(
                feedback: FeedbackImage(
                    id: id, unitID: unit, receivedAt: receivedAt, resolvedAt: resolvedAt, resultPublished: published,
                    lateFrom: deadlines.lateFrom(receivedAt: receivedAt)), sign: sign)
            applied += 1
        }
        return applied
    }

    // MARK: Loading from scratch

    /// A state as of T from the tables, summed per unit and month in the database; pending rows whole.
    private func load(_ connection: PostgresConnection, asOf t: Date, calendar: PlanCalendar, snapshot: String) async throws -> Session {
        var state = InputState(asOf: t, calendar: calendar)
        // The settled and online-received groups on a second connection while this one reads the
        // open rows, the payments, the documents and the feedback (a province's load: 2.3 and 1.2 s
        // on the second, 0.4, 2.5, 0.2 and 0.1 s here, one after the other before).
        try await loadDossiers(connection, into: &state, alongside: try await sideReads(connection, previous: nil)) { state in
            try await self.loadPayments(connection, into: &state)
            try await self.loadDocuments(connection, into: &state)
            try await self.loadFeedback(connection, into: &state)
        }
        let small = try await InputQueries.smallTables(connection, asOf: t, calendar: calendar, logger: logger)
        let next = try await InputQueries.nextSmallTableEvent(connection, asOf: t, logger: logger)
        return Session(
            state: state, snapshot: snapshot, small: small, smallDay: calendar.localDate(of: t), smallNextEvent: next, loadedAt: t, recent: [])
    }

    /// The eight booleans of a dossier and its procedure, as bits (one column instead of eight).
    /// (`d` and `pr` are the aliases of the dossier and its procedure: constant text, not values.)
    static func dossierFlags(_ d: String, _ pr: String) -> String {
        """
        (\(d).received_at_center::int + 2 * \(d).digitised::int + 4 * \(d).reused_data::int + 8 * \(d).e_result::int
         + 16 * \(d).synced_national::int + 32 * (\(d).channel = 'online')::int
         + 64 * coalesce(\(pr).service_level = 'full', false)::int + 128 * coalesce(\(pr).requires_result_document, false)::int
         + 256 * coalesce(\(pr).has_fee, false)::int)
        """
    }

    static func dossier(
        _ code: String, _ unit: String, _ procedure: String, _ status: String, _ receivedAt: Date, _ dueAt: Date?, _ finishedAt: Date?,
        _ apologisedAt: Date?, _ flags: Int, paidOnlineAt: Date? = nil
    ) -> DossierImage {
        DossierImage(
            code: code, unitID: unit, procedureCode: procedure, status: status, receivedAt: receivedAt, dueAt: dueAt, finishedAt: finishedAt,
            apologisedAt: apologisedAt, online: flags & 32 != 0, receivedAtCenter: flags & 1 != 0, digitised: flags & 2 != 0,
            reusedData: flags & 4 != 0, eResult: flags & 8 != 0, syncedNational: flags & 16 != 0, fullService: flags & 64 != 0,
            requiresResultDocument: flags & 128 != 0, feeCharging: flags & 256 != 0, paidOnlineAt: paidOnlineAt)
    }

    /// A settled group's sums (`loadDossiers`), in the order it reads them. A group whose sums are
    /// all zero is not sent: a batch's −1 and +1 images of a dossier whose flags changed cancel
    /// in its online-received group and in most of its settled columns (the planner computes each
    /// aggregate once for the select list and the HAVING clause).
    static let settledSums = [
        "coalesce(sum(d.sign), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE d.finished_at > d.due_at), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE d.finished_at > d.due_at AND d.apologised_at IS NOT NULL), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE pr.requires_result_document), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE pr.requires_result_document AND d.e_result), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE d.synced_national), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE d.received_at_center), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE d.digitised), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE d.reused_data), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE pr.service_level = 'full'), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE pr.service_level = 'full' AND d.channel = 'online'), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE d.channel = 'online'), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE pr.has_fee), 0)",
        "coalesce(sum(d.sign) FILTER (WHERE pr.has_fee AND d.paid_online_at IS NOT NULL), 0)",
    ]

    /// The table's rows (a load), or the batch's images with their signs (`from`: constant text, a
    /// relation with the dossier columns and `sign`). `alongside`: the settled and online-received
    /// groups are read on a second connection in the same snapshot while this one reads and
    /// applies the open rows (a province's batch of 10^5 images: three statements of 25–60 ms
    /// each, on two cores); `countingImages`: the batch's images are counted too (returned; on
    /// this connection, queued behind the open rows when there is a second one). `meanwhile`: more
    /// reads on this connection, after the open rows and before the second connection's groups
    /// are applied (a load's payments, documents and feedback, while the second reads the groups).
    @discardableResult
    private func loadDossiers(
        _ connection: PostgresConnection, into state: inout InputState,
        from source: String = "(SELECT 1 AS sign, *, chiso_paid_online_at AS paid_online_at FROM dossiers)", alongside side: SideReads? = nil,
        countingImages: Bool = false, meanwhile: ((inout InputState) async throws -> Void)? = nil
    ) async throws -> Int? {
        let window = DossierWindow(starts: state.monthStarts, january: state.januaryMonthNumber, asOf: state.asOf)
        guard let side else {
            // One statement after the other, each applied as it is read.
            try await pendingDossiers(connection, window, from: source) { state.apply(dossier: $0, sign: $1) }
            try await meanwhile?(&state)
            try await onlineDossiers(connection, into: &state, from: source)
            return try await settledDossiers(connection, into: &state, from: source, thenCounting: countingImages)
        }
        // This connection sends the open rows' statement and queues the count behind it: the server
        // counts while the open rows are applied here. The second connection reads the settled
        // groups, then the online-received groups; they come in chunks, applied after this
        // connection's rows (a few thousand, quick to apply). PostgreSQL's statement log of a
        // province's 1 % pass: the open rows ~60 ms (then ~35 ms of applying them here), the count
        // ~12; the settled groups ~40–55, the online-received ~22–28. The online-received groups
        // and the count were the second connection's before (~130 ms, this one's server process
        // idle after ~55); alternating runs of nine passes, the read's mean 0.136 s then and
        // 0.124 s now.
        let (chunks, feed) = AsyncStream<SideChunk>.makeStream()
        // The stream ends however the second connection's read ends (a refused lease included).
        @Sendable func readOnSide() async throws {
            defer { feed.finish() }
            try await onSide(side) { connection in try await readOnSideConnection(connection) }
        }
        @Sendable func readOnSideConnection(_ connection: PostgresConnection) async throws {
            var settled: [SettledGroup] = []
            _ = try await self.settledGroups(connection, window, from: source) {
                settled.append(($0, $1, $2, $3, $4))
                if settled.count == SideChunk.rows {
                    feed.yield(.settled(settled))
                    settled = []
                }
            }
            if !settled.isEmpty { feed.yield(.settled(settled)) }
            feed.yield(.online(try await self.onlineGroups(connection, window, from: source)))
        }
        async let sideRead: Void = readOnSide()
        let images = try await pendingDossiers(connection, window, from: source, thenCounting: countingImages) {
            state.apply(dossier: $0, sign: $1)
        }
        try await meanwhile?(&state)
        var appliedAny = false
        for await chunk in chunks {
            appliedAny = true
            switch chunk {
            case .settled(let groups):
                for (unit, finished, received, bucket, sums) in groups {
                    Self.applySettledGroup(&state, unit: unit, finished: finished, received: received, receivedBucket: bucket, sums: sums)
                }
            case .online(let groups):
                for (unit, procedure, month, dossiers) in groups {
                    state.addOnlineReceived(unitID: unit, procedureCode: procedure, month: month, dossiers: dossiers)
                }
            }
        }
        // A cancelled pass stops iterating before the stream ends: not every row was applied.
        try Task.checkCancellation()
        do {
            try await sideRead
        } catch {
            // Rows of the second connection already applied: the pass fails and the next loads
            // from scratch, as when this connection fails while applying.
            if appliedAny { throw error }
            // None applied: they are read on this one (from now on if the second was refused).
            try Task.checkCancellation()
            noteSecondConnectionFailed(error, began: side.began.isSet, refused: sideReadsRefused, logger: logger)
            try await onlineDossiers(connection, into: &state, from: source)
            try await settledDossiers(connection, into: &state, from: source)
        }
        return images
    }

    /// Online-received groups (`onlineReceived`) applied to the state as they are read.
    private func onlineDossiers(_ connection: PostgresConnection, into state: inout InputState, from source: String) async throws {
        let window = DossierWindow(starts: state.monthStarts, january: state.januaryMonthNumber, asOf: state.asOf)
        try await onlineReceived(connection, window, from: source) { state.addOnlineReceived(unitID: $0, procedureCode: $1, month: $2, dossiers: $3) }
    }

    /// The number of dossier images the pass takes.
    private func imageCount(_ connection: PostgresConnection) async throws -> Int {
        for try await (count, ) in try await connection.query(
            "SELECT count(*) FROM chiso_dossier_changes c WHERE \(unescaped: Self.sincePrevious)", logger: logger
        ).decode((Int,).self) { return count }
        return 0
    }

    /// A settled group: unit, finishing and receiving month, receiving bucket, the sums of `settledSums`.
    typealias SettledGroup = (String, Int, Int, Int, [Int])
    /// An online-received group: unit, procedure, receiving month, dossiers (`onlineReceived`).
    typealias OnlineGroup = (String, String, Int, Int)

    /// What the second connection read, handed to the pass's connection as it comes: settled
    /// groups in chunks, then the online-received groups.
    enum SideChunk: Sendable {
        case settled([SettledGroup])
        case online([OnlineGroup])
        /// Groups per chunk: small enough to start applying early, large enough that handing one over costs nothing.
        static let rows = 2048
    }

    /// What the dossier statements need of the state: the year's month starts and T.
    struct DossierWindow: Sendable {
        var starts: [Date]
        var january: Int
        var asOf: Date
    }

    /// Settled dossiers summed by unit, finishing month and receiving month, applied to the state
    /// (`settledGroups`).
    @discardableResult
    private func settledDossiers(
        _ connection: PostgresConnection, into state: inout InputState, from source: String, thenCounting counting: Bool = false
    ) async throws -> Int? {
        let window = DossierWindow(starts: state.monthStarts, january: state.januaryMonthNumber, asOf: state.asOf)
        return try await settledGroups(connection, window, from: source, thenCounting: counting) { unit, finished, received, receivedBucket, sums in
            Self.applySettledGroup(&state, unit: unit, finished: finished, received: received, receivedBucket: receivedBucket, sums: sums)
        }
    }

    /// One settled group's sums (`settledSums`, in order) added to the state: by finishing month,
    /// and by receiving month for one received in the year (`receivedBucket` ≥ 1).
    static func applySettledGroup(_ state: inout InputState, unit: String, finished: Int, received: Int, receivedBucket: Int, sums: [Int]) {
        let (count, late, apologised) = (sums[0], sums[1], sums[2])
        state.addSettled(unitID: unit, month: finished, indicator: .dossiersOnTime, numerator: count - late, denominator: count)
        state.addSettled(unitID: unit, month: finished, indicator: .lateDossiersApologised, numerator: apologised, denominator: late)
        state.addSettled(unitID: unit, month: finished, indicator: .resultsDigitised, numerator: sums[4], denominator: sums[3])
        guard receivedBucket >= 1 else { return }  // received before the year
        state.addSettled(unitID: unit, month: received, indicator: .dossiersSyncedNational, numerator: sums[5], denominator: count)
        state.addSettled(unitID: unit, month: received, indicator: .dossiersReceivedAtCenter, numerator: sums[6], denominator: count)
        state.addSettled(unitID: unit, month: received, indicator: .dossiersDigitised, numerator: sums[7], denominator: count)
        state.addSettled(unitID: unit, month: received, indicator: .dossiersDataReused, numerator: sums[8], denominator: count)
        state.addSettled(unitID: unit, month: received, indicator: .dossiersFullOnline, numerator: sums[10], denominator: sums[9])
        state.addSettled(unitID: unit, month: received, indicator: .dossiersReceivedOnline, numerator: sums[11], denominator: count)
        state.addSettled(unitID: unit, month: received, indicator: .feeDossiersPaidOnline, numerator: sums[13], denominator: sums[12])
    }

    /// Settled dossiers summed by unit, finishing month and receiving month: each group's unit,
    /// months, receiving bucket and sums. `thenCounting`: the batch's images are counted too
    /// (returned), in a statement queued on the connection behind this one as soon as it is sent,
    /// so that the server counts while the groups are read.
    private func settledGroups(
        _ connection: PostgresConnection, _ window: DossierWindow, from source: String, thenCounting counting: Bool = false,
        each: (String, Int, Int, Int, [Int]) -> Void
    ) async throws -> Int? {
        let (starts, january) = (window.starts, window.january)
        let t = window.asOf, yearStart = starts[0]
        // Settled: finished by T in the year, and not a late one whose apology is stamped after T.
        // Each group's buckets and sums are a row of a two-dimensional int8[] (`ArrayCell`), and
        // `packedRows` groups come in one row.
        let settled = try await connection.query(
            """
            SELECT array_agg(p.unit_id), array_agg(p.sums)
            FROM (
                SELECT g.unit_id, ARRAY[g.finished_bucket, g.received_bucket, \(unescaped: Self.settledSums.indices.map { "g.s\($0)" }.joined(separator: ", "))]::int8[] AS sums,
                       row_number() OVER () / \(packedRows) AS chunk
                FROM (
                    SELECT d.unit_id, width_bucket(d.finished_at, \(starts)) AS finished_bucket, width_bucket(d.received_at, \(starts)) AS received_bucket,
                           \(unescaped: Self.settledSums.enumerated().map { "\($1) AS s\($0)" }.joined(separator: ",\n       "))
                    FROM \(unescaped: source) AS d JOIN procedures pr ON pr.code = d.procedure_code
                    WHERE d.status = 'finished' AND d.finished_at <= \(t) AND d.finished_at >= \(yearStart)
                      AND NOT coalesce(d.finished_at > d.due_at AND d.apologised_at > \(t), false)
                      AND NOT coalesce(pr.has_fee AND d.paid_online_at > \(t) AND d.received_at >= \(yearStart), false)
                    GROUP BY 1, 2, 3
                    HAVING \(unescaped: Self.settledSums.map { "\($0) <> 0" }.joined(separator: " OR "))) AS g) AS p
            GROUP BY p.chunk
            """, logger: logger)
        async let images: Int? = counting ? imageCount(connection) : nil
        var sums = [Int](repeating: 0, count: Self.settledSums.count)
        for try await row in settled {
            var cells = RowCells(row, table: "dossiers")
            var units = try cells.nextArray(column: "unit_id"), packed = try cells.nextArray(column: "(settled sums)")
            guard packed.count == units.count * (2 + sums.count), packed.rowLength == 2 + sums.count || units.count == 0 else {
                throw StorageError.unexpectedValue(
                    table: "dossiers", column: "(settled sums)", value: "\(packed.count) numbers for \(units.count) groups")
            }
            for _ in 0..<units.count {
                let unit = try units.nextString()
                let finishedBucket = try packed.nextInt(), receivedBucket = try packed.nextInt()
                for index in sums.indices { sums[index] = try packed.nextInt() }
                each(unit, january + finishedBucket - 1, january + receivedBucket - 1, receivedBucket, sums)
            }
        }
        return try await images
    }

    /// Pending: still processing, finished after T, late with the apology stamped after T, or
    /// (3.6) of a fee-charging procedure, received in the year and paid online after T.
    ///
    /// The first condition is implied by the second (each of its branches names one of the four
    /// columns): on the dossier's own columns, it drops most rows before the join to procedures,
    /// which the second's last branch would otherwise ask for every row (a province's batch of
    /// 10^5 images: 30 → 20 ms alone, measured).
    ///
    /// The images come `packedRows` to a row. `thenCounting`: the batch's images are counted too
    /// (returned), in a statement queued behind this one as soon as it is sent, so that the
    /// server counts while the images are decoded and applied (`each`).
    @discardableResult
    private func pendingDossiers(
        _ connection: PostgresConnection, _ window: DossierWindow, from source: String, thenCounting counting: Bool = false,
        each: (DossierImage, Int) -> Void
    ) async throws -> Int? {
        let t = window.asOf, yearStart = window.starts[0]
        let pending = try await connection.query(
            """
            SELECT array_agg(p.code), array_agg(p.unit_id), array_agg(p.procedure_code), array_agg(p.instants), array_agg(p.word)::int8[]
            FROM (
                SELECT d.code, d.unit_id, d.procedure_code,
                       ARRAY[d.received_at, d.due_at, d.finished_at, d.apologised_at, d.paid_online_at]::timestamptz[] AS instants,
                       \(unescaped: Self.dossierFlags("d", "pr")) + 512 * (d.sign > 0)::int + 1024 * (d.status = 'finished')::int AS word,
                       row_number() OVER () / \(packedRows) AS chunk
                FROM \(unescaped: source) AS d JOIN procedures pr ON pr.code = d.procedure_code
                WHERE (d.status = 'processing' OR d.finished_at > \(t) OR d.apologised_at > \(t) OR d.paid_online_at > \(t))
                  AND (d.status = 'processing'
                   OR (d.status = 'finished' AND d.finished_at > \(t))
                   OR (d.status = 'finished' AND d.finished_at >= \(yearStart) AND d.finished_at <= \(t) AND d.finished_at > d.due_at
                       AND d.apologised_at > \(t))
                   OR (d.status = 'finished' AND d.finished_at >= \(yearStart) AND d.finished_at <= \(t)
                       AND pr.has_fee AND d.paid_online_at > \(t) AND d.received_at >= \(yearStart)))) AS p
            GROUP BY p.chunk
            """, logger: logger)
        guard counting else {
            for try await row in pending { try Self.decodePending(row, each: each) }
            return nil
        }
        async let images = imageCount(connection)
        // PostgresNIO reads on from the socket only as its rows are consumed: applied here as they
        // were read, the images held the server's process up, and the count queued behind it,
        // for as long as applying them took (statement log: the open rows' statement 56 → 85 ms
        // with the images applied as read, the queued one after it). Drained as they come, decoded
        // on the draining task (on the other core, while this one applies: perf, ~8 ms of a
        // province's 1 % pass), into a buffer without bound (~3 MB then), applied from there.
        let (buffered, buffer) = AsyncThrowingStream<[(DossierImage, Int)], any Error>.makeStream()
        @Sendable func drain() async {
            do {
                for try await row in pending {
                    var decoded: [(DossierImage, Int)] = []
                    try Self.decodePending(row) { decoded.append(($0, $1)) }
                    buffer.yield(decoded)
                }
                buffer.finish()
            } catch {
                buffer.finish(throwing: error)
            }
        }
        async let drained: Void = drain()
        for try await decoded in buffered {
            for (image, sign) in decoded { each(image, sign) }
        }
        // A cancelled pass stops iterating before the buffer ends: not every image was applied.
        try Task.checkCancellation()
        await drained
        return try await images
    }

    /// One row of the open rows' statement (`pendingDossiers`): its images, each given to `each` with its sign.
    private static func decodePending(_ row: PostgresRow, each: (DossierImage, Int) -> Void) throws {
        var cells = RowCells(row, table: "dossiers")
        var codes = try cells.nextArray(column: "code"), units = try cells.nextArray(column: "unit_id")
        var procedures = try cells.nextArray(column: "procedure_code")
        // Each image's five instants are a row of a two-dimensional timestamptz[], and the rest
        // is one word: bits 0–8 the flags of `dossierFlags`, 512 a +1 image, 1024 a finished dossier.
        var instants = try cells.nextArray(column: "(instants)"), words = try cells.nextArray(column: "(flags)")
        let images = codes.count
        guard units.count == images, procedures.count == images, words.count == images else {
            throw StorageError.unexpectedValue(
                table: "dossiers", column: "(pending images)", value: "columns of \([images, units.count, procedures.count, words.count]) images")
        }
        guard instants.count == 5 * images, instants.rowLength == 5 || images == 0 else {
            throw StorageError.unexpectedValue(table: "dossiers", column: "(instants)", value: "\(instants.count) instants for \(images) images")
        }
        for _ in 0..<images {
            let (code, unit, procedure) = try (codes.nextString(), units.nextString(), procedures.nextString())
            guard let receivedAt = try instants.nextDate() else {
                throw StorageError.unexpectedValue(table: "dossiers", column: "received_at", value: "NULL")
            }
            let (dueAt, finishedAt, apologisedAt, paidOnlineAt) = try (
                instants.nextDate(), instants.nextDate(), instants.nextDate(), instants.nextDate()
            )
            let word = try words.nextInt()
            // Pending rows are processing or finished (the statement's condition).
            let status = word & 1024 != 0 ? "finished" : "processing"
            each(
                Self.dossier(code, unit, procedure, status, receivedAt, dueAt, finishedAt, apologisedAt, word & 511, paidOnlineAt: paidOnlineAt),
                word & 512 != 0 ? 1 : -1)
        }
    }

    /// The online-received groups of `onlineReceived`, kept to be applied later.
    private func onlineGroups(_ connection: PostgresConnection, _ window: DossierWindow, from source: String) async throws -> [OnlineGroup] {
        var groups: [OnlineGroup] = []
        try await onlineReceived(connection, window, from: source) { groups.append(($0, $1, $2, $3)) }
        return groups
    }

    /// Settled dossiers received through `online` in the year, per unit, procedure and month
    /// (`online_services_used`; the same rows and signs as `settledDossiers`).
    private func onlineReceived(
        _ connection: PostgresConnection, _ window: DossierWindow, from source: String, each: (String, String, Int, Int) -> Void
    ) async throws {
        let (starts, january) = (window.starts, window.january)
        let t = window.asOf, yearStart = starts[0]
        // `packedRows` groups a row, each column an array.
        let online = try await connection.query(
            """
            SELECT array_agg(o.unit_id), array_agg(o.procedure_code), array_agg(o.bucket)::int8[], array_agg(o.dossiers)
            FROM (
                SELECT d.unit_id, d.procedure_code, width_bucket(d.received_at, \(starts)) AS bucket, coalesce(sum(d.sign), 0) AS dossiers,
                       row_number() OVER () / \(packedRows) AS chunk
                FROM \(unescaped: source) AS d JOIN procedures pr ON pr.code = d.procedure_code
                WHERE d.status = 'finished' AND d.finished_at <= \(t) AND d.finished_at >= \(yearStart)
                  AND NOT coalesce(d.finished_at > d.due_at AND d.apologised_at > \(t), false)
                  AND NOT coalesce(pr.has_fee AND d.paid_online_at > \(t) AND d.received_at >= \(yearStart), false)
                  AND d.channel = 'online' AND d.received_at >= \(yearStart)
                GROUP BY 1, 2, 3
                HAVING coalesce(sum(d.sign), 0) <> 0) AS o
            GROUP BY o.chunk
            """, logger: logger)
        for try await row in online {
            var cells = RowCells(row, table: "dossiers")
            var units = try cells.nextArray(column: "unit_id"), procedures = try cells.nextArray(column: "procedure_code")
            var buckets = try cells.nextArray(column: "(received month)"), counts = try cells.nextArray(column: "(online dossiers)")
            let groups = units.count
            guard procedures.count == groups, buckets.count == groups, counts.count == groups else {
                throw StorageError.unexpectedValue(
                    table: "dossiers", column: "(online-received groups)",
                    value: "columns of \([groups, procedures.count, buckets.count, counts.count]) groups")
            }
            for _ in 0..<groups {
                let (unit, procedure, bucket, count) = try (units.nextString(), procedures.nextString(), buckets.nextInt(), counts.nextInt())
                each(unit, procedure, january + bucket - 1, count)
            }
        }
    }

    /// Payments (their unit and procedure are their dossier's), and which procedures have online payment.
    private func loadPayments(_ connection: PostgresConnection, into state: inout InputState) async throws {
        let (starts, january) = (state.monthStarts, state.januaryMonthNumber)
        let t = state.asOf
        var enabled: Set<String> = [], fee: Set<String> = [], online: Set<String> = []
        for try await (code, paymentEnabled, feeCharging, onlineService) in try await connection.query(
            """
            SELECT code, online_payment_enabled, has_fee AND NOT internal, service_level IN ('full', 'partial') AND NOT internal
            FROM procedures WHERE online_payment_enabled OR has_fee OR service_level IN ('full', 'partial')
            """, logger: logger
        ).decode((String, Bool, Bool, Bool).self) {
            if paymentEnabled { enabled.insert(code) }
            if feeCharging { fee.insert(code) }
            if onlineService { online.insert(code) }
        }
        state.onlinePaymentProcedures = enabled
        state.feeProcedures = fee
        state.onlineServiceProcedures = online
        let settled = try await connection.query(
            """
            SELECT d.unit_id, d.procedure_code, width_bucket(p.paid_at, \(starts)), count(*),
                   count(*) FILTER (WHERE p.method = 'national_portal'),
                   count(*) FILTER (WHERE p.method IN ('national_portal', 'provincial_gateway'))
            FROM payments p JOIN dossiers d ON d.code = p.dossier_code
            WHERE p.paid_at >= \(starts[0]) AND p.paid_at <= \(t)
            GROUP BY 1, 2, 3
            """, logger: logger)
        for try await (unit, procedure, bucket, count, national, online) in settled.decode((String, String, Int, Int, Int, Int).self) {
            let month = january + bucket - 1
            state.addSettled(unitID: unit, month: month, indicator: .paymentsOnlineNational, numerator: national, denominator: count)
            state.addPaid(unitID: unit, procedureCode: procedure, month: month, payments: count, online: online)
        }
        let pending = try await connection.query(
            """
            SELECT p.id, d.unit_id, d.procedure_code, p.paid_at, p.method
            FROM payments p JOIN dossiers d ON d.code = p.dossier_code
            WHERE p.paid_at > \(t)
            """, logger: logger)
        for try await (id, unit, procedure, paidAt, method) in pending.decode((String, String, String, Date, String).self) {
            state.apply(payment: PaymentImage(id: id, unitID: unit, procedureCode: procedure, paidAt: paidAt, method: method), sign: 1)
        }
    }

    private func loadDocuments(_ connection: PostgresConnection, into state: inout InputState) async throws {
        let (starts, january) = (state.monthStarts, state.januaryMonthNumber)
        let t = state.asOf
        let settled = try await connection.query(
            """
            SELECT unit_id, width_bucket(registered_at, \(starts)), count(*),
                   count(*) FILTER (WHERE processed_electronically),
                   count(*) FILTER (WHERE direction = 'outgoing'),
                   count(*) FILTER (WHERE direction = 'outgoing' AND digitally_signed)
            FROM documents
            WHERE security_level = 'normal' AND registered_at >= \(starts[0]) AND registered_at <= \(t)
            GROUP BY 1, 2
            """, logger: logger)
        for try await (unit, bucket, count, electronic, outgoing, signed) in settled.decode((String, Int, Int, Int, Int, Int).self) {
            let month = january + bucket - 1
            state.addSettled(unitID: unit, month: month, indicator: .documentsElectronic, numerator: electronic, denominator: count)
            state.addSettled(unitID: unit, month: month, indicator: .documentsSigned, numerator: signed, denominator: outgoing)
        }
        let pending = try await connection.query(
            """
            SELECT id, unit_id, direction = 'outgoing', registered_at, digitally_signed, processed_electronically
            FROM documents WHERE security_level = 'normal' AND registered_at > \(t)
            """, logger: logger)
        for try await (id, unit, outgoing, registeredAt, signed, electronic) in pending.decode((String, String, Bool, Date, Bool, Bool).self) {
            state.apply(
                document: DocumentImage(
                    id: id, unitID: unit, outgoing: outgoing, registeredAt: registeredAt, digitallySigned: signed,
                    processedElectronically: electronic,
                    normal: true), sign: 1)
        }
    }

    /// Feedback: settled rows summed per unit and month (on time by the deadline of their local
    /// receiving day, `FeedbackDeadlines`); open ones not yet late, and rows stamped after T, whole.
    private func loadFeedback(_ connection: PostgresConnection, into state: inout InputState) async throws {
        let (starts, january) = (state.monthStarts, state.januaryMonthNumber)
        let t = state.asOf
        let deadlines = FeedbackDeadlines(calendar: state.calendar, workingDays: workingDays)
        let table = deadlines.table(year: state.calendar.localDate(of: starts[0]).year)
        let stillOnTime = deadlines.stillOnTimeFrom(at: t)
        let settled = try await connection.query(
            """
            SELECT f.unit_id, width_bucket(f.received_at, \(starts)), count(*),
                   count(*) FILTER (WHERE f.resolved_at IS NOT NULL AND f.result_published),
                   count(*) FILTER (WHERE f.resolved_at < dl.late_from)
            FROM feedback f
            JOIN unnest(\(table.days)::date[], \(table.lateFrom)::timestamptz[]) AS dl (day, late_from)
              ON dl.day = timezone(\(state.calendar.timeZone.identifier)::text, f.received_at)::date
            WHERE f.received_at >= \(starts[0]) AND f.received_at <= \(t) AND (f.resolved_at IS NULL OR f.resolved_at <= \(t))
              AND NOT (f.resolved_at IS NULL AND f.received_at >= \(stillOnTime))
            GROUP BY 1, 2
            """, logger: logger)
        for try await (unit, bucket, count, handled, onTime) in settled.decode((String, Int, Int, Int, Int).self) {
            let month = january + bucket - 1
            state.addSettled(unitID: unit, month: month, indicator: .feedbackHandledPublished, numerator: handled, denominator: count)
            state.addSettled(unitID: unit, month: month, indicator: .feedbackOnTime, numerator: onTime, denominator: count)
        }
        let pending = try await connection.query(
            """
            SELECT id, unit_id, received_at, resolved_at, result_published
            FROM feedback
            WHERE received_at >= \(starts[0])
              AND (received_at > \(t) OR resolved_at > \(t) OR (resolved_at IS NULL AND received_at >= \(stillOnTime)))
            """, logger: logger)
        for try await (id, unit, receivedAt, resolvedAt, published) in pending.decode((String, String, Date, Date?, Bool).self) {
            state.apply(
                feedback: FeedbackImage(
                    id: id, unitID: unit, receivedAt: receivedAt, resolvedAt: resolvedAt, resultPublished: published,
                    lateFrom: deadlines.lateFrom(receivedAt: receivedAt)), sign: 1)
        }
    }

    // MARK: Trimming

    /// Trims the log below the snapshot the last pass chose, if it chose one: after the snapshot
    /// is published (`Refresher`), not in the pass. The rows are a retention's worth older than the
    /// pass: at a province's 1 % a minute, ~10^5 log rows deleted each minute, which the figures
    /// need not wait for.
    public func housekeep() async {
        guard let below = trimDue.withLock({ $0.take() }) else { return }
        await trim(below: below)
    }

    /// Deletes the log rows every pass up to `snapshot` has taken, and raises the horizon (a
    /// replica whose last pass is older loads from scratch). A failure is logged; the next
    /// trimming pass deletes them.
    private func trim(below snapshot: String) async {
        do {
            try await client.withChisoTransaction(
                schema: schema, statementTimeout: statementTimeout, connectTimeout: connectTimeout, logger: logger
            ) { connection in
                try await self.remember(connection, snapshot: snapshot)
                let below = "xid < pg_snapshot_xmin(current_setting('chiso.previous_snapshot')::pg_snapshot)"
                try await connection.query("DELETE FROM chiso_dossier_changes WHERE \(unescaped: below)", logger: self.logger)
                try await connection.query("DELETE FROM chiso_payment_changes WHERE \(unescaped: below)", logger: self.logger)
                try await connection.query("DELETE FROM chiso_document_changes WHERE \(unescaped: below)", logger: self.logger)
                try await connection.query("DELETE FROM chiso_feedback_changes WHERE \(unescaped: below)", logger: self.logger)
                try await connection.query("DELETE FROM chiso_table_changes WHERE \(unescaped: below)", logger: self.logger)
                try await connection.query(
                    """
                    UPDATE chiso_change_horizon
                    SET trimmed_below = greatest(trimmed_below, pg_snapshot_xmin(current_setting('chiso.previous_snapshot')::pg_snapshot))
                    """, logger: self.logger)
            }
        } catch {
            logger.warning("change log not trimmed: \(DatabaseFailure.describe(error))")
        }
    }
}

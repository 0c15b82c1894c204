import ChisoCore
import ChisoStorage
import Foundation
import PostgresNIO
import Synchronization
import Testing

/// The incremental refresh against a full recomputation on the same data (issue 11, part 1):
/// random batches of changes (inserts, flag flips, finishes, key moves, deletes, payments,
/// documents, feedback, tasks, manual values; rows stamped after T), with T moving over the
/// month, quarter and year boundaries, compared figure by figure after every batch.
@Suite struct IncrementalRefreshTests {
    static let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)

    /// T after each batch: small steps, past the due dates of open dossiers, the last seconds of
    /// June and the first of July (month and quarter), the last of the year and the first of 2027.
    static let instants: [Date] = {
        let iso = [
            "2026-06-15T10:00:00+07:00", "2026-06-15T11:00:00+07:00", "2026-06-18T09:00:00+07:00", "2026-06-30T23:59:30+07:00",
            "2026-07-01T00:00:30+07:00", "2026-07-01T08:00:00+07:00", "2026-07-09T17:00:00+07:00", "2026-09-30T23:59:00+07:00",
            "2026-10-01T00:01:00+07:00", "2026-12-31T23:59:00+07:00", "2027-01-01T00:01:00+07:00", "2027-01-03T10:00:00+07:00",
        ]
        return iso.map { calendar.parseInstant($0)! }
    }()

    @Test func incrementalFiguresEqualAFullRecomputationAfterEveryRandomBatch() async throws {
        for seed: UInt64 in [1, 2, 3] {
            try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
                // Holidays move feedback deadlines (`feedback_on_time`) in both.
                let holidays = WorkingDays(
                    holidays: Set(["2026-06-01", "2026-06-12", "2026-07-01", "2026-09-02", "2027-01-01"].map { LocalDate(iso: $0)! }))
                let full = PostgresKPISource(client: client, schema: schema, workingDays: holidays, logger: TestDatabase.logger)
                // Checked against a load from scratch (and replaced by it) every 30 days of T; the
                // first seed reads every batch on one connection, the others on two (`sideReadsFrom`).
                // The log is not trimmed here: what each pass took is what the log grew by. The
                // third seed packs two rows of the dossier statements in one (many packed rows, the
                // last one short), the others a few hundred (one packed row).
                let incremental = PostgresIncrementalSource(
                    client: client, schema: schema, fullEvery: .seconds(30 * 86_400), trims: { false }, workingDays: holidays,
                    sideReadsFrom: seed == 1 ? .max : 1, packedRows: seed == 3 ? 2 : 256, logger: TestDatabase.logger)
                var random = SplitMix(seed: seed)
                var passes: [PostgresIncrementalSource.Pass] = []
                var logged = try await Self.loggedImages(client: client, schema: schema)
                for (step, t) in Self.instants.enumerated() {
                    // Several batches per instant: changes between passes at the same T are applied too.
                    for batch in 0..<3 {
                        let changes = RandomChanges(asOf: t, random: &random, salt: "\(seed)-\(step)-\(batch)")
                        for transaction in changes.transactions { try await Self.run(transaction, client: client, schema: schema) }
                        let kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
                        let fresh = try await full.loadInputs(asOf: t, calendar: Self.calendar)
                        let differences = Self.differences(kept, fresh)
                        #expect(differences.isEmpty, "seed \(seed), T \(t), batch \(batch): \(differences.prefix(8))")
                        let pass = try #require(incremental.lastPass)
                        passes.append(pass)
                        // Every image taken is counted (on two connections: in full while the second reads).
                        let now = try await Self.loggedImages(client: client, schema: schema)
                        if pass.reason != "start" { #expect(pass.changes == now - logged, "seed \(seed), T \(t), batch \(batch)") }
                        logged = now
                    }
                }
                // Loaded from scratch at the start and for the periodic checks only (a key move moves
                // its dossier's payments; a payment of a deleted dossier reloads just the payments);
                // the checks found the kept state equal to the fresh one.
                #expect(passes.first?.reason == "start")
                let later = passes.dropFirst()
                #expect(later.allSatisfy { $0.kind == .incremental || $0.reason == "periodic check" }, "\(later.map { $0.reason ?? "-" })")
                #expect(later.filter { $0.kind == .incremental }.count >= 25)
                #expect(later.contains { $0.reason == "periodic check" })
                #expect(later.allSatisfy { $0.differences == 0 })
            }
        }
    }

    /// `updated_at` is stamped when a transaction starts; a transaction that runs across a pass and
    /// commits after it must still be taken, by the next pass, exactly once.
    /// A pass whose second connection is refused (a pooler with one server connection, say) reads
    /// the batch on its own and says the same as a full recomputation; so do the passes after it.
    @Test func aPassWithoutASecondConnectionReadsOnItsOwn() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let pool = OneConnectionAtATime(client: client)
            let full = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let incremental = PostgresIncrementalSource(
                client: pool, schema: schema, fullEvery: .seconds(100 * 86_400), sideReadsFrom: 1, logger: TestDatabase.logger)
            var random = SplitMix(seed: 7)
            for (step, t) in Self.instants.prefix(4).enumerated() {
                let changes = RandomChanges(asOf: t, random: &random, salt: "alone-\(step)")
                for transaction in changes.transactions { try await Self.run(transaction, client: client, schema: schema) }
                let kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
                let fresh = try await full.loadInputs(asOf: t, calendar: Self.calendar)
                #expect(Self.differences(kept, fresh).isEmpty, "T \(t): \(Self.differences(kept, fresh).prefix(8))")
                if step > 0 { #expect(incremental.lastPass?.kind == .incremental) }
            }
            #expect(pool.refused.load(ordering: .relaxed) == 1)
        }
    }

    /// A full read takes the payments and the online services on a second connection, in its
    /// snapshot, while the first reads the tallies. One whose second connection is refused (a
    /// pooler with one server connection, say) reads them on its own, says the same, and does not
    /// ask for a second connection again; one whose second connection fails after it began reads
    /// them again on the first, and asks for a second connection next time.
    @Test func aFullReadWithoutASecondConnectionReadsOnItsOwn() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let two = SecondConnectionFailsAfterItsWork(client: client)
            let alone = OneConnectionAtATime(client: client)
            let onTwo = PostgresKPISource(client: two, schema: schema, logger: TestDatabase.logger)
            let onOne = PostgresKPISource(client: alone, schema: schema, logger: TestDatabase.logger)
            var random = SplitMix(seed: 11)
            for (step, t) in Self.instants.prefix(3).enumerated() {
                let changes = RandomChanges(asOf: t, random: &random, salt: "full-alone-\(step)")
                for transaction in changes.transactions { try await Self.run(transaction, client: client, schema: schema) }
                let both = try await onTwo.loadInputs(asOf: t, calendar: Self.calendar)
                #expect(two.secondLeases.load(ordering: .relaxed) == step + 1, "T \(t): the payments and online services on a second connection")
                #expect(!both.paidProcedures.isEmpty && !both.procedureUses.isEmpty)
                let one = try await onOne.loadInputs(asOf: t, calendar: Self.calendar)
                #expect(Self.differences(both, one).isEmpty, "T \(t): \(Self.differences(both, one).prefix(8))")
            }
            #expect(alone.refused.load(ordering: .relaxed) == 1)
            // A second connection failing after its reads: read again on the first, the same figures.
            let t = Self.instants[2]
            let before = try await onTwo.loadInputs(asOf: t, calendar: Self.calendar)
            two.failing.store(true, ordering: .relaxed)
            let after = try await onTwo.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(two.failed.load(ordering: .relaxed) == 1)
            #expect(Self.differences(before, after).isEmpty)
            two.failing.store(false, ordering: .relaxed)
            _ = try await onTwo.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(two.secondLeases.load(ordering: .relaxed) == 6, "asked again after a failure that was not a refusal")
        }
    }

    /// A second connection that took the snapshot and then fails before its first rows (here: it
    /// reads as a role without rights on the schema) has its part read again on the first, that
    /// once: a load and the passes after it say what a full recomputation says, and each asks for
    /// a second connection again (only a refusal before the snapshot is taken is remembered). The
    /// same for a full read.
    @Test func aSecondConnectionFailingBeforeItsRowsHasThemReadOnTheFirst() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let role = "chiso_no_rights_\(schema.rawValue)"
            try await client.query("CREATE ROLE \(unescaped: role) NOLOGIN", logger: TestDatabase.logger)
            try await client.query("GRANT \(unescaped: role) TO CURRENT_USER", logger: TestDatabase.logger)
            let pool = SecondConnectionWithoutRights(client: client, role: role)
            let full = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let incremental = PostgresIncrementalSource(
                client: pool, schema: schema, fullEvery: .seconds(100 * 86_400), sideReadsFrom: 1, logger: TestDatabase.logger)
            let t = Self.instants[0]
            let loaded = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(Self.differences(loaded, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty)
            for step in 0..<2 {
                try await Self.run(["UPDATE dossiers SET digitised = NOT digitised WHERE status = 'finished'"], client: client, schema: schema)
                let kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
                #expect(incremental.lastPass?.kind == .incremental, "step \(step)")
                #expect(Self.differences(kept, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty, "step \(step)")
            }
            #expect(pool.secondLeases.load(ordering: .relaxed) == 3, "the load and both passes asked for a second connection")
            let fullOnPool = PostgresKPISource(client: pool, schema: schema, logger: TestDatabase.logger)
            for _ in 0..<2 {
                #expect(Self.differences(try await fullOnPool.loadInputs(asOf: t, calendar: Self.calendar), try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty)
            }
            #expect(pool.secondLeases.load(ordering: .relaxed) == 5)
            try await client.query("DROP ROLE \(unescaped: role)", logger: TestDatabase.logger)
        }
    }

    /// A second connection that fails after its rows were applied (handed over as they come) fails
    /// the pass rather than reading them again on the first: the state was changed, partly, and is
    /// dropped; the next pass loads from scratch and says what a full recomputation says.
    @Test func aSecondConnectionFailingAfterItsRowsFailsThePass() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let t = Self.instants[0]
            let pool = SecondConnectionFailsAfterItsWork(client: client)
            let full = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let incremental = PostgresIncrementalSource(
                client: pool, schema: schema, fullEvery: .seconds(100 * 86_400), sideReadsFrom: 1, logger: TestDatabase.logger)
            _ = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            // Finished dossiers' flags: their images are settled groups, read on the second connection.
            try await Self.run(["UPDATE dossiers SET digitised = NOT digitised WHERE status = 'finished'"], client: client, schema: schema)
            pool.failing.store(true, ordering: .relaxed)
            await #expect(throws: SecondConnectionFailsAfterItsWork.Failed.self) {
                _ = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            }
            #expect(pool.failed.load(ordering: .relaxed) == 1)
            pool.failing.store(false, ordering: .relaxed)
            let kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(incremental.lastPass?.kind == .full && incremental.lastPass?.reason == "start")
            #expect(Self.differences(kept, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty)
            // Not taken for a refusal: the next batch is read on two connections again.
            try await Self.run(["UPDATE dossiers SET digitised = NOT digitised WHERE status = 'finished'"], client: client, schema: schema)
            let leases = pool.secondLeases.load(ordering: .relaxed)
            let again = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(incremental.lastPass?.kind == .incremental)
            #expect(pool.secondLeases.load(ordering: .relaxed) == leases + 1)
            #expect(Self.differences(again, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty)
        }
    }

    /// A pass reads part of a batch on a second connection through its exported snapshot; the
    /// identifier is written into `SET TRANSACTION SNAPSHOT` (which takes no parameters), so only
    /// PostgreSQL's form is taken.
    @Test func onlyASnapshotIdentifiersFormIsWrittenIntoTheStatement() {
        #expect(ExportedSnapshot("00000003-0000001B-1")?.identifier == "00000003-0000001B-1")
        #expect(ExportedSnapshot("0000000a-0000001b-12") != nil)
        #expect(ExportedSnapshot("") == nil)
        #expect(ExportedSnapshot("00000003-0000001B-1'; DROP TABLE dossiers; --") == nil)
        #expect(ExportedSnapshot("00000003 0000001B") == nil)
        #expect(ExportedSnapshot(String(repeating: "0", count: 65)) == nil)
    }

    @Test func aLongTransactionCommittingAfterAPassIsTakenByTheNext() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let full = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let incremental = PostgresIncrementalSource(client: client, schema: schema, logger: TestDatabase.logger)
            let t = Self.instants[0]
            _ = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            try await client.withConnection { long in
                try await long.query("BEGIN", logger: TestDatabase.logger)
                try await long.query("SELECT set_config('search_path', \(schema.rawValue), true)", logger: TestDatabase.logger)
                try await long.query(
                    """
                    INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, due_at, digitised)
                    VALUES ('LONG', 'P1', 'bac-binh/vp', 'online', 'processing', '2026-06-10 08:00+07', '2026-06-11 08:00+07', true)
                    """, logger: TestDatabase.logger)
                // Meanwhile another writer commits, and a pass runs.
                try await Self.run(["UPDATE dossiers SET digitised = NOT digitised WHERE code = 'D12'"], client: client, schema: schema)
                let during = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
                #expect(Self.differences(during, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty)
                try await long.query("COMMIT", logger: TestDatabase.logger)
            }
            let after = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            let fresh = try await full.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(Self.differences(after, fresh).isEmpty)
            #expect(after.overdueDossiers["bac-binh/vp"] == 2)  // D03 and LONG
            #expect(incremental.lastPass?.kind == .incremental)
            // Taken once: another pass with nothing changed gives the same figures.
            let again = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(Self.differences(again, fresh).isEmpty)
            #expect(incremental.lastPass?.changes == 0)
            // Nothing moved: the same inputs, said so (the pipeline may reuse its evaluation).
            #expect(incremental.lastPass?.sameInputs == true)
            #expect(after.pass?.sameInputs == false)
        }
    }

    /// The capture functions run as chiso's owner with pg_temp searched last (V010): a writer's
    /// temporary table named like the change log does not catch what they write.
    @Test func aWritersTemporaryTableCannotCatchTheChangeLog() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let logger = TestDatabase.logger
            func logged() async throws -> Int {
                let rows = try await client.query(
                    "SELECT count(*) FROM \(unescaped: schema.rawValue).chiso_dossier_changes WHERE code = 'D12'", logger: logger)
                for try await count in rows.decode(Int.self) { return count }
                return -1
            }
            let before = try await logged()
            var caught = -1
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("SELECT set_config('search_path', \(schema.rawValue), true)", logger: logger)
                try await connection.query(
                    "CREATE TEMP TABLE chiso_dossier_changes (LIKE \(unescaped: schema.rawValue).chiso_dossier_changes INCLUDING DEFAULTS)",
                    logger: logger)
                try await connection.query("UPDATE dossiers SET digitised = NOT digitised WHERE code = 'D12'", logger: logger)
                for try await count in try await connection.query("SELECT count(*) FROM pg_temp.chiso_dossier_changes", logger: logger).decode(
                    Int.self)
                {
                    caught = count
                }
                try await connection.query("COMMIT", logger: logger)
            }
            #expect(caught == 0)
            #expect(try await logged() == before + 2)
        }
    }

    /// A refresh pairs a batch's images by dossier (to move payments along) only when the capture
    /// saw a key move or a deletion (V011): an update of flags alone says nothing; an update of the
    /// unit, an upsert changing the procedure and a deletion and insertion in one statement (the
    /// foreign key lets the payments stay) each say so, and their payments follow their dossier.
    @Test func keyMovesAreSeenByTheCaptureAndTakeTheirPaymentsAlong() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let full = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let incremental = PostgresIncrementalSource(client: client, schema: schema, logger: TestDatabase.logger)
            let t = Self.instants[0]
            func keyRows() async throws -> Int {
                let rows = try await client.query(
                    "SELECT count(*) FROM \(unescaped: schema.rawValue).chiso_table_changes WHERE table_name = 'dossiers:keys'",
                    logger: TestDatabase.logger)
                for try await count in rows.decode(Int.self) { return count }
                return -1
            }
            _ = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            let columns = """
                code, procedure_code, unit_id, channel, status, received_at, due_at, finished_at, received_at_center, digitised,
                reused_data, e_result, synced_national, apologised_at, chiso_paid_online_at
                """
            let steps: [(statement: PostgresQuery, logsKeys: Bool)] = [
                ("UPDATE dossiers SET digitised = NOT digitised, channel = 'postal' WHERE code IN ('D12', 'D01')", false),
                ("UPDATE dossiers SET unit_id = unit_id WHERE code = 'D12'", false),
                ("UPDATE dossiers SET unit_id = 'bac-binh/vp' WHERE code = 'D12'", true),
                (
                    """
                    INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at)
                    VALUES ('D12', 'P1', 'bac-binh/vp', 'online', 'processing', '2026-06-01 00:00+07')
                    ON CONFLICT (code) DO UPDATE SET procedure_code = 'P2'
                    """, true
                ),
                (
                    """
                    WITH gone AS (DELETE FROM dossiers WHERE code = 'D01' RETURNING *)
                    INSERT INTO dossiers (\(unescaped: columns))
                    SELECT code, procedure_code, 'bac-binh/vp', channel, status, received_at, due_at, finished_at, received_at_center,
                           digitised, reused_data, e_result, synced_national, apologised_at, chiso_paid_online_at FROM gone
                    """, true
                ),
            ]
            for (index, step) in steps.enumerated() {
                let before = try await keyRows()
                try await Self.run([step.statement], client: client, schema: schema)
                #expect((try await keyRows() > before) == step.logsKeys, "step \(index)")
                let kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
                #expect(incremental.lastPass?.kind == .incremental, "step \(index)")
                #expect(Self.differences(kept, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty, "step \(index)")
            }
            // The payments moved with D12 and D01: none left under the unit they were paid at.
            let kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(kept.allTallies[TallyKey(unitID: "bac-binh/tthc", period: .year, indicator: .paymentsOnlineNational)] == nil)
            #expect(kept.allTallies[TallyKey(unitID: "bac-binh/vp", period: .year, indicator: .paymentsOnlineNational)] != nil)
        }
    }

    @Test func aTruncateOrAProcedureChangeLoadsFromScratch() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let full = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let incremental = PostgresIncrementalSource(client: client, schema: schema, logger: TestDatabase.logger)
            let t = Self.instants[0]
            _ = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(incremental.lastPass?.reason == "start")
            try await Self.run(["UPDATE procedures SET service_level = 'partial' WHERE code = 'P1'"], client: client, schema: schema)
            var kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(incremental.lastPass?.kind == .full)
            #expect(incremental.lastPass?.reason == "the procedures changed")
            #expect(Self.differences(kept, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty)
            try await Self.run(["TRUNCATE documents"], client: client, schema: schema)
            kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(incremental.lastPass?.reason == "table documents was truncated")
            #expect(Self.differences(kept, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty)
            // T going back (a clock set back) cannot be carried forward either.
            _ = try await incremental.loadInputs(asOf: t.addingTimeInterval(-60), calendar: Self.calendar)
            #expect(incremental.lastPass?.reason == "T went back")
        }
    }

    /// A pass that fails before it applies changes gives the kept state back: the next pass is
    /// incremental and takes the same changes. One that fails while applying them leaves no state
    /// (it was changed in place, partly): the next loads from scratch. The failures are real: a
    /// statement waiting on a lock another session holds, cut by `statement_timeout`; on the table
    /// change log (read before any change is applied), then on the payment log (read after the
    /// batch's dossier images were applied).
    @Test func aFailedPassGivesTheStateBackOrDropsItByWhereItFailed() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let t = Self.instants[0]
            let full = PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger)
            let incremental = PostgresIncrementalSource(client: client, schema: schema, statementTimeout: .seconds(2), logger: TestDatabase.logger)
            _ = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
            for (locked, next) in [("chiso_table_changes", RefreshPass.Kind.incremental), ("chiso_payment_changes", .full)] {
                try await Self.run(["UPDATE dossiers SET digitised = NOT digitised WHERE code = 'D12'"], client: client, schema: schema)
                try await client.withConnection { holder in
                    try await holder.query("BEGIN", logger: TestDatabase.logger)
                    try await holder.query(
                        PostgresQuery(unsafeSQL: #"LOCK TABLE "\#(schema.rawValue)".\#(locked) IN ACCESS EXCLUSIVE MODE"#),
                        logger: TestDatabase.logger)
                    await #expect(throws: (any Error).self, "a pass waiting on \(locked)") {
                        _ = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
                    }
                    try await holder.query("ROLLBACK", logger: TestDatabase.logger)
                }
                let kept = try await incremental.loadInputs(asOf: t, calendar: Self.calendar)
                let pass = try #require(incremental.lastPass)
                #expect(pass.kind == next, "after a pass that failed on \(locked)")
                if next == .incremental {
                    #expect(pass.changes == 2, "the flip's two images, taken by the pass after the failed one")
                } else {
                    #expect(pass.reason == "start")
                }
                #expect(Self.differences(kept, try await full.loadInputs(asOf: t, calendar: Self.calendar)).isEmpty)
            }
        }
    }

    /// The leader trims what every pass has taken and raises the horizon, after the pass (when
    /// the refresher asks for its upkeep, its snapshot published), not within it; an instance whose
    /// last pass is older than the horizon cannot apply the log and loads from scratch. (Which rows
    /// a trim reaches depends on the cluster-wide oldest transaction, so the test checks the rule,
    /// not a count: nothing below the horizon is left.)
    @Test func aPassOlderThanTheTrimmedLogLoadsFromScratch() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { client, schema, _ in
            let t = Self.instants[0]
            let follower = PostgresIncrementalSource(client: client, schema: schema, trims: { false }, logger: TestDatabase.logger)
            let leader = PostgresIncrementalSource(client: client, schema: schema, retention: .zero, logger: TestDatabase.logger)
            _ = try await follower.loadInputs(asOf: t, calendar: Self.calendar)
            _ = try await leader.loadInputs(asOf: t, calendar: Self.calendar)
            try await Self.run(["UPDATE dossiers SET digitised = NOT digitised WHERE code = 'D12'"], client: client, schema: schema)
            _ = try await leader.loadInputs(asOf: t, calendar: Self.calendar)
            _ = try await leader.loadInputs(asOf: t, calendar: Self.calendar)
            let horizon = PostgresQuery(
                unsafeSQL: #"""
                    SELECT h.trimmed_below <> '0', (SELECT count(*) FROM "\#(schema.rawValue)".chiso_dossier_changes c WHERE c.xid < h.trimmed_below)
                    FROM "\#(schema.rawValue)".chiso_change_horizon h
                    """#)
            for try await (raised, _) in try await client.query(horizon, logger: TestDatabase.logger).decode((Bool, Int).self) {
                #expect(!raised, "the passes left the trim for after them")
            }
            await leader.housekeep()
            for try await (raised, left) in try await client.query(horizon, logger: TestDatabase.logger).decode((Bool, Int).self) {
                #expect(raised, "the leader raised the horizon")
                #expect(left == 0, "no log row below the horizon")
            }
            // The way the README empties the log by hand: the horizon past every transaction so far.
            try await Self.run(
                [
                    "DELETE FROM chiso_dossier_changes",
                    "UPDATE chiso_change_horizon SET trimmed_below = pg_snapshot_xmax(pg_current_snapshot())",
                ], client: client, schema: schema)
            let kept = try await follower.loadInputs(asOf: t, calendar: Self.calendar)
            #expect(follower.lastPass?.reason == "the change log was trimmed past this instance's last pass")
            let fresh = try await PostgresKPISource(client: client, schema: schema, logger: TestDatabase.logger).loadInputs(
                asOf: t, calendar: Self.calendar)
            #expect(Self.differences(kept, fresh).isEmpty)
            #expect(kept.allTallies[TallyKey(unitID: "bac-binh/tthc", period: .month, indicator: .dossiersDigitised)] != nil)
        }
    }

    /// Every figure of `KPIInputs` (own-unit tallies, paid procedures, overdue dossiers, units,
    /// catalogue tallies, manual rows, open tasks).
    static func differences(_ kept: KPIInputs, _ fresh: KPIInputs) -> [String] {
        var out = FigureComparison.differences(
            incremental: (kept.allTallies, kept.paidProcedures, kept.procedureUses, kept.overdueDossiers),
            full: (fresh.allTallies, fresh.paidProcedures, fresh.procedureUses, fresh.overdueDossiers))
        if kept.units != fresh.units { out.append("units differ") }
        if kept.catalogueTallies != fresh.catalogueTallies { out.append("catalogue tallies differ") }
        if Set(kept.manualValues) != Set(fresh.manualValues) { out.append("manual values differ") }
        if kept.openTasks != fresh.openTasks { out.append("open tasks differ") }
        return out
    }

    /// The rows of the four change logs of the large tables.
    static func loggedImages(client: PostgresClient, schema: SchemaName) async throws -> Int {
        let rows = try await client.query(
            """
            SELECT (SELECT count(*) FROM \(unescaped: schema.rawValue).chiso_dossier_changes)
                 + (SELECT count(*) FROM \(unescaped: schema.rawValue).chiso_payment_changes)
                 + (SELECT count(*) FROM \(unescaped: schema.rawValue).chiso_document_changes)
                 + (SELECT count(*) FROM \(unescaped: schema.rawValue).chiso_feedback_changes)
            """, logger: TestDatabase.logger)
        for try await count in rows.decode(Int.self) { return count }
        return -1
    }

    static func run(_ statements: [PostgresQuery], client: PostgresClient, schema: SchemaName) async throws {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: TestDatabase.logger)
            try await connection.query("SELECT set_config('search_path', \(schema.rawValue), true)", logger: TestDatabase.logger)
            for statement in statements { try await connection.query(statement, logger: TestDatabase.logger) }
            try await connection.query("COMMIT", logger: TestDatabase.logger)
        }
    }
}

/// A small deterministic generator (SplitMix64): the same seed, the same batches.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One batch of random writes around T, in one to three transactions. Rows are picked with
/// `ORDER BY md5(key || salt)`: deterministic for a seed, spread over the table.
struct RandomChanges {
    var transactions: [[PostgresQuery]] = []

    static let units = ["bac-binh", "bac-binh/vp", "bac-binh/tthc", "bac-binh/tthc/quay-1", "xa-khac"]
    static let procedures = ["P1", "P2", "P3", "P4"]
    static let methods = ["national_portal", "provincial_gateway", "cash", "bank_transfer"]
    static let channels = ["online", "in_person", "postal"]

    init(asOf t: Date, random: inout SplitMix, salt: String) {
        let count = Int.random(in: 1...3, using: &random)
        var serial = 0
        for _ in 0..<count {
            var statements: [PostgresQuery] = []
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                serial += 1
                statements += Self.change(asOf: t, random: &random, salt: "\(salt)-\(serial)")
            }
            transactions.append(statements)
        }
    }

    /// An instant around T: mostly before it, sometimes just after (stamped after T).
    static func around(_ t: Date, random: inout SplitMix, before: Double = 40 * 86_400, after: Double = 2 * 86_400) -> Date {
        t.addingTimeInterval(Double.random(in: -before...after, using: &random).rounded())
    }

    static func change(asOf t: Date, random: inout SplitMix, salt: String) -> [PostgresQuery] {
        let unit = units.randomElement(using: &random)!, procedure = procedures.randomElement(using: &random)!
        let flag = Bool.random(using: &random)
        let pick = "ORDER BY md5(code || '\(salt)') LIMIT 1"
        switch Int.random(in: 0..<16, using: &random) {
        case 0, 1:
            let received = around(t, random: &random)
            let due: Date? =
                Int.random(in: 0..<10, using: &random) == 0
                ? nil : received.addingTimeInterval(Double.random(in: 0...(8 * 86_400), using: &random).rounded())
            let status = ["processing", "finished", "finished", "withdrawn"].randomElement(using: &random)!
            let finished: Date? =
                status == "finished" ? received.addingTimeInterval(Double.random(in: 0...(12 * 86_400), using: &random).rounded()) : nil
            let apologised: Date? = finished.flatMap { f in
                Bool.random(using: &random) ? f.addingTimeInterval(Double.random(in: -3600...(3 * 86_400), using: &random).rounded()) : nil
            }
            let channel = channels.randomElement(using: &random)!
            let code = "R\(salt)"
            return [
                """
                INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, due_at, finished_at, received_at_center,
                                      digitised, reused_data, e_result, synced_national, apologised_at)
                VALUES (\(code), \(procedure), \(unit), \(channel), \(status), \(received), \(due), \(finished), \(flag), \(!flag),
                        \(Bool.random(using: &random)), \(Bool.random(using: &random)), \(Bool.random(using: &random)), \(apologised))
                """
            ]
        case 2:
            let finished = around(t, random: &random, before: 3 * 86_400, after: 86_400)
            return [
                """
                UPDATE dossiers SET status = 'finished', finished_at = greatest(received_at, \(finished))
                WHERE code = (SELECT code FROM dossiers WHERE status = 'processing' \(unescaped: pick))
                """
            ]
        case 3:
            return [
                """
                UPDATE dossiers SET digitised = NOT digitised, synced_national = \(flag), e_result = NOT e_result,
                                    channel = CASE WHEN \(flag) THEN (CASE WHEN channel = 'online' THEN 'postal' ELSE 'online' END) ELSE channel END
                WHERE code = (SELECT code FROM dossiers \(unescaped: pick))
                """
            ]
        case 4:
            // A key move: another unit or procedure (its payments move along).
            if flag {
                return ["UPDATE dossiers SET unit_id = \(unit) WHERE code = (SELECT code FROM dossiers \(unescaped: pick))"]
            }
            return ["UPDATE dossiers SET procedure_code = \(procedure) WHERE code = (SELECT code FROM dossiers \(unescaped: pick))"]
        case 5:
            let apologised = around(t, random: &random, before: 86_400, after: 2 * 86_400)
            return [
                """
                UPDATE dossiers SET apologised_at = \(apologised)
                WHERE code = (SELECT code FROM dossiers WHERE status = 'finished' \(unescaped: pick))
                """
            ]
        case 6:
            // A received day moved (into another month, or after T).
            let received = around(t, random: &random, before: 45 * 86_400, after: 86_400)
            return [
                """
                UPDATE dossiers SET received_at = \(received), due_at = greatest(due_at, \(received)),
                                    finished_at = CASE WHEN finished_at IS NULL THEN NULL ELSE greatest(finished_at, \(received)) END
                WHERE code = (SELECT code FROM dossiers \(unescaped: pick))
                """
            ]
        case 7:
            // A delete: its payments first (the foreign key), in the same transaction.
            let victim = "SELECT code FROM dossiers WHERE code NOT LIKE 'D0%' \(pick)"
            return [
                "CREATE TEMP TABLE IF NOT EXISTS victim (code text) ON COMMIT DROP",
                "DELETE FROM victim",
                "INSERT INTO victim \(unescaped: victim)",
                "DELETE FROM payments WHERE dossier_code IN (SELECT code FROM victim)",
                "DELETE FROM dossiers WHERE code IN (SELECT code FROM victim)",
            ]
        case 8:
            let paid = around(t, random: &random, before: 50 * 86_400, after: 86_400)
            let method = methods.randomElement(using: &random)!
            return [
                """
                INSERT INTO payments (id, dossier_code, paid_at, amount, method)
                SELECT \("PAY-\(salt)"), code, \(paid), 10000, \(method) FROM dossiers \(unescaped: pick)
                """
            ]
        case 9:
            let method = methods.randomElement(using: &random)!
            if flag {
                return ["UPDATE payments SET method = \(method) WHERE id = (SELECT id FROM payments ORDER BY md5(id || \(salt)) LIMIT 1)"]
            }
            return ["DELETE FROM payments WHERE id = (SELECT id FROM payments ORDER BY md5(id || \(salt)) LIMIT 1)"]
        case 10:
            let registered = around(t, random: &random)
            let direction = flag ? "outgoing" : "incoming", level = Int.random(in: 0..<6, using: &random) == 0 ? "confidential" : "normal"
            return [
                """
                INSERT INTO documents (id, unit_id, direction, registered_at, digitally_signed, processed_electronically, security_level)
                VALUES (\("DOC-\(salt)"), \(unit), \(direction), \(registered), \(Bool.random(using: &random)), \(Bool.random(using: &random)), \(level))
                """
            ]
        case 11:
            let registered = around(t, random: &random)
            if flag {
                return [
                    """
                    UPDATE documents SET digitally_signed = NOT digitally_signed, registered_at = \(registered), unit_id = \(unit)
                    WHERE id = (SELECT id FROM documents ORDER BY md5(id || \(salt)) LIMIT 1)
                    """
                ]
            }
            return ["DELETE FROM documents WHERE id = (SELECT id FROM documents ORDER BY md5(id || \(salt)) LIMIT 1)"]
        case 12:
            let received = around(t, random: &random)
            let resolved: Date? = flag ? received.addingTimeInterval(Double.random(in: 0...(5 * 86_400), using: &random).rounded()) : nil
            return [
                """
                INSERT INTO feedback (id, unit_id, received_at, resolved_at, result_published)
                VALUES (\("FB-\(salt)"), \(unit), \(received), \(resolved), \(Bool.random(using: &random)))
                """
            ]
        case 13:
            let resolved = around(t, random: &random, before: 86_400, after: 86_400)
            if flag {
                return [
                    """
                    UPDATE feedback SET resolved_at = greatest(received_at, \(resolved)), result_published = NOT result_published
                    WHERE id = (SELECT id FROM feedback ORDER BY md5(id || \(salt)) LIMIT 1)
                    """
                ]
            }
            return ["DELETE FROM feedback WHERE id = (SELECT id FROM feedback ORDER BY md5(id || \(salt)) LIMIT 1)"]
        case 14:
            let done = around(t, random: &random, before: 86_400, after: 86_400)
            return [
                """
                UPDATE tasks SET status = CASE WHEN status = 'done' THEN 'open' ELSE 'done' END,
                                 done_at = CASE WHEN status = 'done' THEN NULL ELSE \(done) END
                WHERE id = (SELECT id FROM tasks WHERE status <> 'cancelled' ORDER BY md5(id || \(salt)) LIMIT 1)
                """
            ]
        default:
            let recorded = around(t, random: &random, before: 86_400, after: 3600)
            let periodEnd = IncrementalRefreshTests.calendar.localDate(of: t).description
            return [
                """
                INSERT INTO manual_values (indicator, unit_id, period_end, numerator, denominator, recorded_at)
                VALUES ('legal_docs_published', 'bac-binh', \(periodEnd)::date, \(Int.random(in: 0...10, using: &random)), 10, \(recorded))
                """
            ]
        }
    }
}

/// How many connections a test pool has out at once.
final class HeldLeases: Sendable {
    private let count = Mutex(0)
    /// Takes one; returns how many were out before it.
    func take() -> Int {
        count.withLock { held in
            defer { held += 1 }
            return held
        }
    }
    func giveBack() { count.withLock { $0 -= 1 } }
}

/// A pool whose second connection at a time does its work and then fails (while `failing`), as a
/// server connection lost after its last row would.
final class SecondConnectionFailsAfterItsWork: ConnectionSource {
    struct Failed: Error {}
    let client: PostgresClient
    private let leases = HeldLeases()
    let failing = Atomic(false)
    let failed = Atomic(0)
    let secondLeases = Atomic(0)

    init(client: PostgresClient) { self.client = client }

    func withConnection<Result: Sendable>(
        within timeout: Duration?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let second = leases.take() > 0
        defer { leases.giveBack() }
        let result = try await client.withConnection(within: timeout, body)
        if second {
            secondLeases.add(1, ordering: .relaxed)
            if failing.load(ordering: .relaxed) {
                failed.add(1, ordering: .relaxed)
                throw Failed()
            }
        }
        return result
    }
}

/// A pool that refuses a second connection while one is leased (counting the refusals).
/// A pool whose second connection at a time reads as `role`, which has no rights on the schema:
/// its transaction begins and takes the snapshot, and its first statement is refused.
final class SecondConnectionWithoutRights: ConnectionSource {
    let client: PostgresClient
    let role: String
    private let leases = HeldLeases()
    let secondLeases = Atomic(0)

    init(client: PostgresClient, role: String) {
        self.client = client
        self.role = role
    }

    func withConnection<Result: Sendable>(
        within timeout: Duration?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let second = leases.take() > 0
        defer { leases.giveBack() }
        guard second else { return try await client.withConnection(within: timeout, body) }
        secondLeases.add(1, ordering: .relaxed)
        let role = role
        return try await client.withConnection(within: timeout) { connection in
            // `SET ROLE` takes an identifier, not a parameter: the test's own name.
            try await connection.query("SET SESSION ROLE \(unescaped: role)", logger: TestDatabase.logger)
            do {
                let result = try await body(connection)
                try await connection.query("RESET ROLE", logger: TestDatabase.logger)
                return result
            } catch {
                _ = try? await connection.query("RESET ROLE", logger: TestDatabase.logger)
                throw error
            }
        }
    }
}

final class OneConnectionAtATime: ConnectionSource {
    let client: PostgresClient
    private let leases = HeldLeases()
    let refused = Atomic(0)

    init(client: PostgresClient) { self.client = client }

    func withConnection<Result: Sendable>(
        within timeout: Duration?, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let before = leases.take()
        defer { leases.giveBack() }
        guard before == 0 else {
            refused.add(1, ordering: .relaxed)
            throw StorageError.noConnection(within: .zero)
        }
        return try await client.withConnection(within: timeout, body)
    }
}

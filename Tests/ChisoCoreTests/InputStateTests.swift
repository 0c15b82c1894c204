import ChisoCore
import Foundation
import Testing

/// The incremental refresh's state without a database: classification, T moving, changes
/// commuting, and the inconsistencies it reports (the PostgreSQL side is IncrementalRefreshTests).
@Suite struct InputStateTests {
    static let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
    static func at(_ text: String) -> Date { calendar.parseInstant(text)! }

    static func dossier(
        _ code: String, received: String, due: String?, finished: String? = nil, apologised: String? = nil, unit: String = "u"
    ) -> DossierImage {
        DossierImage(
            code: code, unitID: unit, procedureCode: "P1", status: finished == nil ? "processing" : "finished", receivedAt: at(received),
            dueAt: due.map(at), finishedAt: finished.map(at), apologisedAt: apologised.map(at), online: true, receivedAtCenter: true,
            digitised: true, reusedData: false, eResult: true, syncedNational: false, fullService: true, requiresResultDocument: true)
    }

    static func tally(_ figures: FigureComparison.Figures, _ indicator: ComputedIndicator, _ period: PeriodKind, unit: String = "u") -> Tally {
        figures.tallies[TallyKey(unitID: unit, period: period, indicator: indicator)] ?? Tally()
    }

    @Test func ordinalsFollowAllCases() {
        #expect(ComputedIndicator.allCases.map(\.ordinal) == Array(0..<ComputedIndicator.allCases.count))
        #expect(PeriodKind.allCases.map(\.ordinal) == Array(0..<PeriodKind.allCases.count))
    }

    /// The open set's uses of online procedures come out each once and in the same order while
    /// they stay the same, however the open dossiers holding them changed: the evaluation keeps its
    /// procedure sets for equal uses (`ProcedureSets`), and a dictionary's order is not theirs.
    @Test func openUsesKeepTheirOrderWhenTheOpenSetChangesAroundThem() {
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        state.onlineServiceProcedures = ["P1"]
        let open = (0..<300).map { index in
            Self.dossier("A\(index)", received: "2026-06-1\(index % 5)T08:00:00+07:00", due: "2026-06-20T17:00:00+07:00", unit: "u\(index % 40)")
        }
        for dossier in open { state.apply(dossier: dossier, sign: 1) }
        let before = state.figures().procedureUses
        #expect(Set(before).count == before.count)
        #expect(before.count == 40 * 3)  // 40 units, the month, quarter and year
        for (index, dossier) in open.enumerated() where index % 3 == 0 {
            var flipped = dossier
            flipped.digitised.toggle()
            state.apply(dossier: dossier, sign: -1)
            state.apply(dossier: flipped, sign: 1)
        }
        for index in 0..<100 {
            state.apply(dossier: Self.dossier("B\(index)", received: "2026-06-12T08:00:00+07:00", due: nil, unit: "u\(index % 40)"), sign: 1)
        }
        #expect(state.figures().procedureUses == before)
    }

    @Test func anOpenDossierTurnsLateAsTPassesItsDueTimeWithNoChange() throws {
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        state.apply(dossier: Self.dossier("A", received: "2026-06-10T08:00:00+07:00", due: "2026-06-15T17:00:00+07:00"), sign: 1)
        var figures = state.figures()
        #expect(Self.tally(figures, .dossiersOnTime, .month) == Tally(numerator: 1, denominator: 1))
        #expect(figures.overdueDossiers.isEmpty)
        try state.advance(to: Self.at("2026-06-15T17:00:01+07:00"))
        figures = state.figures()
        #expect(Self.tally(figures, .dossiersOnTime, .month) == Tally(numerator: 0, denominator: 1))
        #expect(figures.overdueDossiers == ["u": 1])
    }

    @Test func aFinishedDossierSettlesIntoItsMonthAndLeavesTheNextMonthsPeriod() throws {
        var state = InputState(asOf: Self.at("2026-06-29T10:00:00+07:00"), calendar: Self.calendar)
        // Finished after T: still pending; once T passes it, settled in June.
        state.apply(
            dossier: Self.dossier(
                "A", received: "2026-06-20T08:00:00+07:00", due: "2026-06-25T17:00:00+07:00", finished: "2026-06-30T09:00:00+07:00"),
            sign: 1)
        #expect(state.pendingCount == 1)
        try state.advance(to: Self.at("2026-06-30T23:59:59+07:00"))
        #expect(state.pendingCount == 0)
        var figures = state.figures()
        #expect(Self.tally(figures, .dossiersOnTime, .month) == Tally(numerator: 0, denominator: 1))
        #expect(Self.tally(figures, .lateDossiersApologised, .quarter) == Tally(numerator: 0, denominator: 1))
        // Local midnight: July's month and the third quarter no longer hold it; the year does.
        try state.advance(to: Self.at("2026-07-01T00:00:00+07:00"))
        figures = state.figures()
        #expect(Self.tally(figures, .dossiersOnTime, .month) == Tally())
        #expect(Self.tally(figures, .dossiersOnTime, .quarter) == Tally())
        #expect(Self.tally(figures, .dossiersOnTime, .year) == Tally(numerator: 0, denominator: 1))
        // A new year drops it.
        try state.advance(to: Self.at("2027-01-01T00:00:00+07:00"))
        #expect(state.figures().tallies.isEmpty)
        #expect(state.bucketCount == 0)
    }

    @Test func anApologyStampedAfterTCountsOnceTPassesIt() throws {
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        state.apply(
            dossier: Self.dossier(
                "A", received: "2026-06-01T08:00:00+07:00", due: "2026-06-05T17:00:00+07:00", finished: "2026-06-10T09:00:00+07:00",
                apologised: "2026-06-16T08:00:00+07:00"), sign: 1)
        #expect(Self.tally(state.figures(), .lateDossiersApologised, .month) == Tally(numerator: 0, denominator: 1))
        try state.advance(to: Self.at("2026-06-16T08:00:00+07:00"))
        #expect(Self.tally(state.figures(), .lateDossiersApologised, .month) == Tally(numerator: 1, denominator: 1))
        #expect(state.pendingCount == 0)
    }

    @Test func openFeedbackTurnsLateWhenItsFifteenWorkingDaysPass() throws {
        // Received Tuesday 2 June; with 10 June a holiday, the 15th working day after is Wednesday 24 June.
        let deadlines = FeedbackDeadlines(calendar: Self.calendar, workingDays: WorkingDays(holidays: [LocalDate(year: 2026, month: 6, day: 10)]))
        let received = Self.at("2026-06-02T09:00:00+07:00")
        #expect(deadlines.lateFrom(receivedAt: received) == Self.at("2026-06-25T00:00:00+07:00"))
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        let open = FeedbackImage(
            id: "F", unitID: "u", receivedAt: received, resolvedAt: nil, resultPublished: false, lateFrom: deadlines.lateFrom(receivedAt: received))
        state.apply(feedback: open, sign: 1)
        #expect(state.pendingCount == 1)
        #expect(Self.tally(state.figures(), .feedbackOnTime, .month) == Tally(numerator: 1, denominator: 1))
        try state.advance(to: Self.at("2026-06-24T23:59:59+07:00"))
        #expect(Self.tally(state.figures(), .feedbackOnTime, .month) == Tally(numerator: 1, denominator: 1))
        // The first instant of 25 June: late, and settled (nothing about it moves with T any more).
        try state.advance(to: Self.at("2026-06-25T00:00:00+07:00"))
        #expect(Self.tally(state.figures(), .feedbackOnTime, .month) == Tally(numerator: 0, denominator: 1))
        #expect(state.pendingCount == 0)
        // Resolved on its last day: on time for good.
        state.apply(feedback: open, sign: -1)
        var resolved = open
        resolved.resolvedAt = Self.at("2026-06-24T16:00:00+07:00")
        state.apply(feedback: resolved, sign: 1)
        #expect(Self.tally(state.figures(), .feedbackOnTime, .month) == Tally(numerator: 1, denominator: 1))
        #expect(state.pendingCount == 0)
    }

    /// An update logs −old +new; a batch of two updates of one row may be applied in any order.
    @Test func changesOfOneBatchCommute() {
        let t = Self.at("2026-06-15T10:00:00+07:00")
        let a = Self.dossier("A", received: "2026-06-01T08:00:00+07:00", due: "2026-06-20T17:00:00+07:00")
        let b = Self.dossier("A", received: "2026-05-01T08:00:00+07:00", due: "2026-05-03T17:00:00+07:00", finished: "2026-05-02T09:00:00+07:00")
        var c = a
        c.unitID = "v"
        var forward = InputState(asOf: t, calendar: Self.calendar)
        var backward = InputState(asOf: t, calendar: Self.calendar)
        forward.apply(dossier: a, sign: 1)
        backward.apply(dossier: a, sign: 1)
        for (image, sign) in [(a, -1), (b, 1), (b, -1), (c, 1)] { forward.apply(dossier: image, sign: sign) }
        for (image, sign) in [(c, 1), (b, -1), (a, -1), (b, 1)] { backward.apply(dossier: image, sign: sign) }
        let (f, g) = (forward.figures(), backward.figures())
        #expect(FigureComparison.differences(incremental: f, full: g).isEmpty)
        #expect(Self.tally(f, .dossiersOnTime, .month, unit: "v") == Tally(numerator: 1, denominator: 1))
        #expect(f.tallies.keys.allSatisfy { $0.unitID == "v" })
        #expect(forward.inconsistencies.isEmpty && backward.inconsistencies.isEmpty)
    }

    @Test func removingWhatWasNeverAddedIsReported() {
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        state.apply(dossier: Self.dossier("A", received: "2026-06-01T08:00:00+07:00", due: nil, finished: "2026-06-02T08:00:00+07:00"), sign: -1)
        state.apply(dossier: Self.dossier("B", received: "2026-06-01T08:00:00+07:00", due: nil), sign: -1)
        _ = state.figures()
        #expect(state.inconsistencies.count == 2)
        #expect(state.inconsistencies.contains("1 rows were removed from the open set without having been in it"))
        // Once the settled sums are kept, a change follows them one by one: still found (with B,
        // still held −1 times, said again).
        state.apply(dossier: Self.dossier("C", received: "2026-06-03T08:00:00+07:00", due: nil, finished: "2026-06-04T08:00:00+07:00"), sign: -1)
        _ = state.figures()
        #expect(state.inconsistencies.count == 4)
        #expect(state.inconsistencies.filter { $0.hasSuffix("sums fell below zero: rows were removed that had not been added") }.count == 2)
        // A payment removed that was never added, once the procedures are kept: its payment bucket
        // and its settled sum are below zero (2); one removed and added again in the same batch,
        // dipping below zero on the way, is not counted.
        func payment(_ id: String, _ paid: String) -> PaymentImage {
            PaymentImage(id: id, unitID: "v", procedureCode: "P1", paidAt: Self.at(paid), method: "national_portal")
        }
        state.apply(payment: payment("Q", "2026-06-05T08:00:00+07:00"), sign: 1)
        _ = state.figures()
        let before = state.inconsistencies.filter { $0.hasSuffix("sums fell below zero: rows were removed that had not been added") }
        state.apply(payment: payment("P", "2026-05-05T08:00:00+07:00"), sign: -1)
        state.apply(payment: payment("R", "2026-04-05T08:00:00+07:00"), sign: -1)
        state.apply(payment: payment("R", "2026-04-05T08:00:00+07:00"), sign: 1)
        _ = state.figures()
        let after = state.inconsistencies.filter { $0.hasSuffix("sums fell below zero: rows were removed that had not been added") }
        #expect(after.count == before.count + 1)
        #expect(after.last == "2 sums fell below zero: rows were removed that had not been added")
    }

    /// 766's 3.6: a finished dossier of a fee-charging procedure whose first online payment is
    /// stamped after T is counted unpaid, kept pending, and counted paid once T passes the payment;
    /// a payment change arrives as the dossier's two images.
    @Test func aDossierPaidOnlineAfterTCountsPaidOnceTPassesThePayment() throws {
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        var unpaid = Self.dossier("A", received: "2026-06-10T08:00:00+07:00", due: nil, finished: "2026-06-12T09:00:00+07:00")
        unpaid.feeCharging = true
        state.apply(dossier: unpaid, sign: 1)
        #expect(state.pendingCount == 0)
        #expect(Self.tally(state.figures(), .feeDossiersPaidOnline, .month) == Tally(numerator: 0, denominator: 1))
        // A payment stamped one second after T: the dossier's images swap, the new one pending.
        var paid = unpaid
        paid.paidOnlineAt = Self.at("2026-06-15T10:00:01+07:00")
        state.apply(dossier: unpaid, sign: -1)
        state.apply(dossier: paid, sign: 1)
        #expect(state.pendingCount == 1)
        #expect(Self.tally(state.figures(), .feeDossiersPaidOnline, .month) == Tally(numerator: 0, denominator: 1))
        try state.advance(to: Self.at("2026-06-15T10:00:01+07:00"))
        #expect(state.pendingCount == 0)
        #expect(Self.tally(state.figures(), .feeDossiersPaidOnline, .month) == Tally(numerator: 1, denominator: 1))
        #expect(Self.tally(state.figures(), .feeDossiersPaidOnline, .year) == Tally(numerator: 1, denominator: 1))
        // Of a fee-less procedure the payment counts nowhere.
        var feeless = paid
        feeless.code = "B"
        feeless.feeCharging = false
        state.apply(dossier: feeless, sign: 1)
        #expect(Self.tally(state.figures(), .feeDossiersPaidOnline, .month) == Tally(numerator: 1, denominator: 1))
        #expect(state.inconsistencies.isEmpty)
    }

    /// An evaluation whose sums come out as the last one's says so (the source then gives the same
    /// inputs again); an open dossier turning late as T passes its due time changes them.
    @Test func figuresThatDidNotMoveAreReportedUnchanged() throws {
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        state.apply(dossier: Self.dossier("A", received: "2026-06-10T08:00:00+07:00", due: "2026-06-15T17:00:00+07:00"), sign: 1)
        let first = state.figures()
        #expect(state.figuresUnchanged == false)
        try state.advance(to: Self.at("2026-06-15T11:00:00+07:00"))
        let idle = state.figures()
        #expect(state.figuresUnchanged)
        #expect(idle.tallies == first.tallies)
        try state.advance(to: Self.at("2026-06-15T17:00:01+07:00"))
        _ = state.figures()
        #expect(state.figuresUnchanged == false)
        state.apply(dossier: Self.dossier("B", received: "2026-06-11T08:00:00+07:00", due: nil, finished: "2026-06-12T08:00:00+07:00"), sign: 1)
        _ = state.figures()
        #expect(state.figuresUnchanged == false)
        _ = state.figures()
        #expect(state.figuresUnchanged)
    }

    /// The quiet horizon: while T crosses no row's threshold and no month start, `advance` and
    /// `figures()` skip the open set and return the last figures. Property-style: random rows with
    /// every threshold on a minute grid around local midnight at a quarter's end, T stepping onto,
    /// just before and just after them, rows added and removed between steps; at every step the
    /// kept state's figures equal those of a state built afresh at the same T.
    @Test func figuresWithinTheQuietHorizonEqualAFreshEvaluation() throws {
        var random = Xorshift(seed: 0x5EED_2026)
        let base = Self.at("2026-06-30T23:40:00+07:00")
        func instant() -> Date { base.addingTimeInterval(Double(random.next(below: 50)) * 60) }
        func maybe() -> Date? { random.next(below: 3) == 0 ? nil : instant() }
        func row(_ n: Int) -> Row {
            let unit = "u\(random.next(below: 3))", procedure = "P\(random.next(below: 2))"
            switch random.next(below: 4) {
            case 0:
                let received = instant()
                return .feedback(
                    FeedbackImage(
                        id: "F\(n)", unitID: unit, receivedAt: received, resolvedAt: maybe(), resultPublished: random.next(below: 2) == 0,
                        lateFrom: received.addingTimeInterval(Double(random.next(below: 20)) * 60)))
            case 1:
                return .document(
                    DocumentImage(
                        id: "D\(n)", unitID: unit, outgoing: true, registeredAt: instant(), digitallySigned: true, processedElectronically: false,
                        normal: true))
            case 2:
                return .payment(
                    PaymentImage(
                        id: "M\(n)", unitID: unit, procedureCode: procedure, paidAt: instant(),
                        method: random.next(below: 2) == 0 ? "national_portal" : "cash"))
            default:
                let finished = maybe()
                return .dossier(
                    DossierImage(
                        code: "A\(n)", unitID: unit, procedureCode: procedure, status: finished == nil ? "processing" : "finished",
                        receivedAt: instant(), dueAt: maybe(), finishedAt: finished, apologisedAt: maybe(), online: random.next(below: 2) == 0,
                        receivedAtCenter: true, digitised: false, reusedData: false, eResult: true, syncedNational: false, fullService: true,
                        requiresResultDocument: true, feeCharging: true, paidOnlineAt: maybe()))
            }
        }
        func fresh(_ rows: [Row], at t: Date) -> InputState {
            var state = InputState(asOf: t, calendar: Self.calendar, onlinePaymentProcedures: ["P0", "P1"])
            state.onlineServiceProcedures = ["P0"]
            state.feeProcedures = ["P0", "P1"]
            for row in rows { row.apply(to: &state, sign: 1) }
            return state
        }
        var rows = (0..<40).map(row)
        var t = base.addingTimeInterval(-120)
        var kept = fresh(rows, at: t)
        var quiet = 0, moved = 0
        for step in 0..<400 {
            // Onto the grid, just after it, or half-way between two of its minutes.
            t = t.addingTimeInterval([0, 0.001, 0.5, 30, 29.999, 60][random.next(below: 6)])
            try kept.advance(to: t)
            if step % 25 == 24 {
                let removed = rows.remove(at: random.next(below: rows.count))
                removed.apply(to: &kept, sign: -1)
                let added = row(100 + step)
                rows.append(added)
                added.apply(to: &kept, sign: 1)
            }
            var expected = fresh(rows, at: t)
            let difference = FigureComparison.differences(incremental: kept.figures(), full: expected.figures())
            #expect(difference.isEmpty, "at step \(step), T \(Self.calendar.rfc3339(t))")
            if kept.figuresUnchanged { quiet += 1 } else { moved += 1 }
        }
        // Both paths were taken (a horizon that is always past would skip nothing, one never
        // reached would hide every change).
        #expect(quiet > 100)
        #expect(moved > 20)
        #expect(kept.inconsistencies.isEmpty)
    }

    /// The open set's part of the figures is kept between passes and moved row by row (a row
    /// that comes adds its figures as of T, one that goes takes them off, the online procedures in
    /// use follow): with T standing still, after every batch of open rows coming and going, the
    /// figures are those of a state built afresh from the rows there are, procedure uses included.
    @Test func theOpenPartFollowsRowsThatComeAndGo() {
        var random = Xorshift(seed: 0x0BE2_2026)
        let t = Self.at("2026-06-15T10:00:00+07:00")
        func dossier(_ n: Int) -> DossierImage {
            // Received before T (in the month, or earlier in the quarter) or after it; due or
            // late; open, finished after T, or late with the apology after T; online or not.
            let received = t.addingTimeInterval(Double(random.next(below: 60 * 24) - 50 * 24) * 3_600)
            let due = received.addingTimeInterval(Double(random.next(below: 20 * 24)) * 3_600)
            let finished = random.next(below: 3) == 0 ? t.addingTimeInterval(Double(1 + random.next(below: 48)) * 3_600) : nil
            return DossierImage(
                code: "A\(n)", unitID: "u\(random.next(below: 5))", procedureCode: "P\(random.next(below: 3))",
                status: finished == nil ? "processing" : "finished", receivedAt: received, dueAt: due, finishedAt: finished,
                apologisedAt: nil, online: random.next(below: 2) == 0, receivedAtCenter: random.next(below: 2) == 0,
                digitised: random.next(below: 2) == 0, reusedData: false, eResult: true, syncedNational: false,
                fullService: random.next(below: 2) == 0, requiresResultDocument: true, feeCharging: random.next(below: 2) == 0,
                paidOnlineAt: random.next(below: 4) == 0 ? t.addingTimeInterval(3_600) : nil)
        }
        func fresh(_ rows: [DossierImage]) -> InputState {
            var state = InputState(asOf: t, calendar: Self.calendar)
            state.onlineServiceProcedures = ["P0", "P1"]
            for row in rows { state.apply(dossier: row, sign: 1) }
            return state
        }
        var rows = (0..<60).map(dossier)
        var kept = fresh(rows)
        _ = kept.figures()
        var next = 60
        for round in 0..<40 {
            for _ in 0..<(1 + random.next(below: 4)) {
                if random.next(below: 2) == 0, !rows.isEmpty {
                    kept.apply(dossier: rows.remove(at: random.next(below: rows.count)), sign: -1)
                } else {
                    let added = dossier(next)
                    next += 1
                    rows.append(added)
                    kept.apply(dossier: added, sign: 1)
                }
            }
            var expected = fresh(rows)
            let (incremental, full) = (kept.figures(), expected.figures())
            #expect(FigureComparison.differences(incremental: incremental, full: full).isEmpty, "round \(round)")
            #expect(Set(incremental.procedureUses) == Set(full.procedureUses), "round \(round)")
            #expect(incremental.overdueDossiers == full.overdueDossiers, "round \(round)")
        }
        #expect(kept.inconsistencies.isEmpty)
    }

    /// An advance within the horizon leaves the open set as it is; past a threshold it settles.
    @Test func theQuietHorizonEndsAtTheNextThresholdOrMonthStart() throws {
        var state = InputState(asOf: Self.at("2026-06-30T10:00:00+07:00"), calendar: Self.calendar)
        state.apply(
            dossier: Self.dossier(
                "A", received: "2026-06-20T08:00:00+07:00", due: "2026-06-30T17:00:00+07:00", finished: "2026-06-30T16:00:00+07:00"),
            sign: 1)
        _ = state.figures()
        #expect(state.quietUntil == Self.at("2026-06-30T16:00:00+07:00"))
        try state.advance(to: Self.at("2026-06-30T15:59:59+07:00"))
        #expect(state.pendingCount == 1)
        try state.advance(to: Self.at("2026-06-30T16:00:00+07:00"))
        #expect(state.pendingCount == 0)
        _ = state.figures()
        #expect(state.quietUntil == Self.at("2026-07-01T00:00:00+07:00"))
        state.apply(dossier: Self.dossier("B", received: "2026-06-30T18:00:00+07:00", due: nil), sign: 1)
        #expect(state.quietUntil == Self.at("2026-06-30T18:00:00+07:00"))
    }

    @Test func tGoingBackIsRefused() {
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        #expect(throws: InputState.Rewind.self) { try state.advance(to: Self.at("2026-06-15T09:59:59+07:00")) }
    }
}

/// A row of any of the four large tables (for the property test).
private enum Row {
    case dossier(DossierImage), document(DocumentImage), feedback(FeedbackImage), payment(PaymentImage)

    func apply(to state: inout InputState, sign: Int) {
        switch self {
        case .dossier(let row): state.apply(dossier: row, sign: sign)
        case .document(let row): state.apply(document: row, sign: sign)
        case .feedback(let row): state.apply(feedback: row, sign: sign)
        case .payment(let row): state.apply(payment: row, sign: sign)
        }
    }
}

/// A small seeded generator: the same rows and steps on every run.
private struct Xorshift {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(below bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(bound))
    }
}

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

    @Test func tGoingBackIsRefused() {
        var state = InputState(asOf: Self.at("2026-06-15T10:00:00+07:00"), calendar: Self.calendar)
        #expect(throws: InputState.Rewind.self) { try state.advance(to: Self.at("2026-06-15T09:59:59+07:00")) }
    }
}

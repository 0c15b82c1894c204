import Foundation

/// What an incremental refresh keeps between passes, for the large input tables (dossiers,
/// payments, documents, feedback): settled rows as per-unit, per-month sums; pending rows whole
/// (see `CapturedRow`). A refresh applies the batch of changed rows (old image −1, new image +1),
/// moves T forward (pending rows that settle move into the sums; a new year drops the old
/// months), and evaluates: cost grows with the changes and the open set, not with the history.
///
/// Pure: no I/O, T is a parameter. Storage fills it (`PostgresIncrementalSource`).
public struct InputState: Sendable {
    public let calendar: PlanCalendar
    /// The T the state is classified at: which rows are settled depends on it.
    public private(set) var asOf: Date
    private var yearStart: Date
    /// The month number of the year's first month: earlier months count in no period.
    private var firstMonth: Int
    private var months: MonthIndex

    private var units = Interner()
    private var procedures = Interner()
    private var settled: [SettledKey: Counts] = [:]
    /// Payments of every procedure per unit and month (for the distinct `procedures_paid_online`).
    private var paid: [PaidKey: Counts] = [:]
    private var openDossiers = OpenSet<DossierImage>()
    private var pendingDocuments = OpenSet<DocumentImage>()
    private var pendingFeedback = OpenSet<FeedbackImage>()
    private var pendingPayments = OpenSet<PaymentImage>()
    /// Settled dossiers received through `online`, per unit, procedure and received month (for
    /// the distinct `online_services_used`; counts in `numerator`).
    private var onlineReceived: [PaidKey: Counts] = [:]
    /// Procedures with online payment deployed (procedures.online_payment_enabled).
    public var onlinePaymentProcedures: Set<String> {
        didSet { if onlinePaymentProcedures != oldValue { proceduresChanged() } }
    }
    /// Non-internal procedures with service_level `full` or `partial` (`online_services_used`).
    public var onlineServiceProcedures: Set<String> = [] {
        didSet {
            if onlineServiceProcedures != oldValue {
                proceduresChanged()
                openPart = nil  // the open dossiers' uses count these procedures
            }
        }
    }
    /// Non-internal procedures with has_fee (`fee_procedures_paid_online`).
    public var feeProcedures: Set<String> = [] {
        didSet { if feeProcedures != oldValue { proceduresChanged() } }
    }
    /// The settled part of the last evaluation: its sums follow each settled change, its
    /// procedures are found again when a payment or online-dossier bucket changes.
    private var cache: SettledCache?
    /// Per unit and procedure, the latest months of its payment and online-dossier buckets (what
    /// decides in which periods it was paid or used), kept with `cache` and found again only for
    /// the pairs whose buckets changed (`changedPairs`), from their months rather than from every
    /// bucket: a pass finishing 15 000 online dossiers moves ~10^4 buckets of ~6 × 10^5.
    private var latest: LatestMonths?
    /// Pairs whose payment or online-dossier buckets changed since `latest` was brought up to date,
    /// and which of the two: only those kinds' months are found again (a pass that finishes online
    /// dossiers moves no payment, and a pair without payments was looked up in every month).
    private var changedPairs: [UnitProcedure: BucketKinds] = [:]
    /// The latest month of any payment or online-dossier bucket: where `latest`'s look-ups start.
    private var lastBucketMonth: Int32 = 0
    /// Settled sums that went below zero during the current batch (checked by `evaluationFigures()`).
    private var dipped: Set<SettledKey> = []
    /// Payment buckets that went below zero during the current batch (checked in the same way).
    private var dippedPayments: Set<PaidKey> = []
    /// The last evaluation's sums and the figures made from them: a pass whose sums and procedures
    /// come out the same returns those figures (and says so: `figuresUnchanged`).
    private var lastFigures: LastFigures?
    /// The open set's part of the figures as of T, kept between passes and moved row by row as
    /// pending rows come and go, rather than every pending row (≈ 7 × 10^4 at province scale,
    /// 0.09 s of a pass) evaluated again at each `figures()`. Made again when T reaches its
    /// horizon (a row's threshold or the next month start), when T crosses the quiet horizon (rows
    /// settle), and when the units or the online services change. nil: made by the next `figures()`.
    private var openPart: OpenPart?
    /// Whether the last `figures()` returned exactly what the one before it did (only T moved).
    public private(set) var figuresUnchanged = false
    /// The quiet horizon: before this instant no figure can move unless a row or a procedure set
    /// changes, since every pending row's next threshold (received, due, finished, apologised, paid,
    /// late, registered) and the next month start (where the periods move) lie at or after it.
    /// Within it a refresh neither scans the open set (≈ 70 k rows at province scale) to settle
    /// rows nor evaluates it: nothing can settle and the last figures stand. `.distantPast`: not
    /// known since the last move of T settled rows (the next `figures()` computes it).
    public private(set) var quietUntil: Date = .distantPast
    /// Whether a row, a sum or a procedure set changed since the last `figures()`.
    private var changedSinceFigures = true
    /// What went wrong while applying changes (a row removed that was never added): the state no
    /// longer matches the tables; the caller rebuilds it from scratch.
    public private(set) var inconsistencies: [String] = []

    public init(asOf: Date, calendar: PlanCalendar, onlinePaymentProcedures: Set<String> = []) {
        self.calendar = calendar
        self.asOf = asOf
        let year = calendar.periods(asOf: asOf)[0]
        self.yearStart = year.start
        self.firstMonth = MonthNumber.of(year.startDate)
        self.months = MonthIndex(year: year.startDate.year, calendar: calendar)
        self.onlinePaymentProcedures = onlinePaymentProcedures
    }

    /// The first instants of the twelve months of the state's year: what the database's
    /// `width_bucket` sorts a load's rows by (1 is January, 0 before it), as the state does.
    public var monthStarts: [Date] { Array(months.starts.prefix(12)) }
    /// The month number of the state's January (`width_bucket` 1).
    public var januaryMonthNumber: Int { months.january }

    /// The number of rows kept whole (open dossiers and rows stamped after T).
    public var pendingCount: Int { openDossiers.count + pendingDocuments.count + pendingFeedback.count + pendingPayments.count }
    /// The number of per-unit, per-month sums kept.
    public var bucketCount: Int { settled.count + paid.count + onlineReceived.count }

    // MARK: Filling (a full load, already summed by the database)

    /// Adds settled rows' figures, summed per own unit and month.
    public mutating func addSettled(unitID: String, month: Int, indicator: ComputedIndicator, numerator: Int, denominator: Int) {
        guard numerator != 0 || denominator != 0 else { return }  // nothing to add (nor a unit to name)
        add(SettledPiece(indicator: indicator, month: month, numerator: numerator, denominator: denominator), unit: units.index(unitID), sign: 1)
    }

    /// Adds settled payments of one procedure at one unit in one month (`online`: through the
    /// national portal or the provincial gateway).
    public mutating func addPaid(unitID: String, procedureCode: String, month: Int, payments: Int, online: Int) {
        guard month >= firstMonth else { return }
        let key = PaidKey(unit: units.index(unitID), procedure: procedures.index(procedureCode), month: Int32(month))
        paid[key, default: Counts()].add(payments, online)
        bucketChanged(key, payments: paid[key] ?? Counts())
    }

    /// Adds settled dossiers in D received through `online` at one unit for one procedure in one month.
    public mutating func addOnlineReceived(unitID: String, procedureCode: String, month: Int, dossiers: Int) {
        guard month >= firstMonth, dossiers != 0 else { return }
        let key = PaidKey(unit: units.index(unitID), procedure: procedures.index(procedureCode), month: Int32(month))
        var counts = onlineReceived[key, default: Counts()]
        counts.add(dossiers, 0)
        onlineReceived[key] = counts.isZero ? nil : counts
        bucketChanged(key)
    }

    /// The settled sums changed other than one by one: the settled part is evaluated again.
    private mutating func settledChanged() {
        cache = nil
        changedSinceFigures = true
    }

    /// A payment or online-dossier bucket, or a procedure set, changed: the paid procedures and
    /// procedure uses are found again (not the sums).
    private mutating func proceduresChanged() {
        cache?.proceduresStale = true
        changedSinceFigures = true
    }

    /// A payment bucket (`payments`: its counts now) or an online-dossier bucket (nil) changed: its
    /// pair's latest months of that kind are found again (and a payment bucket gone below zero is
    /// checked once the batch is applied, as `dipped`).
    private mutating func bucketChanged(_ key: PaidKey, payments: Counts? = nil) {
        if latest != nil {
            changedPairs[UnitProcedure(unit: key.unit, procedure: key.procedure), default: []].insert(payments == nil ? .received : .payments)
        }
        if let payments, payments.numerator < 0 || payments.denominator < 0 { dippedPayments.insert(key) }
        lastBucketMonth = max(lastBucketMonth, key.month)
        proceduresChanged()
    }

    /// A settled dossier's part in `online_services_used` (its other figures are `SettledPiece`s).
    private mutating func addOnlineReceived(_ dossier: DossierImage, sign: Int) {
        guard dossier.counted, dossier.online else { return }
        addOnlineReceived(
            unitID: dossier.unitID, procedureCode: dossier.procedureCode, month: months.month(of: dossier.receivedAt), dossiers: sign)
    }

    // MARK: Changes

    public mutating func apply(dossier: DossierImage, sign: Int) {
        apply(dossier, sign: sign, pending: \.openDossiers)
        if !dossier.isPending(at: asOf, yearStart: yearStart) { addOnlineReceived(dossier, sign: sign) }
    }
    public mutating func apply(document: DocumentImage, sign: Int) { apply(document, sign: sign, pending: \.pendingDocuments) }
    public mutating func apply(feedback: FeedbackImage, sign: Int) { apply(feedback, sign: sign, pending: \.pendingFeedback) }
    public mutating func apply(payment: PaymentImage, sign: Int) {
        apply(payment, sign: sign, pending: \.pendingPayments)
        if !payment.isPending(at: asOf, yearStart: yearStart) { addPaid(payment, sign: sign) }
    }

    private mutating func apply<Row: CapturedRow>(_ row: Row, sign: Int, pending: WritableKeyPath<InputState, OpenSet<Row>>) {
        if row.isPending(at: asOf, yearStart: yearStart) {
            let unit = units.index(row.unitID)
            let before = self[keyPath: pending].add(row, by: sign)
            let count = before + sign
            changedSinceFigures = true
            // An added row's thresholds bound the horizon (a removed one's can only be conservative).
            if let next = row.nextChange(onOrAfter: asOf), next < quietUntil { quietUntil = next }
            if openPart != nil { moveOpenPart(row, unit: unit, sign: sign, before: before, after: count) }
        } else {
            let unit = units.index(row.unitID)
            for piece in row.settledPieces(months: months) { add(piece, unit: unit, sign: sign) }
        }
    }

    private mutating func add(_ piece: SettledPiece, unit: Int32, sign: Int) {
        // A zero piece changes no sum: a batch's images summed by the database mostly cancel
        // (a flag flip's −1 and +1 images differ in one column of the ten a row adds to).
        guard piece.month >= firstMonth, piece.numerator != 0 || piece.denominator != 0 else { return }
        let key = SettledKey(unit: unit, month: Int32(piece.month), indicator: Int16(piece.indicator.ordinal))
        var counts = settled[key, default: Counts()]
        // A sum may dip below zero within a batch (a row's removal applied before its addition);
        // only what remains after the batch is checked (`figures`).
        counts.add(sign * piece.numerator, sign * piece.denominator)
        settled[key] = counts.isZero ? nil : counts
        if counts.numerator < 0 || counts.denominator < 0 { dipped.insert(key) }
        changedSinceFigures = true
        // The evaluation's settled sums follow the change rather than being summed again from
        // every bucket (a new unit makes `figures()` sum them again anyway).
        if Int(unit) < cache?.unitCount ?? 0 { cache!.add(piece, unit: unit, sign: sign) }
    }

    private mutating func addPaid(_ payment: PaymentImage, sign: Int) {
        let month = months.month(of: payment.paidAt)
        guard month >= firstMonth else { return }
        let key = PaidKey(unit: units.index(payment.unitID), procedure: procedures.index(payment.procedureCode), month: Int32(month))
        var counts = paid[key, default: Counts()]
        counts.add(sign, payment.online ? sign : 0)
        paid[key] = counts.isZero ? nil : counts
        bucketChanged(key, payments: counts)
    }

    /// Drops every payment figure (to load the payments again from scratch, when dossiers moved
    /// between units or procedures and took their payments along).
    public mutating func clearPayments() {
        let payments = Int16(ComputedIndicator.paymentsOnlineNational.ordinal)
        settled = settled.filter { $0.key.indicator != payments }
        paid = [:]
        pendingPayments = OpenSet()
        openPart = nil
        settledChanged()
    }

    private mutating func note(_ problem: String) {
        if inconsistencies.count < 20 { inconsistencies.append(problem) }
    }

    // MARK: Time

    /// Why the state cannot move to an earlier T (the clock went back): the caller rebuilds.
    public struct Rewind: Error, Sendable {
        public var from: Date
        public var to: Date
    }

    /// Moves T forward: pending rows whose figures no longer move become settled sums; at a new
    /// year the months before it are dropped. Within the quiet horizon only T moves (no row can
    /// settle before its next threshold, and the horizon ends at the next month start).
    public mutating func advance(to t: Date) throws(Rewind) {
        guard t >= asOf else { throw Rewind(from: asOf, to: t) }
        asOf = t
        if t < quietUntil { return }
        quietUntil = .distantPast
        openPart = nil
        let year = calendar.periods(asOf: t)[0]
        if year.start != yearStart {
            yearStart = year.start
            firstMonth = MonthNumber.of(year.startDate)
            months = MonthIndex(year: year.startDate.year, calendar: calendar)
            settled = settled.filter { Int($0.key.month) >= firstMonth }
            paid = paid.filter { Int($0.key.month) >= firstMonth }
            onlineReceived = onlineReceived.filter { Int($0.key.month) >= firstMonth }
            settledChanged()
        }
        for (dossier, count) in settle(\.openDossiers) { addOnlineReceived(dossier, sign: count) }
        settle(\.pendingDocuments)
        settle(\.pendingFeedback)
        for (payment, count) in settle(\.pendingPayments) { addPaid(payment, sign: count) }
    }

    /// Takes the rows that no longer move with T out of an open set into the settled sums; returns them.
    @discardableResult
    private mutating func settle<Row: CapturedRow>(_ pending: WritableKeyPath<InputState, OpenSet<Row>>) -> [(row: Row, count: Int)] {
        let (t, start) = (asOf, yearStart)
        let settling = self[keyPath: pending].removeAll { !$0.isPending(at: t, yearStart: start) }
        for (row, count) in settling {
            if count != 1 { note("\(row.unitID): a row was held \(count) times") }
            let unit = units.index(row.unitID)
            for piece in row.settledPieces(months: months) { add(piece, unit: unit, sign: count) }
        }
        return settling
    }

    // MARK: Evaluation

    /// The figures as of the state's T, per own unit, keyed for comparison (`FigureComparison`:
    /// the periodic check and the tests); `evaluationFigures()` is the same without the keying.
    public mutating func figures() -> FigureComparison.Figures {
        let figures = evaluationFigures()
        return (figures.tallies.dictionary, figures.procedures.paidByName, figures.procedures.usesByName, figures.overdueDossiers)
    }

    /// What `KPIInputs` takes from the large tables, as of the state's T: tallies of their
    /// indicators (arrays by unit), paid procedures and procedure uses (numbered as the state
    /// numbers units and procedures), overdue dossiers.
    public typealias EvaluationFigures = (tallies: OwnTallies, procedures: NumberedProcedureRows, overdueDossiers: [String: Int])

    /// The figures as of the state's T, per own unit (see `EvaluationFigures`).
    public mutating func evaluationFigures() -> EvaluationFigures {
        if !changedSinceFigures, asOf < quietUntil, let last = lastFigures {
            figuresUnchanged = true
            return last.figures
        }
        let periods = calendar.periods(asOf: asOf)
        let startMonths = periods.map { MonthNumber.of($0.startDate) }
        // The kept open part's uses listed again (a sort of ~10^4 of them) on another core while the
        // settled part is brought up to date (a province's pass finishing dossiers: ~4 and ~6 ms).
        let listing = openPart.flatMap { part in
            part.orderedUses == nil && part.startMonths == startMonths && part.unitCount == units.count && asOf < part.quiet
                ? (uses: part.uses, periods: part.periods) : nil
        }
        if let listing {
            let (listed, _) = Concurrently.alongside(
                { Self.orderedUses(listing.uses, periods: listing.periods) }, { settledPart(periods: periods, startMonths: startMonths) })
            openPart?.orderedUses = listed
        } else {
            settledPart(periods: periods, startMonths: startMonths)
        }
        var sums = cache!.sums
        let open = currentOpenPart(periods: periods, startMonths: startMonths)
        sums.add(open.sums)
        if open.negativeRows > 0 { note("\(open.negativeRows) rows were removed from the open set without having been in it") }
        quietUntil = open.quiet
        changedSinceFigures = false
        // Exactly as long as both (`+` would double the settled part's capacity: ~6 MB kept at province scale).
        var uses: [NumberedProcedureRows.Use] = []
        uses.reserveCapacity(cache!.uses.count + (open.orderedUses?.count ?? 0))
        uses.append(contentsOf: cache!.uses)
        uses.append(contentsOf: open.orderedUses ?? [])
        if let last = lastFigures, last.startMonths == startMonths, last.unitCount == units.count, last.sums == sums,
            last.figures.procedures.paid == cache!.paid, last.figures.procedures.uses == uses
        {
            figuresUnchanged = true
            return last.figures
        }
        figuresUnchanged = false

        let tallies = OwnTallies(unitIDs: units.names, rows: units.rows, periods: periods.map(\.kind), sums: sums)
        var overdue: [String: Int] = [:]
        for (unit, count) in sums.overdue.enumerated() where count > 0 { overdue[units.names[unit]] = count }
        let numbered = NumberedProcedureRows(unitNames: units.names, procedureNames: procedures.names, paid: cache!.paid, uses: uses)
        let figures = (tallies: tallies, procedures: numbered, overdueDossiers: overdue)
        lastFigures = LastFigures(startMonths: startMonths, unitCount: units.count, sums: sums, figures: figures)
        return figures
    }

    /// The settled part brought up to date: its sums (from scratch when the periods or units
    /// changed) and, when a payment or online-dossier bucket moved, its procedures; sums that
    /// went below zero are noted.
    private mutating func settledPart(periods: [Period], startMonths: [Int]) {
        var below = 0
        if cache == nil || cache!.startMonths != startMonths || cache!.unitCount != units.count {
            for (_, counts) in settled where counts.numerator < 0 || counts.denominator < 0 { below += 1 }
            for (_, counts) in paid where counts.numerator < 0 || counts.denominator < 0 { below += 1 }
            latest = allLatestMonths()
            changedPairs.removeAll()
            cache = SettledCache(
                startMonths: startMonths, unitCount: units.count, sums: settledSums(startMonths: startMonths),
                paid: paidProcedures(startMonths: startMonths, periods: periods),
                uses: settledUses(startMonths: startMonths, periods: periods))
        } else {
            for key in dipped where settled[key].map({ $0.numerator < 0 || $0.denominator < 0 }) == true { below += 1 }
            if cache!.proceduresStale {
                for key in dippedPayments where paid[key].map({ $0.numerator < 0 || $0.denominator < 0 }) == true { below += 1 }
                updateLatestMonths()
                cache!.paid = paidProcedures(startMonths: startMonths, periods: periods)
                cache!.uses = settledUses(startMonths: startMonths, periods: periods)
                cache!.proceduresStale = false
            }
        }
        dipped.removeAll()
        dippedPayments.removeAll()
        if below > 0 { note("\(below) sums fell below zero: rows were removed that had not been added") }
    }

    /// The open set's part as of T: the kept one while T is before its horizon under the same
    /// periods and units, else made from every pending row.
    private mutating func currentOpenPart(periods: [Period], startMonths: [Int]) -> OpenPart {
        if var part = openPart, part.startMonths == startMonths, part.unitCount == units.count, asOf < part.quiet {
            openPart = nil  // `part` alone holds its arrays while they change
            if part.orderedUses == nil { part.orderedUses = Self.orderedUses(part.uses, periods: part.periods) }
            openPart = part
            return part
        }
        let t = asOf
        var part = OpenPart(periods: periods, startMonths: startMonths, unitCount: units.count, quiet: months.nextStart(after: t))
        func addPending<Row: CapturedRow>(_ rows: OpenSet<Row>) {
            rows.forEach { row, count in
                if let next = row.nextChange(onOrAfter: t), next < part.quiet { part.quiet = next }
                guard count > 0 else {
                    part.negativeRows += 1
                    return
                }
                row.addPendingFigures(at: t, periods: periods, into: &part.sums, unit: units.existingIndex(row.unitID)!, times: count)
            }
        }
        addPending(openDossiers)
        addPending(pendingFeedback)
        addPending(pendingDocuments)
        addPending(pendingPayments)
        openDossiers.forEach { dossier, count in
            guard count > 0 else { return }
            let used = dossier.pendingUsePeriods(at: t, yearStart: yearStart, periods: periods, onlineServices: onlineServiceProcedures)
            guard !used.isEmpty, let unit = units.existingIndex(dossier.unitID) else { return }
            let procedure = procedures.index(dossier.procedureCode)
            for p in used { part.uses[OpenPart.useKey(unit: unit, procedure: procedure, period: p), default: 0] += count }
        }
        part.orderedUses = Self.orderedUses(part.uses, periods: periods)
        openPart = part
        return part
    }

    /// A pending row came (`sign` 1) or went (-1), its count in the open set going from `before`
    /// to `after`: its figures as of T are added to (taken off) the kept open part.
    private mutating func moveOpenPart<Row: CapturedRow>(_ row: Row, unit: Int32, sign: Int, before: Int, after: Int) {
        // Moved out and back (`take`), not copied: a copy retained and released the part's arrays
        // at each of a province pass's ~2 × 10^4 open rows.
        guard var part = openPart.take() else { return }
        guard part.unitCount == units.count else { return }  // a new unit: made again
        let t = asOf
        part.move(row, unit: unit, at: t, sign: sign, before: before, after: after)
        if let dossier = row as? DossierImage {
            let used = dossier.pendingUsePeriods(at: t, yearStart: yearStart, periods: part.periods, onlineServices: onlineServiceProcedures)
            if !used.isEmpty { part.moveUses(unit: unit, procedure: procedures.index(dossier.procedureCode), periods: used, sign: sign) }
        }
        openPart = consume part
    }

    /// The open dossiers' procedure uses, each once, in a fixed order (unit and procedure as
    /// interned, then period): the open set's own order changes as rows come and go, and equal uses
    /// in the same order let the evaluation keep its procedure sets. Only uses held by a positive
    /// count of rows are listed (as the rows with a positive count are evaluated).
    private static func orderedUses(_ uses: [Int: Int], periods: [Period]) -> [NumberedProcedureRows.Use] {
        uses.compactMap { $0.value > 0 ? $0.key : nil }.sorted().map { key in
            let (unit, procedure, period) = OpenPart.parts(of: key)
            return NumberedProcedureRows.Use(
                unit: Int32(unit), procedure: Int32(procedure), period: periods[period].kind, indicator: .onlineServicesUsed)
        }
    }

    /// The settled part of the `.proceduresInUse` figures: per unit and procedure, the latest month
    /// with an online dossier received (or an online payment of a fee-charging procedure) decides
    /// in which periods the procedure was used.
    private func settledUses(startMonths: [Int], periods: [Period]) -> [NumberedProcedureRows.Use] {
        var out: [NumberedProcedureRows.Use] = []
        // Which numbered procedures are of each kind, found once per procedure rather than per pair.
        let onlineService = procedures.names.map { onlineServiceProcedures.contains($0) }
        let fee = procedures.names.map { feeProcedures.contains($0) }
        func add(_ pair: UnitProcedure, _ month: Int32, _ kind: [Bool], _ indicator: ComputedIndicator) {
            guard month >= 0, kind[Int(pair.procedure)] else { return }
            for (p, start) in startMonths.enumerated() where Int(month) >= start {
                out.append(NumberedProcedureRows.Use(unit: pair.unit, procedure: pair.procedure, period: periods[p].kind, indicator: indicator))
            }
        }
        for (pair, months) in latest?.months ?? [:] { add(pair, months.received, onlineService, .onlineServicesUsed) }
        for (pair, months) in latest?.months ?? [:] { add(pair, months.paidOnlineAny, fee, .feeProceduresPaidOnline) }
        return out
    }

    /// Every pair's latest months, from every bucket (a full evaluation).
    private func allLatestMonths() -> LatestMonths {
        var latest = LatestMonths()
        for (key, counts) in onlineReceived where counts.numerator > 0 {
            latest.raise(UnitProcedure(unit: key.unit, procedure: key.procedure), month: key.month) { $0.received = max($0.received, $1) }
        }
        for (key, counts) in paid {
            let pair = UnitProcedure(unit: key.unit, procedure: key.procedure)
            if counts.numerator > 0 { latest.raise(pair, month: key.month) { $0.paid = max($0.paid, $1) } }
            if counts.numerator > 0, counts.denominator > 0 { latest.raise(pair, month: key.month) { $0.paidOnline = max($0.paidOnline, $1) } }
            if counts.denominator > 0 { latest.raise(pair, month: key.month) { $0.paidOnlineAny = max($0.paidOnlineAny, $1) } }
        }
        return latest
    }

    /// The changed pairs' latest months, from their buckets month by month (latest first).
    private mutating func updateLatestMonths() {
        guard var kept = latest else { return }
        latest = nil  // `kept` alone holds the table while it changes
        for (pair, kinds) in changedPairs {
            // The kinds whose buckets did not change keep their months.
            var months = kept.months[pair] ?? LatestMonths.Months()
            let (received, payments) = (kinds.contains(.received), kinds.contains(.payments))
            if received { months.received = -1 }
            if payments { (months.paid, months.paidOnline, months.paidOnlineAny) = (-1, -1, -1) }
            var month = Int(lastBucketMonth)
            while month >= firstMonth,
                (received && months.received < 0) || (payments && (months.paid < 0 || months.paidOnline < 0 || months.paidOnlineAny < 0))
            {
                let key = PaidKey(unit: pair.unit, procedure: pair.procedure, month: Int32(month))
                if received, months.received < 0, let counts = onlineReceived[key], counts.numerator > 0 { months.received = Int32(month) }
                if payments, let counts = paid[key] {
                    if months.paid < 0, counts.numerator > 0 { months.paid = Int32(month) }
                    if months.paidOnline < 0, counts.numerator > 0, counts.denominator > 0 { months.paidOnline = Int32(month) }
                    if months.paidOnlineAny < 0, counts.denominator > 0 { months.paidOnlineAny = Int32(month) }
                }
                month -= 1
            }
            kept.months[pair] = months.isEmpty ? nil : months
        }
        changedPairs.removeAll()
        latest = kept
    }

    private func settledSums(startMonths: [Int]) -> FigureSums {
        var sums = FigureSums(units: units.count)
        let indicators = FigureSums.indicators
        for (key, counts) in settled {
            for (p, start) in startMonths.enumerated() where Int(key.month) >= start {
                sums.add(key.unit, p, indicators[Int(key.indicator)], counts.numerator, counts.denominator)
            }
        }
        return sums
    }

    /// Per unit and procedure with online payment deployed: the latest month with a payment and
    /// the latest with an online one decide, for each period, whether it was paid (online).
    private func paidProcedures(startMonths: [Int], periods: [Period]) -> [NumberedProcedureRows.Paid] {
        var out: [NumberedProcedureRows.Paid] = []
        let onlinePayment = procedures.names.map { onlinePaymentProcedures.contains($0) }
        for (pair, months) in latest?.months ?? [:] where months.paid >= 0 {
            guard onlinePayment[Int(pair.procedure)] else { continue }
            for (p, start) in startMonths.enumerated() where Int(months.paid) >= start {
                out.append(
                    NumberedProcedureRows.Paid(
                        unit: pair.unit, procedure: pair.procedure, period: periods[p].kind, online: Int(months.paidOnline) >= start))
            }
        }
        return out
    }
}

/// Per unit and procedure, the latest month (−1: none) of each kind of bucket that the procedure
/// figures read (`InputState.latest`).
struct LatestMonths: Sendable {
    struct Months: Sendable {
        /// An online dossier received (settled); a payment; a payment with an online one in the
        /// same month (`paidProcedures`); an online payment (`settledUses`).
        var received: Int32 = -1, paid: Int32 = -1, paidOnline: Int32 = -1, paidOnlineAny: Int32 = -1
        var isEmpty: Bool { received < 0 && paid < 0 && paidOnline < 0 && paidOnlineAny < 0 }
    }
    var months: [UnitProcedure: Months] = [:]

    mutating func raise(_ pair: UnitProcedure, month: Int32, _ update: (inout Months, Int32) -> Void) {
        update(&months[pair, default: Months()], month)
    }
}

/// A numerator and a denominator as 32-bit integers (a `paid` entry: payments and online ones):
/// the sums of one unit's rows in one month fit, and the state's largest tables (10^5–10^6 entries
/// at province scale) hold one per entry.
struct Counts: Sendable, Hashable {
    private var storedNumerator: Int32 = 0
    private var storedDenominator: Int32 = 0
    var numerator: Int { Int(storedNumerator) }
    var denominator: Int { Int(storedDenominator) }
    mutating func add(_ n: Int, _ d: Int) {
        storedNumerator += Int32(n)
        storedDenominator += Int32(d)
    }
    var isZero: Bool { storedNumerator == 0 && storedDenominator == 0 }
}

/// A settled sum's unit, month and indicator in one 64-bit word: the key of the state's `settled`
/// table (a word hashes once and takes 8 bytes, not three fields' 12 bytes hashed three times).
struct SettledKey: Hashable, Sendable {
    private var raw: UInt64
    init(unit: Int32, month: Int32, indicator: Int16) {
        precondition(unit >= 0 && month >= 0 && indicator >= 0, "settled key out of range")
        raw = UInt64(UInt32(unit)) << 32 | UInt64(UInt32(month)) << 16 | UInt64(UInt16(indicator))
    }
    var unit: Int32 { Int32(truncatingIfNeeded: raw >> 32) }
    /// Month numbers are `year * 12 + month - 1` (below 2^16 until the year 5461).
    var month: Int32 { Int32(truncatingIfNeeded: (raw >> 16) & 0xFFFF) }
    var indicator: Int16 { Int16(truncatingIfNeeded: raw & 0xFFFF) }
}

/// A unit, a procedure (both interned, below 2^24) and a month number (below 2^16) in one word:
/// the key of the `paid` and `onlineReceived` tables, the state's largest (~6 × 10^5 entries at
/// province scale: 16 bytes an entry with `Counts`, not 28).
struct PaidKey: Hashable, Sendable {
    private var raw: UInt64
    init(unit: Int32, procedure: Int32, month: Int32) {
        precondition(unit >= 0 && unit < 1 << 24 && procedure >= 0 && procedure < 1 << 24 && month >= 0 && month < 1 << 16, "paid key out of range")
        raw = UInt64(unit) << 40 | UInt64(procedure) << 16 | UInt64(month)
    }
    var unit: Int32 { Int32(truncatingIfNeeded: raw >> 40) }
    var procedure: Int32 { Int32(truncatingIfNeeded: (raw >> 16) & 0xFF_FFFF) }
    var month: Int32 { Int32(truncatingIfNeeded: raw & 0xFFFF) }
}

/// Which of a pair's buckets changed (`InputState.changedPairs`).
struct BucketKinds: OptionSet, Sendable {
    let rawValue: UInt8
    static let received = BucketKinds(rawValue: 1)
    static let payments = BucketKinds(rawValue: 2)
}

struct UnitProcedure: Hashable, Sendable {
    var unit: Int32
    var procedure: Int32
}

/// The open set's part of the figures as of the state's T (`InputState.openPart`).
struct OpenPart: Sendable {
    /// The periods of T (the same for every T before `quiet`, which is at most the next month start).
    var periods: [Period]
    var startMonths: [Int]
    var unitCount: Int
    /// The pending rows' figures, those with a positive count in the open set, that many times.
    var sums: FigureSums
    /// The earliest threshold at or after T of any pending row, or the next month start: before
    /// it the rows' figures stand.
    var quiet: Date
    /// Rows held with a count below zero (removed without having been added): an inconsistency.
    var negativeRows = 0
    /// Open dossiers' procedure uses (`useKey`) and how many rows make each.
    var uses: [Int: Int] = [:]
    /// `uses` listed in order (`InputState.orderedUses`); nil once a use appeared or disappeared.
    var orderedUses: [NumberedProcedureRows.Use]?

    init(periods: [Period], startMonths: [Int], unitCount: Int, quiet: Date) {
        self.periods = periods
        self.startMonths = startMonths
        self.unitCount = unitCount
        self.sums = FigureSums(units: unitCount)
        self.quiet = quiet
    }

    /// A pending row's figures as of T added (`sign` 1) or taken off (−1), its count in the open
    /// set going from `before` to `after`.
    mutating func move<Row: CapturedRow>(_ row: Row, unit: Int32, at t: Date, sign: Int, before: Int, after: Int) {
        row.addPendingFigures(at: t, periods: periods, into: &sums, unit: unit, times: sign)
        if let next = row.nextChange(onOrAfter: t), next < quiet { quiet = next }
        negativeRows += (after < 0 ? 1 : 0) - (before < 0 ? 1 : 0)
    }

    /// An open dossier's procedure uses (`periods`: the indices of the periods it uses the
    /// procedure in) added or taken off.
    mutating func moveUses(unit: Int32, procedure: Int32, periods used: [Int], sign: Int) {
        for p in used {
            let key = Self.useKey(unit: unit, procedure: procedure, period: p)
            let count = uses[key, default: 0] + sign
            // The uses are listed again only when one appears or disappears.
            if count == 0 || count == sign { orderedUses = nil }
            uses[key] = count == 0 ? nil : count
        }
    }

    /// Unit, procedure and period index in one integer that sorts by them in that order.
    static func useKey(unit: Int32, procedure: Int32, period: Int) -> Int { Int(unit) << 36 | Int(procedure) << 4 | period }
    static func parts(of key: Int) -> (unit: Int, procedure: Int, period: Int) { (key >> 36, (key >> 4) & 0xFFFF_FFFF, key & 15) }
}

struct LastFigures: Sendable {
    var startMonths: [Int]
    var unitCount: Int
    var sums: FigureSums
    var figures: InputState.EvaluationFigures
}

struct SettledCache: Sendable {
    var startMonths: [Int]
    var unitCount: Int
    var sums: FigureSums
    var paid: [NumberedProcedureRows.Paid]
    var uses: [NumberedProcedureRows.Use]
    /// `paid` and `uses` no longer match the buckets.
    var proceduresStale = false

    /// One settled change, as `settledSums` would have counted it.
    mutating func add(_ piece: SettledPiece, unit: Int32, sign: Int) {
        for (p, start) in startMonths.enumerated() where piece.month >= start {
            sums.add(unit, p, piece.indicator, sign * piece.numerator, sign * piece.denominator)
        }
    }
}

/// Names by small integers (units and procedures: the keys of the sums stay 4 bytes each).
struct Interner: Sendable {
    private(set) var names: [String] = []
    private var indices: [String: Int32] = [:]
    var count: Int { names.count }

    mutating func index(_ name: String) -> Int32 {
        if let index = indices[name] { return index }
        let index = Int32(names.count)
        names.append(name)
        indices[name] = index
        return index
    }

    func existingIndex(_ name: String) -> Int32? { indices[name] }
    /// Each name's index.
    var rows: [String: Int32] { indices }
}

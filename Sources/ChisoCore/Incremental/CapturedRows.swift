import Foundation

/// One row of a large input table as the incremental refresh holds it: the columns its figures
/// depend on. Each row is, as of the state's T, either **settled** (its figures can no longer
/// change unless the row itself changes: they are added to per-unit, per-month buckets and the row
/// is forgotten) or **pending** (its figures still move with T: an open dossier turning late, a
/// row stamped after T; it is kept whole in the open set and evaluated at every refresh).
///
/// The rules mirror `PostgresKPISource` (the formulas of indicators.md); the incremental tests
/// compare the two figure by figure.
protocol CapturedRow: Hashable, Sendable {
    /// What tells the row from the table's other rows (a dossier's code, another row's id): the
    /// open set finds its rows by it (`OpenSet`).
    var key: String { get }
    var unitID: String { get }
    /// Whether the row's figures still depend on T. Only ever turns from true to false as T grows
    /// within a year (a year's start drops every earlier row's figures).
    func isPending(at t: Date, yearStart: Date) -> Bool
    /// The figures of a settled row, by local month of its own unit.
    func settledPieces(months: MonthIndex) -> [SettledPiece]
    /// Adds a pending row's figures as of T to each period, `times` times (-1 takes them off).
    func addPendingFigures(at t: Date, periods: [Period], into sums: inout FigureSums, unit: Int32, times: Int)
    /// The earliest instant at or after T where the row's figures or its pending state may change
    /// with no change of the row (every instant `isPending` and `addPendingFigures` compare T
    /// with); nil if none. Early is safe (it only costs an evaluation), late is not.
    func nextChange(onOrAfter t: Date) -> Date?
}

/// The earlier of the horizon so far and a threshold, if the threshold is at or after T.
@inline(__always)
func earliest(_ horizon: Date?, _ threshold: Date?, onOrAfter t: Date) -> Date? {
    guard let threshold, threshold >= t else { return horizon }
    guard let horizon else { return threshold }
    return min(horizon, threshold)
}

/// A settled row's contribution to one indicator in one local month (by the row's own date:
/// received, finished, registered or paid).
struct SettledPiece: Sendable {
    var indicator: ComputedIndicator
    var month: Int
    var numerator: Int
    var denominator: Int
}

/// Months counted as year × 12 + month − 1, so a period's months are `>= startMonth`.
enum MonthNumber {
    static func of(_ date: LocalDate) -> Int { date.year * 12 + date.month - 1 }
    static func of(_ instant: Date, calendar: PlanCalendar) -> Int { of(calendar.localDate(of: instant)) }
}

/// The local month of an instant, fast for the state's year: its twelve month starts (local
/// midnights, as the SQL's `width_bucket` uses them) are searched instead of asking the calendar
/// (Foundation's calendar arithmetic costs microseconds, 10^5 times per large batch).
struct MonthIndex: Sendable {
    let calendar: PlanCalendar
    /// The first instant of each month of the year, and of the next year's January.
    let starts: [Date]
    let january: Int

    init(year: Int, calendar: PlanCalendar) {
        self.calendar = calendar
        starts = (0...12).map { calendar.startOfDay(LocalDate(year: year + $0 / 12, month: $0 % 12 + 1, day: 1)) }
        january = MonthNumber.of(LocalDate(year: year, month: 1, day: 1))
    }

    /// The first month start after an instant: where the periods' starts move next.
    func nextStart(after instant: Date) -> Date {
        for start in starts where start > instant { return start }
        return .distantFuture
    }

    func month(of instant: Date) -> Int {
        guard instant >= starts[0], instant < starts[12] else { return MonthNumber.of(instant, calendar: calendar) }
        var index = 0
        while starts[index + 1] <= instant { index += 1 }
        return january + index
    }
}

/// A dossier with its procedure's two attributes the figures use.
public struct DossierImage: Sendable, Hashable, CapturedRow {
    public var code: String
    public var unitID: String
    public var procedureCode: String
    /// processing | finished | withdrawn | rejected.
    public var status: String
    public var receivedAt: Date
    public var dueAt: Date?
    public var finishedAt: Date?
    public var apologisedAt: Date?
    public var online: Bool
    public var receivedAtCenter: Bool
    public var digitised: Bool
    public var reusedData: Bool
    public var eResult: Bool
    public var syncedNational: Bool
    /// procedures.service_level = 'full'.
    public var fullService: Bool
    /// procedures.requires_result_document.
    public var requiresResultDocument: Bool
    /// procedures.has_fee (766: 3.6).
    public var feeCharging: Bool
    /// The first online payment (dossiers.chiso_paid_online_at, kept by a trigger on payments).
    public var paidOnlineAt: Date?

    /// The code alone: equal images have equal codes, and hashing all 18 fields is wasted work
    /// (the open set finds images by code: `OpenSet`).
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public init(
        code: String, unitID: String, procedureCode: String, status: String, receivedAt: Date, dueAt: Date?, finishedAt: Date?,
        apologisedAt: Date?, online: Bool, receivedAtCenter: Bool, digitised: Bool, reusedData: Bool, eResult: Bool, syncedNational: Bool,
        fullService: Bool, requiresResultDocument: Bool, feeCharging: Bool = false, paidOnlineAt: Date? = nil
    ) {
        self.code = code
        self.unitID = unitID
        self.procedureCode = procedureCode
        self.status = status
        self.receivedAt = receivedAt
        self.dueAt = dueAt
        self.finishedAt = finishedAt
        self.apologisedAt = apologisedAt
        self.online = online
        self.receivedAtCenter = receivedAtCenter
        self.digitised = digitised
        self.reusedData = reusedData
        self.eResult = eResult
        self.syncedNational = syncedNational
        self.fullService = fullService
        self.requiresResultDocument = requiresResultDocument
        self.feeCharging = feeCharging
        self.paidOnlineAt = paidOnlineAt
    }

    var key: String { code }

    /// In D: withdrawn and rejected dossiers count nowhere.
    var counted: Bool { status == "processing" || status == "finished" }

    func done(at t: Date) -> Bool { status == "finished" && finishedAt.map { $0 <= t } == true }

    /// Finished on time (for a finished dossier); due nil is on time.
    var finishedOnTime: Bool {
        guard let dueAt, let finishedAt else { return true }
        return finishedAt <= dueAt
    }

    func isPending(at t: Date, yearStart: Date) -> Bool {
        guard counted else { return false }
        guard done(at: t), let finishedAt else { return true }
        if finishedAt < yearStart { return false }  // active in no period of the year
        if !finishedOnTime, let apologisedAt, apologisedAt > t { return true }
        // Paid online after T, received in the year: 3.6 still moves with T.
        if feeCharging, let paidOnlineAt, paidOnlineAt > t, receivedAt >= yearStart { return true }
        return false
    }

    func settledPieces(months: MonthIndex) -> [SettledPiece] {
        guard counted, let finishedAt else { return [] }
        let finished = months.month(of: finishedAt)
        let received = months.month(of: receivedAt)
        let late = !finishedOnTime
        var pieces = [
            SettledPiece(indicator: .dossiersOnTime, month: finished, numerator: late ? 0 : 1, denominator: 1),
            SettledPiece(
                indicator: .lateDossiersApologised, month: finished, numerator: late && apologisedAt != nil ? 1 : 0, denominator: late ? 1 : 0),
        ]
        if requiresResultDocument {
            pieces.append(SettledPiece(indicator: .resultsDigitised, month: finished, numerator: eResult ? 1 : 0, denominator: 1))
        }
        forEachReceivedFigure { pieces.append(SettledPiece(indicator: $0, month: received, numerator: $1, denominator: $2)) }
        return pieces
    }

    /// The figures of a dossier in the periods it was received in (the `received` family).
    /// (`paidBy`: T for a pending row; a settled row is paid by T if at all, `.distantFuture`.)
    @inline(__always)
    private func forEachReceivedFigure(paidBy: Date = .distantFuture, _ body: (ComputedIndicator, Int, Int) -> Void) {
        body(.dossiersSyncedNational, syncedNational ? 1 : 0, 1)
        body(.dossiersReceivedAtCenter, receivedAtCenter ? 1 : 0, 1)
        body(.dossiersDigitised, digitised ? 1 : 0, 1)
        body(.dossiersDataReused, reusedData ? 1 : 0, 1)
        if fullService { body(.dossiersFullOnline, online ? 1 : 0, 1) }
        body(.dossiersReceivedOnline, online ? 1 : 0, 1)
        if feeCharging { body(.feeDossiersPaidOnline, paidOnlineAt.map { $0 <= paidBy } == true ? 1 : 0, 1) }
    }

    func nextChange(onOrAfter t: Date) -> Date? {
        guard counted else { return nil }
        var next = earliest(nil, receivedAt, onOrAfter: t)
        next = earliest(next, dueAt, onOrAfter: t)
        next = earliest(next, finishedAt, onOrAfter: t)
        next = earliest(next, apologisedAt, onOrAfter: t)
        return earliest(next, paidOnlineAt, onOrAfter: t)
    }

    func addPendingFigures(at t: Date, periods: [Period], into sums: inout FigureSums, unit: Int32, times: Int) {
        guard counted, receivedAt <= t else { return }
        let done = done(at: t)
        let onTime = done ? finishedOnTime : (dueAt.map { $0 >= t } ?? true)
        let apologised = apologisedAt.map { $0 <= t } ?? false
        if !done, let dueAt, dueAt < t { sums.overdue[Int(unit)] += times }
        for (p, period) in periods.enumerated() {
            let received = receivedAt >= period.start
            let finishedInPeriod = done && finishedAt! >= period.start
            if received || !done || finishedInPeriod {
                sums.add(unit, p, .dossiersOnTime, onTime ? times : 0, times)
                sums.add(unit, p, .lateDossiersApologised, !onTime && apologised ? times : 0, onTime ? 0 : times)
            }
            if finishedInPeriod && requiresResultDocument {
                sums.add(unit, p, .resultsDigitised, eResult ? times : 0, times)
            }
            if received {
                forEachReceivedFigure(paidBy: t) { sums.add(unit, p, $0, $1 * times, $2 * times) }
            }
        }
    }

    /// The procedure this dossier puts in use (`online_services_used`) in each period, as of T:
    /// an online dossier received by T in the year, of a procedure in `onlineServices`.
    func pendingUsePeriods(at t: Date, yearStart: Date, periods: [Period], onlineServices: Set<String>) -> [Int] {
        guard counted, online, receivedAt <= t, receivedAt >= yearStart, onlineServices.contains(procedureCode) else { return [] }
        return periods.indices.filter { receivedAt >= periods[$0].start }
    }
}

/// A document (`registered_at` is its date).
public struct DocumentImage: Sendable, Hashable, CapturedRow {
    public var id: String
    var key: String { id }
    public var unitID: String
    public var outgoing: Bool
    public var registeredAt: Date
    public var digitallySigned: Bool
    public var processedElectronically: Bool
    /// security_level = 'normal' (the others count nowhere).
    public var normal: Bool

    public init(
        id: String, unitID: String, outgoing: Bool, registeredAt: Date, digitallySigned: Bool, processedElectronically: Bool, normal: Bool
    ) {
        self.id = id
        self.unitID = unitID
        self.outgoing = outgoing
        self.registeredAt = registeredAt
        self.digitallySigned = digitallySigned
        self.processedElectronically = processedElectronically
        self.normal = normal
    }

    func isPending(at t: Date, yearStart: Date) -> Bool { normal && registeredAt > t }

    func settledPieces(months: MonthIndex) -> [SettledPiece] {
        guard normal else { return [] }
        let month = months.month(of: registeredAt)
        var pieces = [SettledPiece(indicator: .documentsElectronic, month: month, numerator: processedElectronically ? 1 : 0, denominator: 1)]
        if outgoing {
            pieces.append(SettledPiece(indicator: .documentsSigned, month: month, numerator: digitallySigned ? 1 : 0, denominator: 1))
        }
        return pieces
    }

    /// Registered after T: no figure yet.
    func addPendingFigures(at t: Date, periods: [Period], into sums: inout FigureSums, unit: Int32, times: Int) {}

    func nextChange(onOrAfter t: Date) -> Date? { normal ? earliest(nil, registeredAt, onOrAfter: t) : nil }
}

/// A feedback (`received_at` is its date).
public struct FeedbackImage: Sendable, Hashable, CapturedRow {
    public var id: String
    var key: String { id }
    public var unitID: String
    public var receivedAt: Date
    public var resolvedAt: Date?
    public var resultPublished: Bool
    /// When it turns late if not resolved before (`FeedbackDeadlines.lateFrom`, from `receivedAt`).
    public var lateFrom: Date

    public init(id: String, unitID: String, receivedAt: Date, resolvedAt: Date?, resultPublished: Bool, lateFrom: Date) {
        self.id = id
        self.unitID = unitID
        self.receivedAt = receivedAt
        self.resolvedAt = resolvedAt
        self.resultPublished = resultPublished
        self.lateFrom = lateFrom
    }

    /// Stamped after T, resolved after T, or open and not yet late (it turns late as T passes `lateFrom`).
    func isPending(at t: Date, yearStart: Date) -> Bool {
        receivedAt >= yearStart && (receivedAt > t || resolvedAt.map { $0 > t } ?? (t < lateFrom))
    }

    func settledPieces(months: MonthIndex) -> [SettledPiece] {
        let month = months.month(of: receivedAt)
        return [
            SettledPiece(indicator: .feedbackHandledPublished, month: month, numerator: resolvedAt != nil && resultPublished ? 1 : 0, denominator: 1),
            // Settled open feedback is past its deadline: late.
            SettledPiece(indicator: .feedbackOnTime, month: month, numerator: resolvedAt.map { $0 < lateFrom } == true ? 1 : 0, denominator: 1),
        ]
    }

    func nextChange(onOrAfter t: Date) -> Date? {
        let next = earliest(earliest(nil, receivedAt, onOrAfter: t), resolvedAt, onOrAfter: t)
        return earliest(next, lateFrom, onOrAfter: t)
    }

    func addPendingFigures(at t: Date, periods: [Period], into sums: inout FigureSums, unit: Int32, times: Int) {
        guard receivedAt <= t else { return }
        let resolved = resolvedAt.flatMap { $0 <= t ? $0 : nil }
        let handled = resultPublished && resolved != nil
        let onTime = resolved.map { $0 < lateFrom } ?? (t < lateFrom)
        for (p, period) in periods.enumerated() where receivedAt >= period.start {
            sums.add(unit, p, .feedbackHandledPublished, handled ? times : 0, times)
            sums.add(unit, p, .feedbackOnTime, onTime ? times : 0, times)
        }
    }
}

/// A payment with its dossier's unit and procedure (a payment's unit is its dossier's).
public struct PaymentImage: Sendable, Hashable, CapturedRow {
    public var id: String
    var key: String { id }
    public var unitID: String
    public var procedureCode: String
    public var paidAt: Date
    /// national_portal | provincial_gateway | cash | bank_transfer.
    public var method: String

    public init(id: String, unitID: String, procedureCode: String, paidAt: Date, method: String) {
        self.id = id
        self.unitID = unitID
        self.procedureCode = procedureCode
        self.paidAt = paidAt
        self.method = method
    }

    var national: Bool { method == "national_portal" }
    var online: Bool { method == "national_portal" || method == "provincial_gateway" }

    func isPending(at t: Date, yearStart: Date) -> Bool { paidAt > t }

    func settledPieces(months: MonthIndex) -> [SettledPiece] {
        [
            SettledPiece(
                indicator: .paymentsOnlineNational, month: months.month(of: paidAt), numerator: national ? 1 : 0, denominator: 1)
        ]
    }

    /// Paid after T: no figure yet.
    func addPendingFigures(at t: Date, periods: [Period], into sums: inout FigureSums, unit: Int32, times: Int) {}

    func nextChange(onOrAfter t: Date) -> Date? { earliest(nil, paidAt, onOrAfter: t) }
}

/// Own-unit sums of one evaluation, in flat arrays (no hashing on the hot path): per unit,
/// period and indicator a numerator and a denominator; per unit the overdue dossiers.
struct FigureSums: Equatable {
    static let indicators = ComputedIndicator.allCases
    static let periodCount = PeriodKind.allCases.count

    var numerators: [Int]
    var denominators: [Int]
    var overdue: [Int]

    init(units: Int) {
        let size = units * Self.periodCount * Self.indicators.count
        numerators = Array(repeating: 0, count: size)
        denominators = Array(repeating: 0, count: size)
        overdue = Array(repeating: 0, count: units)
    }

    @inline(__always)
    mutating func add(_ unit: Int32, _ period: Int, _ indicator: ComputedIndicator, _ numerator: Int, _ denominator: Int) {
        let index = (Int(unit) * Self.periodCount + period) * Self.indicators.count + indicator.ordinal
        numerators[index] += numerator
        denominators[index] += denominator
    }

    /// Adds another evaluation's sums of the same units, element by element.
    mutating func add(_ other: FigureSums) {
        precondition(other.numerators.count == numerators.count && other.overdue.count == overdue.count)
        for index in numerators.indices {
            numerators[index] += other.numerators[index]
            denominators[index] += other.denominators[index]
        }
        for index in overdue.indices { overdue[index] += other.overdue[index] }
    }
}

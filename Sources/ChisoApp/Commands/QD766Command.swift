import ArgumentParser
import ChisoCore
import ChisoPresentation
import ChisoStorage
import ChisoWeb
import Foundation
import Synchronization

/// `chiso qd766 --month 2026-05`: the monthly QĐ 766 publication the plan orders (task II.10).
struct QD766Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qd766",
        abstract: "Print a month's QĐ 766 publication: the estimate, the month before, who caused delays.",
        discussion: """
            The month is evaluated as of its last instant (the month to date while it runs), from the data as stored now, \
            like the status page's month; the month before likewise. HTML: a printable A4 document; CSV: the same tables \
            for a spreadsheet (UTF-8 with BOM, ';' separated).
            """)
    enum OutputFormat: String, ExpressibleByArgument { case html, csv }

    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @OptionGroup(visibility: .hidden) var daemon: DaemonOptions
    @Option(help: "The month, YYYY-MM.") var month: String
    @Option(help: "html (a printable document) or csv.") var format: OutputFormat = .html
    @Option(help: "The unit published (default: the root).") var unit: String?
    @Option(help: "vi or en (HTML only).") var lang: String = "vi"

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan, daemon)
        let logger = settings.log.makeLogger()
        guard let first = LocalDate(iso: month + "-01") else { fail("qd766: --month '\(month)' is not YYYY-MM") }
        guard let language = Format.Language(rawValue: lang) else { fail("qd766: --lang '\(lang)' is not vi or en") }
        let now = settings.clock.evaluationInstant()
        let wanted = unit
        do {
            let made = try await withDatabase(settings, logger: logger) { client in
                let source = settings.kpiSource(client: client, logger: logger)
                return try await QD766Publisher(settings: settings, source: source).publication(month: first, unit: wanted, now: now)
            }
            switch made {
            case .success(let publication):
                let text = format == .html ? QD766Page.render(publication, language: language) : QD766Report.csv(publication)
                FileHandle.standardOutput.write(Data(text.utf8))
            case .failure(let problem):
                fail("qd766: \(problem)")
            }
        } catch {
            fail("qd766: \(DatabaseFailure.describe(error))")
        }
    }
}

/// Builds a month's publication from the database: two full reads (the month's end and the month
/// before's), evaluated like a refresh, and the late dossiers per official.
public struct QD766Publisher: QD766Publishing {
    /// The settings in force at each publication (the daemon's follow reloads: catalogue, QĐ 766
    /// table); the time zone is the start's, as for the refresher (it changes at a restart).
    let current: @Sendable () -> Settings
    let calendar: PlanCalendar
    let source: PostgresKPISource

    public init(settings: Settings, source: PostgresKPISource) {
        self.current = { settings }
        self.calendar = settings.calendar
        self.source = source
    }

    public init(live: LiveSettings, source: PostgresKPISource) {
        self.current = { live.current }
        self.calendar = live.current.calendar
        self.source = source
    }

    public func publication(month: LocalDate, unit: String?, now: Date) async throws -> Result<QD766Publication, QD766Publication.Problem> {
        let settings = current()
        guard let (at, complete) = QD766Publication.evaluationInstant(month: month, now: now, calendar: calendar) else {
            return .failure(.notBegun(month))
        }
        let evaluator = Evaluator(catalogue: settings.catalogue, calendar: calendar, qd766: settings.qd766)
        // Manual figures entered since the month's end count: the portal publishes a month's result in the next.
        var inputs = try await source.loadInputs(asOf: at, calendar: calendar)
        inputs.manualValues = try await source.manualValues(asOf: at, recordedBy: now, calendar: calendar)
        let current = evaluator.evaluate(inputs, asOf: at, refreshedAt: now, manualRecordedBy: now)
        guard let unitID = unit ?? current.units.first(where: { $0.parentID == nil })?.id,
            current.units.contains(where: { $0.id == unitID })
        else { return .failure(.unknownUnit(unit ?? "")) }
        // The month before, as of its own last instant.
        let previousMonth = month.adding(days: -1).firstOfMonth
        var previous: Snapshot?
        if let (before, _) = QD766Publication.evaluationInstant(month: previousMonth, now: now, calendar: calendar) {
            var earlier = try await source.loadInputs(asOf: before, calendar: calendar)
            earlier.manualValues = try await source.manualValues(asOf: before, recordedBy: now, calendar: calendar)
            previous = evaluator.evaluate(earlier, asOf: before, refreshedAt: now, manualRecordedBy: now)
        }
        let officials = try await source.lateOfficials(asOf: at, periodStart: calendar.startOfDay(month.firstOfMonth))
        guard
            let publication = QD766Publication.build(
                unitID: unitID, month: month.firstOfMonth, current: current, ownTallies: inputs.tallies, previous: previous,
                officials: officials, complete: complete)
        else { return .failure(.unknownUnit(unitID)) }
        return .success(publication)
    }
}

/// `GET /qd766`'s publisher: each month's publication is kept for `keep` (a province's is two full
/// reads, ~20 s), so that readers do not each read the database again.
final class CachedQD766Publisher: QD766Publishing {
    let publisher: any QD766Publishing
    let keep: Duration
    private let kept = Mutex<[String: (made: ContinuousClock.Instant, result: Result<QD766Publication, QD766Publication.Problem>)]>([:])

    init(_ publisher: any QD766Publishing, keep: Duration = .seconds(600)) {
        self.publisher = publisher
        self.keep = keep
    }

    func publication(month: LocalDate, unit: String?, now: Date) async throws -> Result<QD766Publication, QD766Publication.Problem> {
        let key = "\(month)|\(unit ?? "")", clock = ContinuousClock()
        if let hit = kept.withLock({ $0[key] }), hit.made.duration(to: clock.now) < keep { return hit.result }
        let result = try await publisher.publication(month: month, unit: unit, now: now)
        kept.withLock { cache in
            cache = cache.filter { $0.value.made.duration(to: clock.now) < keep }
            cache[key] = (clock.now, result)
        }
        return result
    }
}

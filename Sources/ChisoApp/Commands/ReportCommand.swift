import ArgumentParser
import ChisoCore
import ChisoPresentation
import ChisoStorage
import ChisoWeb
import Foundation

/// `chiso report --period quarter`: the periodic report of the plan (section IV.1.c) to the
/// commune's committee and the Department of Home Affairs, from one full read as of now.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the periodic report: every target, the plan's tasks by section, the dossiers.",
        discussion: """
            The period to date (year, quarter or month), as the status page shows it. HTML: a printable A4 document in \
            the form of an office report (header, number and date line, tables, recipients, signature); CSV: the same \
            tables for a spreadsheet (UTF-8 with BOM, ';' separated; --numbers vi writes decimals with a comma).
            """)
    enum OutputFormat: String, ExpressibleByArgument { case html, csv }

    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @OptionGroup(visibility: .hidden) var daemon: DaemonOptions
    @Option(help: "year, quarter or month (to date).") var period: String = "quarter"
    @Option(help: "html (a printable document) or csv.") var format: OutputFormat = .html
    @Option(help: "The unit reported on (default: the root).") var unit: String?
    @Option(help: "vi or en (HTML only).") var lang: String = "vi"
    @Option(help: "CSV decimals: plain (a point) or vi (a comma).") var numbers: String = "plain"

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan, daemon)
        let logger = settings.log.makeLogger()
        guard let kind = PeriodKind(rawValue: period) else { fail("report: --period '\(period)' is not year, quarter or month") }
        guard let language = Format.Language(rawValue: lang) else { fail("report: --lang '\(lang)' is not vi or en") }
        guard let style = PeriodicReport.Numbers(rawValue: numbers) else { fail("report: --numbers '\(numbers)' is not plain or vi") }
        let time = settings.clock
        let instant = time.evaluationInstant()
        let made: SnapshotPipeline.Outcome
        do {
            made = try await withDatabase(settings, logger: logger) { client in
                let source = settings.kpiSource(client: client, logger: logger)
                return try await makePipeline(settings, source: source).snapshot(
                    asOf: instant, refreshedAt: { time.now() }, clock: ContinuousClock(), operation: "report")
            }
        } catch {
            fail("report: \(DatabaseFailure.describe(error))")
        }
        do {
            let text =
                format == .html
                ? try ReportPage.render(made.snapshot, period: kind, unitID: unit, language: language)
                : try PeriodicReport.csv(made.snapshot, period: kind, unitID: unit, numbers: style)
            FileHandle.standardOutput.write(Data(text.utf8))
        } catch {
            fail("report: \(error)")
        }
    }
}

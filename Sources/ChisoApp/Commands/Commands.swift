import ArgumentParser
import ChisoAlerts
import ChisoCore
import ChisoImport
import ChisoPresentation
import ChisoStorage
import ChisoWeb
import Foundation
import Hummingbird
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Resolves the settings from a command's option groups, or prints every problem and exits non-zero.
func resolveSettings(_ configFile: ConfigFileOption, _ groups: any SettingsOptions...) async -> Settings {
    switch await SettingsLoader.check(config: configFile.config, groups, environment: ProcessInfo.processInfo.environment) {
    case .success(let settings): return settings
    case .failure(let errors): fail(errors.errors.map { "configuration: \($0)" }.joined(separator: "\nchiso: "))
    }
}

/// One line on standard error, exit status 1.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("chiso: \(message)\n".utf8))
    exit(1)
}

public struct ChisoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chiso",
        abstract: "How far a commune stands from its administrative-reform targets.",
        version: ChisoVersion.current,
        subcommands: [
            Serve.self, Migrate.self, SnapshotCommand.self, CheckConfig.self, AlertsCommand.self, ImportCommand.self, DemoCommand.self,
            BackfillHistory.self, QD766Command.self, ReportCommand.self,
        ])

    public init() {}
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon: refresh on a schedule, serve HTTP.")
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @OptionGroup var daemon: DaemonOptions

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan, daemon)
        let live = LiveSettings(settings)
        let logger = live.makeLogger()
        logger.info(
            "chiso \(ChisoVersion.current) starting",
            metadata: [
                "database": "\(settings.database)", "schema": "\(settings.schema)",
                "listen": "\(settings.listenHost):\(settings.listenPort)", "time_zone": "\(settings.timeZone.identifier)",
            ])
        // SIGHUP: the same command line (after `chiso serve`), environment and file, read again.
        let arguments = Array(CommandLine.arguments.drop { $0 != "serve" }.dropFirst())
        let environment = ProcessInfo.processInfo.environment
        let (application, _) = buildApplication(
            settings, logger: logger, live: live, reload: { await SettingsLoader.check(arguments: arguments, environment: environment) })
        try await application.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the schema (idempotent).")
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    /// interface.md's common options: accepted and checked by every command, listed in `--help` where used.
    @OptionGroup(visibility: .hidden) var plan: PlanOptions
    @OptionGroup(visibility: .hidden) var daemon: DaemonOptions

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan, daemon)
        let logger = settings.log.makeLogger()
        do {
            let applied = try await withDatabase(settings, logger: logger) { client in
                try await withDeadline(settings.refreshTimeout, clock: ContinuousClock(), operation: "migrate") {
                    try await Migrator(client: client, schema: settings.schema, logger: logger).migrate()
                }
            }
            print(
                applied.isEmpty
                    ? "schema \(settings.schema) is up to date"
                    : "schema \(settings.schema): applied \(applied.map { "V\($0)" }.joined(separator: ", "))")
        } catch {
            fail("migrate: \(DatabaseFailure.describe(error))")
        }
    }
}

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "snapshot", abstract: "Compute every indicator once and print it.")
    enum Format: String, ExpressibleByArgument { case prometheus, json, html }
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @OptionGroup(visibility: .hidden) var daemon: DaemonOptions
    @Option(help: "json, prometheus or html (the Vietnamese status page, self-contained).") var format: Format = .json

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan, daemon)
        let logger = settings.log.makeLogger()
        let time = settings.clock
        let instant = time.evaluationInstant()
        let clock = ContinuousClock()
        do {
            let made = try await withDatabase(settings, logger: logger) { client in
                let source = settings.kpiSource(client: client, logger: logger)
                return try await makePipeline(settings, source: source).snapshot(
                    asOf: instant, refreshedAt: { time.now() }, clock: clock, operation: "snapshot")
            }
            let started = clock.now
            let output: Data =
                switch format {
                case .json: SnapshotJSON.encode(made.snapshot) + Data("\n".utf8)
                case .prometheus: Data(PrometheusText.render(made.snapshot).utf8)
                case .html: Data(try StatusPage.render(made.snapshot, links: .files).utf8)
                }
            let rendered = started.duration(to: clock.now)
            FileHandle.standardOutput.write(output)
            // Where the time goes, for scripts/bench (`CHISO_LOG_LEVEL=debug`).
            logger.debug(
                "snapshot timing",
                metadata: [
                    "read_seconds": "\(made.readSeconds)", "evaluate_seconds": "\(made.evaluateSeconds)",
                    "render_seconds": "\(rendered.seconds)", "results": "\(made.snapshot.results.count)",
                ])
        } catch {
            fail("snapshot: \(DatabaseFailure.describe(error))")
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the configuration and the catalogue.")
    @OptionGroup var options: AllSettingsOptions

    func run() async throws {
        switch await SettingsLoader.check(config: options.configFile.config, options.groups, environment: ProcessInfo.processInfo.environment) {
        case .failure(let errors):
            for error in errors.errors { FileHandle.standardError.write(Data("chiso: configuration: \(error)\n".utf8)) }
            fail("\(errors.errors.count) configuration problem\(errors.errors.count == 1 ? "" : "s")")
        case .success(let settings):
            print(
                "configuration ok: database \(settings.database), schema \(settings.schema), listen \(settings.listenHost):\(settings.listenPort), "
                    + "time zone \(settings.timeZone.identifier), \(settings.catalogue.indicators.count) indicators")
        }
    }
}

/// Computes and stores one snapshot per past day, so that the trend lines of a chiso started in
/// mid-year (or of the demo) cover the year. Each day is evaluated as of its last second, from the
/// data as stored now: rows corrected since are seen corrected.
struct BackfillHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill-history", abstract: "Store a snapshot for every past day of the year, for the page's trend lines.")
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @OptionGroup(visibility: .hidden) var daemon: DaemonOptions
    @Option(help: "First day, YYYY-MM-DD (default: 1 January of the as-of year).") var from: String?
    @Option(help: "Store a day only every N days (the page draws a line through them).") var every: Int = 1

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan, daemon)
        let logger = settings.log.makeLogger()
        let calendar = settings.calendar
        let time = settings.clock
        let today = calendar.localDate(of: time.evaluationInstant())
        let first: LocalDate
        if let from {
            guard let day = LocalDate(iso: from) else { fail("backfill-history: --from '\(from)' is not a YYYY-MM-DD date") }
            first = day
        } else {
            first = LocalDate(year: today.year, month: 1, day: 1)
        }
        guard every >= 1 else { fail("backfill-history: --every must be at least 1") }
        let step = every
        do {
            let stored = try await withDatabase(settings, logger: logger) { client in
                let source = settings.kpiSource(client: client, logger: logger)
                let pipeline = makePipeline(settings, source: source)
                let history = PostgresSnapshotHistory(
                    client: client, schema: settings.schema, statementTimeout: settings.statementTimeout, logger: logger)
                var day = first
                var count = 0
                while day < today {
                    // Each day as of its last second, from the data as stored now.
                    let instant = calendar.startOfDay(day.adding(days: 1)).addingTimeInterval(-1)
                    let made = try await pipeline.snapshot(
                        asOf: instant, refreshedAt: { time.now() }, clock: ContinuousClock(), operation: "backfill-history")
                    try await history.append(made.snapshot)
                    count += 1
                    day = day.adding(days: step)
                }
                return count
            }
            print("stored \(stored) day\(stored == 1 ? "" : "s") of history from \(first) to \(today.adding(days: -1))")
        } catch {
            fail("backfill-history: \(DatabaseFailure.describe(error))")
        }
    }
}

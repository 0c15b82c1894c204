import ArgumentParser
import ChisoCore
import ChisoStorage
import ChisoWeb
import Foundation
import Hummingbird
import Logging

/// Options every command takes (`interface.md`); each also comes from the environment or the config file.
public struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "JSON configuration file (env CHISO_CONFIG).")
    var config: String?
    @Option(name: .customLong("database-url"), help: "postgres:// URL (env CHISO_DATABASE_URL, DATABASE_URL, PG* variables).")
    var databaseURL: String?
    @Option(help: "Schema holding the input tables (env CHISO_SCHEMA; default chiso).")
    var schema: String?
    @Option(help: "HOST:PORT for HTTP (env CHISO_LISTEN; default 127.0.0.1:8080).")
    var listen: String?
    @Option(name: .customLong("as-of"), help: "Fixed evaluation instant, ISO 8601 (env CHISO_AS_OF; default now).")
    var asOf: String?
    @Option(name: .customLong("time-zone"), help: "Plan time zone (env CHISO_TIME_ZONE; default Asia/Ho_Chi_Minh).")
    var timeZone: String?
    @Option(name: .customLong("refresh-interval"), help: "Seconds between refreshes (env CHISO_REFRESH_INTERVAL; default 60).")
    var refreshInterval: String?

    public init() {}

    var input: SettingsInput {
        SettingsInput(config: config, databaseURL: databaseURL, schema: schema, listen: listen, asOf: asOf, timeZone: timeZone, refreshInterval: refreshInterval)
    }

    /// Resolves the settings, or prints the one-line problem and exits non-zero.
    func settings() async throws -> Settings {
        switch await SettingsLoader.check(input, environment: ProcessInfo.processInfo.environment) {
        case .success(let settings): return settings
        case .failure(let errors): fail(errors.errors.map { "configuration: \($0)" }.joined(separator: "\nchiso: "))
        }
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
        version: RefreshMetrics.version,
        subcommands: [Serve.self, Migrate.self, SnapshotCommand.self, CheckConfig.self])

    public init() {}
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon: refresh on a schedule, serve HTTP.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let settings = try await options.settings()
        let logger = makeLogger(level: settings.logLevel)
        logger.info("chiso \(RefreshMetrics.version) starting", metadata: [
            "database": "\(settings.database)", "schema": "\(settings.schema)",
            "listen": "\(settings.listenHost):\(settings.listenPort)", "time_zone": "\(settings.timeZone.identifier)",
        ])
        let (application, _) = buildApplication(settings, logger: logger)
        try await application.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the schema (idempotent).")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let settings = try await options.settings()
        let logger = makeLogger(level: settings.logLevel)
        do {
            let applied = try await withDatabase(settings, logger: logger) { client in
                try await withDeadline(settings.refreshTimeout, clock: ContinuousClock()) {
                    try await Migrator(client: client, schema: settings.schema, logger: logger).migrate()
                }
            }
            print(applied.isEmpty
                  ? "schema \(settings.schema) is up to date"
                  : "schema \(settings.schema): applied \(applied.map { "V\($0)" }.joined(separator: ", "))")
        } catch {
            fail("migrate: \(RefreshFailure.describe(error))")
        }
    }
}

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "snapshot", abstract: "Compute every indicator once and print it.")
    enum Format: String, ExpressibleByArgument { case prometheus, json }
    @OptionGroup var options: CommonOptions
    @Option(help: "prometheus or json.") var format: Format = .json

    func run() async throws {
        let settings = try await options.settings()
        let logger = makeLogger(level: settings.logLevel)
        let instant = settings.asOf ?? Date()
        let clock = ContinuousClock()
        do {
            let started = clock.now
            let inputs = try await withDatabase(settings, logger: logger) { client in
                try await withDeadline(settings.refreshTimeout, clock: ContinuousClock()) {
                    try await PostgresKPISource(client: client, schema: settings.schema, statementTimeout: settings.statementTimeout, logger: logger)
                        .loadInputs(asOf: instant, calendar: settings.calendar)
                }
            }
            let read = clock.now
            let snapshot = Evaluator(catalogue: settings.catalogue, calendar: settings.calendar).evaluate(inputs, asOf: instant, refreshedAt: Date())
            let evaluated = clock.now
            let output: Data = switch format {
            case .json: SnapshotJSON.encode(snapshot) + Data("\n".utf8)
            case .prometheus: Data(PrometheusText.render(snapshot).utf8)
            }
            let rendered = clock.now
            FileHandle.standardOutput.write(output)
            // Where the time goes, for scripts/bench (`CHISO_LOG_LEVEL=debug`).
            logger.debug("snapshot timing", metadata: [
                "read_seconds": "\(started.duration(to: read).seconds)",
                "evaluate_seconds": "\(read.duration(to: evaluated).seconds)",
                "render_seconds": "\(evaluated.duration(to: rendered).seconds)",
                "results": "\(snapshot.results.count)",
            ])
        } catch {
            fail("snapshot: \(RefreshFailure.describe(error))")
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the configuration and the catalogue.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        switch await SettingsLoader.check(options.input, environment: ProcessInfo.processInfo.environment) {
        case .failure(let errors):
            for error in errors.errors { FileHandle.standardError.write(Data("chiso: configuration: \(error)\n".utf8)) }
            fail("\(errors.errors.count) configuration problem\(errors.errors.count == 1 ? "" : "s")")
        case .success(let settings):
            print("configuration ok: database \(settings.database), schema \(settings.schema), listen \(settings.listenHost):\(settings.listenPort), time zone \(settings.timeZone.identifier), \(settings.catalogue.indicators.count) indicators")
        }
    }
}

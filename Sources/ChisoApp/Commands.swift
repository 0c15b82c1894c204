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
            BackfillHistory.self,
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
        let logger = settings.log.makeLogger()
        logger.info(
            "chiso \(ChisoVersion.current) starting",
            metadata: [
                "database": "\(settings.database)", "schema": "\(settings.schema)",
                "listen": "\(settings.listenHost):\(settings.listenPort)", "time_zone": "\(settings.timeZone.identifier)",
            ])
        let (application, _) = buildApplication(settings, logger: logger)
        try await application.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the schema (idempotent).")
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let settings = await resolveSettings(configFile, database)
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
    @Option(help: "json, prometheus or html (the Vietnamese status page, self-contained).") var format: Format = .json

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan)
        let logger = settings.log.makeLogger()
        let time = settings.clock
        let instant = time.evaluationInstant()
        let clock = ContinuousClock()
        do {
            let made = try await withDatabase(settings, logger: logger) { client in
                let source = PostgresKPISource(client: client, schema: settings.schema, statementTimeout: settings.statementTimeout, logger: logger)
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
    @Option(help: "First day, YYYY-MM-DD (default: 1 January of the as-of year).") var from: String?
    @Option(help: "Store a day only every N days (the page draws a line through them).") var every: Int = 1

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan)
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
                let source = PostgresKPISource(client: client, schema: settings.schema, statementTimeout: settings.statementTimeout, logger: logger)
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

/// `chiso alerts --once [--dry-run] [--as-of T]`: what the daemon's alert service does at T, once.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Decide and send today's overdue digests once (what the daemon does on its schedule).")
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @Flag(help: "Run one pass and exit (required: the daemon runs the schedule).") var once = false
    @Flag(name: .customLong("dry-run"), help: "Print the digests that would be sent; record and send nothing.") var dryRun = false

    func run() async throws {
        guard once else { fail("alerts: pass --once (the daemon, chiso serve, sends alerts on its schedule)") }
        let settings = await resolveSettings(configFile, database, plan)
        let logger = settings.log.makeLogger()
        let instant = settings.clock.evaluationInstant()
        let metrics = OperationalMetrics().alerts
        let dryRun = self.dryRun
        let report = try await withDatabase(settings, logger: logger) { client in
            let service = makeAlertService(settings, client: client, store: nil, metrics: metrics, logger: logger)
            return await service.pass(at: instant, dryRun: dryRun)
        }
        let calendar = settings.calendar
        if !settings.alerts.policy.digestsAreDue(at: instant, calendar: calendar) {
            let minute = settings.alerts.policy.sendAtMinute
            print("no digests at \(calendar.rfc3339(instant)): not a working day or before \(String(format: "%02d:%02d", minute / 60, minute % 60))")
        }
        for entry in report.decided {
            if dryRun {
                print(AlertsCommand.readable(entry))
            } else {
                let recipients = entry.mail.to.isEmpty ? "(undeliverable: no address)" : (entry.mail.to + entry.mail.cc).joined(separator: ", ")
                print("decided: \(entry.unitID) → \(recipients): \(entry.mail.subject)")
            }
        }
        for unit in report.delivered { print("delivered: \(unit)") }
        for unit in report.failed { print("not delivered (will retry or has failed): \(unit)") }
        if report.decided.isEmpty && report.delivered.isEmpty && report.failed.isEmpty { print("nothing to send") }
        if !report.failed.isEmpty { throw ExitCode(2) }
    }

    /// The headers and the plain-text part of a digest, decoded, for `--dry-run`.
    static func readable(_ entry: OutboxEntry) -> String {
        let message = entry.mail.message
        let headers = message.components(separatedBy: "\r\n\r\n").first ?? ""
        var text = ""
        if let start = message.range(of: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n") {
            let rest = message[start.upperBound...]
            let encoded = rest.prefix { $0 != "-" }.replacingOccurrences(of: "\r\n", with: "")
            text = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        let header = "=== \(entry.unitID) (\(entry.status.rawValue))\n\(headers.replacingOccurrences(of: "\r\n", with: "\n"))"
        return "\(header)\nSubject (decoded): \(entry.mail.subject)\n\n\(text)"
    }
}

/// `chiso import <table> FILE.csv` and `chiso import plan FILE.tsv`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a CSV file into an input table (or the plan's appendix into tasks), all or nothing.",
        discussion: """
            TABLE is one of: \(InputTable.all.map(\.name).joined(separator: ", ")), or plan.

            CSV: a header of contract column names (any order; columns with a default may be left out), \
            UTF-8 with or without BOM, comma or semicolon separated; dates YYYY-MM-DD or dd/MM/yyyy, \
            times ISO 8601 or dd/MM/yyyy HH:mm (local time in the configured zone); booleans true/false, 1/0, có/không. \
            One transaction: any bad row fails the file and nothing changes.
            """)
    enum Mode: String, ExpressibleByArgument { case upsert, insert }

    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @Argument(help: "The table (or plan).") var table: String
    @Argument(help: "The file.") var file: String
    @Option(help: "upsert (insert or update by primary key) or insert (a key already there is an error).") var mode: Mode = .upsert
    @Flag(name: .customLong("dry-run"), help: "Check the file and the database constraints; change nothing.") var dryRun = false
    @Option(name: .customLong("plan-year"), help: "The plan's year, for deadline phrases (default: the year of --as-of or today).") var planYear: Int?

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan)
        let logger = settings.log.makeLogger()
        let fileName = (file as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: file) else { fail("import: cannot read \(file)") }
        let started = ContinuousClock.now
        let mode: PostgresImporter.Mode = self.mode == .insert ? .insert : .upsert
        let dryRun = self.dryRun

        let rows: any ImportRows
        do {
            rows = try makeRows(data, fileName: fileName, settings: settings)
        } catch {
            Self.refuse(error, fileName: fileName)
        }
        // A progress line for large files on a terminal (rows sent so far).
        let terminal = isatty(STDERR_FILENO) == 1 && data.count >= 5 << 20
        let progress: (@Sendable (Int) -> Void)? = terminal ? Self.progressLine(fileName: fileName) : nil
        let update = table == "plan" ? PlanFile.updatableColumns : nil
        do {
            let outcome: PostgresImporter.Outcome = try await withDatabase(settings, logger: logger) { client in
                try await PostgresImporter(client: client, schema: settings.schema, logger: logger).load(
                    rows, fileName: fileName, mode: mode, updateColumns: update, dryRun: dryRun, progress: progress)
            }
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            let seconds = started.duration(to: ContinuousClock.now).seconds
            let rate = seconds > 0 ? Int(Double(outcome.rows) / seconds) : outcome.rows
            let counts = "\(outcome.rows) rows (\(outcome.inserted) new, \(outcome.updated) updated)"
            let speed = "in \(String(format: "%.2f", seconds)) s (\(rate) rows/s)"
            let verb = dryRun ? "dry run: would load" : "loaded"
            print("\(verb) \(fileName) into \(rows.table.name): \(counts) \(speed)\(dryRun ? "; nothing changed" : "")")
        } catch let errors as ImportErrors {
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            Self.refuse(errors, fileName: fileName)
        } catch {
            fail("import: \(DatabaseFailure.describe(error)); nothing changed")
        }
    }

    /// What to load: the plan's tasks, or a CSV file read and checked a chunk at a time.
    func makeRows(_ data: Data, fileName: String, settings: Settings) throws(ImportErrors) -> any ImportRows {
        if table == "plan" {
            let year = planYear ?? settings.calendar.localDate(of: settings.clock.evaluationInstant()).year
            return PreparedRows(PlanFile.prepared(try PlanFile.parse(data, fileName: fileName, planYear: year)))
        }
        guard let spec = InputTable.named(table) else {
            fail("import: unknown table '\(table)' (tables: \(InputTable.all.map(\.name).joined(separator: ", ")), plan)")
        }
        return try CSVRows(data: data, fileName: fileName, table: spec, timeZone: settings.timeZone, now: settings.clock.now())
    }

    /// Every error on its own line on standard error, then the verdict; exit 1.
    static func refuse(_ errors: ImportErrors, fileName: String) -> Never {
        FileHandle.standardError.write(Data((errors.description + "\n").utf8))
        let count = errors.messages.count
        fail("import: \(fileName) not loaded (\(count)\(errors.truncated ? "+" : "") error\(count == 1 ? "" : "s")); nothing changed")
    }
}

extension ImportCommand {
    /// "import dossiers.csv: 250000 rows sent", rewritten in place on a terminal.
    static func progressLine(fileName: String) -> @Sendable (Int) -> Void {
        { sent in
            FileHandle.standardError.write(Data("\rimport \(fileName): \(sent) rows sent".utf8))
        }
    }
}

/// `chiso demo --seed N`: a realistic, deterministic year of xã Bắc Bình, loaded through the importer.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Fill the database with a realistic demo year of xã Bắc Bình (replaces the input data).")
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @Option(help: "Random seed: the same seed and --as-of give the same data.") var seed: UInt64 = 2026
    @Flag(help: "Replace input tables that already hold data (they are emptied first).") var replace = false

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan)
        let logger = settings.log.makeLogger()
        let asOf = settings.clock.evaluationInstant()
        let calendar = settings.calendar
        let plan: [PlanTask]
        do {
            plan = try PlanFile.parse(DemoYear.planFile, fileName: "ke-hoach-cchc-2026.tsv", planYear: calendar.localDate(of: asOf).year)
        } catch { fail("demo: the embedded plan does not load: \(error)") }
        let tables = DemoYear.generate(seed: seed, asOf: asOf, calendar: calendar, plan: plan)
        let replace = self.replace
        do {
            try await withDatabase(settings, logger: logger) { client in
                _ = try await Migrator(client: client, schema: settings.schema, logger: logger).migrate()
                let importer = PostgresImporter(client: client, schema: settings.schema, logger: logger)
                if try await importer.inputRowCount() > 0 {
                    guard replace else {
                        throw DemoRefused()
                    }
                }
                try await importer.replaceAll()
                for prepared in tables {
                    let outcome = try await importer.load(prepared, fileName: "demo:\(prepared.table.name)", mode: .insert, dryRun: false)
                    print("demo: \(prepared.table.name): \(outcome.rows) rows")
                }
            }
        } catch is DemoRefused {
            fail("demo: schema \(settings.schema) already holds data; pass --replace to empty it and load the demo")
        } catch let errors as ImportErrors {
            fail("demo: \(errors)")
        } catch {
            fail("demo: \(DatabaseFailure.describe(error))")
        }
        print("demo: xã Bắc Bình, seed \(seed), as of \(calendar.rfc3339(asOf))")
    }

    struct DemoRefused: Error {}
}

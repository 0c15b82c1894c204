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
    /// interface.md's common options: accepted and checked by every command, listed in `--help` where used.
    @OptionGroup(visibility: .hidden) var daemon: DaemonOptions
    @Argument(help: "The table (or plan).") var table: String
    @Argument(help: "The file.") var file: String
    @Option(help: "upsert (insert or update by primary key) or insert (a key already there is an error).") var mode: Mode = .upsert
    @Flag(name: .customLong("dry-run"), help: "Check the file and the database constraints; change nothing.") var dryRun = false
    @Option(name: .customLong("plan-year"), help: "The plan's year, for deadline phrases (default: the year of --as-of or today).") var planYear: Int?

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan, daemon)
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
    /// interface.md's common options: accepted and checked by every command, listed in `--help` where used.
    @OptionGroup(visibility: .hidden) var daemon: DaemonOptions
    @Option(help: "Random seed: the same seed and --as-of give the same data.") var seed: UInt64 = 2026
    @Flag(help: "Replace input tables that already hold data (they are emptied first).") var replace = false

    func run() async throws {
        let settings = await resolveSettings(configFile, database, plan, daemon)
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

import ArgumentParser
import Foundation

/// A group of command-line options; each option is also a config-file key (and so a `CHISO_*`
/// variable). Every command accepts interface.md's common options; the groups a command does not
/// use are hidden from its `--help`.
public protocol SettingsOptions: ParsableArguments {
    /// The values given, under their config-file keys.
    var commandLineValues: [CommandLineValue] { get }
}

/// `--config`: the JSON configuration file (env CHISO_CONFIG).
public struct ConfigFileOption: ParsableArguments {
    @Option(name: .customLong("config"), help: "JSON configuration file (env CHISO_CONFIG).")
    public var config: String?

    public init() {}
}

/// Where the data is.
public struct DatabaseOptions: SettingsOptions {
    @Option(name: .customLong("database-url"), help: "libpq connection string or postgresql:// URI (env CHISO_DATABASE_URL, DATABASE_URL; PG* variables, pg_service.conf and .pgpass as libpq reads them).")
    var databaseURL: String?
    @Option(help: "Schema holding the input tables (env CHISO_SCHEMA; default chiso).")
    var schema: String?

    public init() {}

    public var commandLineValues: [CommandLineValue] {
        [
            databaseURL.map { CommandLineValue(key: "database.url", flag: "--database-url", value: $0) },
            schema.map { CommandLineValue(key: "schema", flag: "--schema", value: $0) },
        ].compactMap { $0 }
    }
}

/// When the figures are taken, in which zone.
public struct PlanOptions: SettingsOptions {
    @Option(name: .customLong("as-of"), help: "Fixed evaluation instant, ISO 8601 (env CHISO_AS_OF; default now).")
    var asOf: String?
    @Option(name: .customLong("time-zone"), help: "Plan time zone (env CHISO_TIME_ZONE; default Asia/Ho_Chi_Minh).")
    var timeZone: String?

    public init() {}

    public var commandLineValues: [CommandLineValue] {
        [
            asOf.map { CommandLineValue(key: "as_of", flag: "--as-of", value: $0) },
            timeZone.map { CommandLineValue(key: "time_zone", flag: "--time-zone", value: $0) },
        ].compactMap { $0 }
    }
}

/// What only the daemon uses: where it listens, how often it refreshes, where it writes the pages.
public struct DaemonOptions: SettingsOptions {
    @Option(help: "HOST:PORT for HTTP (env CHISO_LISTEN; default 127.0.0.1:8080).")
    var listen: String?
    @Option(name: .customLong("refresh-interval"), help: "Seconds between refreshes (env CHISO_REFRESH_INTERVAL; default 60).")
    var refreshInterval: String?
    @Option(name: .customLong("output-dir"), help: "Directory the status pages are written to (env CHISO_OUTPUT_DIR; default ./site; empty: off).")
    var outputDir: String?

    public init() {}

    public var commandLineValues: [CommandLineValue] {
        [
            listen.map { CommandLineValue(key: "listen", flag: "--listen", value: $0) },
            refreshInterval.map { CommandLineValue(key: "refresh_interval", flag: "--refresh-interval", value: $0) },
            outputDir.map { CommandLineValue(key: "output_dir", flag: "--output-dir", value: $0) },
        ].compactMap { $0 }
    }
}

/// Resolves the settings from a command's option groups, the environment and the config file.
public enum SettingsLoader {
    /// The settings from command-line words, as a user would type them (for tests and scripts):
    /// `["--schema", "x", "--listen", "127.0.0.1:0"]`.
    public static func load(arguments: [String], environment: [String: String]) async throws -> Settings {
        try await check(arguments: arguments, environment: environment).get()
    }

    public static func check(arguments: [String], environment: [String: String]) async -> Result<Settings, ConfigurationErrors> {
        do {
            let options = try AllSettingsOptions.parse(arguments)
            return await check(config: options.configFile.config, options.groups, environment: environment)
        } catch {
            return .failure(ConfigurationErrors([ConfigurationError(setting: "command line", problem: AllSettingsOptions.message(for: error))]))
        }
    }

    /// Like `load`, but returns the problems instead of throwing (for `check-config`).
    public static func check(
        config: String?, _ groups: [any SettingsOptions], environment: [String: String]
    ) async -> Result<Settings, ConfigurationErrors> {
        let configPath = config ?? environment["CHISO_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let configPath, !FileManager.default.fileExists(atPath: configPath) {
            let setting = config != nil ? "--config" : "CHISO_CONFIG"
            return .failure(ConfigurationErrors([ConfigurationError(setting: setting, problem: "file \(configPath) does not exist")]))
        }
        do {
            let reader = try SettingsReader(commandLine: groups.flatMap(\.commandLineValues), configFile: configPath, environment: environment)
            return .success(try Settings(reader: reader))
        } catch let errors as ConfigurationErrors {
            return .failure(errors)
        } catch let error as ConfigurationError {
            return .failure(ConfigurationErrors([error]))
        } catch {
            return .failure(ConfigurationErrors([ConfigurationError(setting: "configuration", problem: "\(error)")]))
        }
    }
}

/// Every option group (what `check-config` takes).
struct AllSettingsOptions: ParsableArguments {
    @OptionGroup var configFile: ConfigFileOption
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var plan: PlanOptions
    @OptionGroup var daemon: DaemonOptions

    var groups: [any SettingsOptions] { [database, plan, daemon] }
}

import Configuration
import Foundation

/// A configuration problem: names the setting (as the user wrote it) and what is wrong, on one line.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public var setting: String
    public var problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "\(setting): \(problem)" }
}

/// Every configuration problem found, one per line (`check-config` names them all).
public struct ConfigurationErrors: Error, CustomStringConvertible, Equatable, Sendable {
    public var errors: [ConfigurationError]
    public init(_ errors: [ConfigurationError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// A value given on the command line, under its config-file key (`listen`) and its flag (`--listen`).
public struct CommandLineValue: Sendable {
    public var key: String
    public var flag: String
    public var value: String

    public init(key: String, flag: String, value: String) {
        self.key = key
        self.flag = flag
        self.value = value
    }
}

/// The layers every part of the configuration reads from, highest precedence first: the command
/// line, the `CHISO_*` variables, the config file (read once), then each part's defaults. Each
/// layer is a swift-configuration reader, so a part reads its own keys from a scoped view
/// (`reader.scoped(to: "alerts")`), as hummingbird's `ApplicationConfiguration(reader:)` does.
///
/// Reading never throws: a bad value is recorded as a problem (named as the user wrote it:
/// `--listen`, `CHISO_LISTEN` or `chiso.json: listen`) and the default is used, so that one run
/// names every problem. Every key a part reads becomes a known key; the file's other keys are
/// reported as unknown (a typo must not pass silently as a default).
public final class SettingsReader {
    struct Layer {
        enum Kind { case commandLine, environment, file }
        let kind: Kind
        let reader: ConfigReader
    }

    let layers: [Layer]
    /// The flag of each key given on the command line.
    let flags: [String: String]
    public let environment: [String: String]
    /// The config file, when there is one: its path and its folder (relative paths in it are taken from there).
    public let configFile: String?
    public let configDirectory: String
    /// The file's keys, `database.url` style, for the unknown-key check.
    let fileKeys: [String]
    private(set) var problems: [ConfigurationError] = []
    private(set) var knownKeys: Set<String> = []

    /// Reads the config file (once) and sets up the layers. Throws only for a file that cannot be
    /// used at all (missing, not JSON, not an object): then nothing else is worth reading.
    public init(commandLine: [CommandLineValue], configFile: String?, environment: [String: String]) throws(ConfigurationError) {
        self.environment = environment
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        var flags: [String: String] = [:]
        for item in commandLine {
            values[AbsoluteConfigKey(stringLiteral: item.key)] = ConfigValue(.string(item.value), isSecret: Self.isSecret(item.key))
            flags[item.key] = item.flag
        }
        self.flags = flags
        var layers = [
            Layer(kind: .commandLine, reader: ConfigReader(provider: InMemoryProvider(name: "command line", values: values))),
            Layer(
                kind: .environment,
                reader: ConfigReader(
                    provider: EnvironmentVariablesProvider(
                        environmentVariables: environment,
                        secretsSpecifier: .specific([
                            "CHISO_DATABASE_URL", "DATABASE_URL", "PGPASSWORD", "CHISO_ALERTS_WEBHOOK_SECRET", "CHISO_ALERT_WEBHOOK_SECRET",
                        ])
                    ).prefixKeys(with: "chiso"))),
        ]
        self.configFile = configFile
        if let configFile {
            let file = try ConfigFile(path: configFile)
            layers.append(Layer(kind: .file, reader: ConfigReader(provider: InMemoryProvider(name: configFile, values: file.values))))
            configDirectory = (configFile as NSString).deletingLastPathComponent
            fileKeys = file.keys
        } else {
            configDirectory = FileManager.default.currentDirectoryPath
            fileKeys = []
        }
        self.layers = layers
    }

    /// The view of one part: its keys are read under `scope` (`alerts` → `alerts.command`).
    /// `environmentAlias`: a second, documented prefix for the part's variables (`CHISO_ALERT_COMMAND`).
    public func scoped(to scope: String, environmentAlias: String? = nil) -> SettingsScope {
        SettingsScope(reader: self, path: [scope], environmentAlias: environmentAlias)
    }

    /// The top level (`schema`, `listen`, …).
    public var root: SettingsScope { SettingsScope(reader: self, path: [], environmentAlias: nil) }

    func report(_ problem: ConfigurationError) { problems.append(problem) }
    func known(_ key: String) { knownKeys.insert(key) }

    /// The file's keys that no part reads, each named with the keys that would be right there.
    func unknownKeyProblems() -> [ConfigurationError] {
        guard let configFile else { return [] }
        var out: [ConfigurationError] = []
        let topLevel = Set(knownKeys.map { String($0.split(separator: ".")[0]) })
        for key in fileKeys where !knownKeys.contains(key) {
            // `database.pool` is named with the keys of `database`; `refresh_intervall` with the top level's.
            let object = key.split(separator: ".", maxSplits: 1).count == 2 ? String(key.split(separator: ".")[0]) : nil
            let siblings = object.map { object in Set(knownKeys.filter { $0.hasPrefix(object + ".") }.map { String($0.dropFirst(object.count + 1)) })
            }
            out.append(ConfigurationError(setting: "\(configFile): \(key)", problem: unknown(siblings ?? topLevel)))
        }
        return out
    }

    private func unknown(_ known: Set<String>) -> String { "unknown setting (known: \(known.sorted().joined(separator: ", ")))" }

    static func isSecret(_ key: String) -> Bool { key == "database.url" || key == "alerts.webhook_secret" }

    /// The environment variable of a key: `alerts.webhook_url` → `CHISO_ALERTS_WEBHOOK_URL`.
    static func environmentName(_ key: String) -> String { "CHISO_" + key.uppercased().replacingOccurrences(of: ".", with: "_") }
}

/// A value found for a setting, and where: the setting's name as the user wrote it.
public struct FoundSetting: Sendable {
    public var value: String
    public var setting: String
    /// Whether it came from the config file (a relative path is then taken from the file's folder).
    public var fromFile: Bool
}

/// One part's view of the configuration (see `SettingsReader`).
public struct SettingsScope {
    let reader: SettingsReader
    let path: [String]
    let environmentAlias: String?

    public var environment: [String: String] { reader.environment }
    public var configDirectory: String { reader.configDirectory }

    func fullKey(_ key: String) -> String { (path + [key]).joined(separator: ".") }

    /// The first layer that has the key. Numbers, booleans and lists in the file are read as text:
    /// every part parses text, whichever layer it came from.
    public func find(_ key: String) -> FoundSetting? {
        let full = fullKey(key)
        reader.known(full)
        let configKey = ConfigKey(stringLiteral: full)
        let secret = SettingsReader.isSecret(full)
        for layer in reader.layers {
            switch layer.kind {
            case .commandLine:
                if let text = layer.reader.string(forKey: configKey, isSecret: secret) {
                    return FoundSetting(value: text, setting: reader.flags[full] ?? full, fromFile: false)
                }
            case .environment:
                if let text = layer.reader.string(forKey: configKey, isSecret: secret) {
                    return FoundSetting(value: text, setting: SettingsReader.environmentName(full), fromFile: false)
                }
                if let alias = environmentAlias {
                    let aliasKey = ([alias] + [key]).joined(separator: ".")
                    if let text = layer.reader.string(forKey: ConfigKey(stringLiteral: aliasKey), isSecret: secret) {
                        return FoundSetting(value: text, setting: SettingsReader.environmentName(aliasKey), fromFile: false)
                    }
                }
            case .file:
                if let text = layer.reader.string(forKey: configKey, isSecret: secret) {
                    return FoundSetting(value: text, setting: "\(reader.configFile ?? ""): \(full)", fromFile: true)
                }
            }
        }
        return nil
    }

    /// Reads and parses one setting; a problem is recorded and `fallback` used instead.
    public func value<T>(_ key: String, default fallback: T, _ parse: (FoundSetting) throws(ConfigurationError) -> T) -> T {
        guard let found = find(key) else { return fallback }
        do {
            return try parse(found)
        } catch {
            reader.report(error)
            return fallback
        }
    }

    /// Records a problem found while combining settings.
    public func report(_ problem: ConfigurationError) { reader.report(problem) }

    // Shapes shared by several parts.

    /// Seconds, as a whole or decimal number, within `minimum`…86400.
    public func seconds(_ key: String, default fallback: Double, minimum: Double) -> Duration {
        value(key, default: .milliseconds(Int64(fallback * 1000))) { found throws(ConfigurationError) in
            guard let number = Double(found.value), number.isFinite, number >= minimum, number <= 86_400 else {
                throw ConfigurationError(
                    setting: found.setting, problem: "'\(found.value)' is not a number of seconds between \(Int(minimum)) and 86400")
            }
            return .milliseconds(Int64(number * 1000))
        }
    }

    public func wholeNumber(_ key: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        value(key, default: fallback) { found throws(ConfigurationError) in
            guard let number = Int(found.value), range.contains(number) else {
                throw ConfigurationError(
                    setting: found.setting,
                    problem: "'\(found.value)' is not a whole number between \(range.lowerBound) and \(range.upperBound)")
            }
            return number
        }
    }

    public func flag(_ key: String, default fallback: Bool) -> Bool {
        value(key, default: fallback) { found throws(ConfigurationError) in
            switch found.value.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw ConfigurationError(setting: found.setting, problem: "'\(found.value)' is not true or false")
            }
        }
    }

    /// An http(s) URL, or nil when unset or empty.
    public func httpURL(_ key: String) -> String? {
        value(key, default: nil) { found throws(ConfigurationError) -> String? in
            guard !found.value.isEmpty else { return nil }
            guard let url = URL(string: found.value), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil
            else {
                throw ConfigurationError(setting: found.setting, problem: "'\(found.value)' is not an http(s) URL")
            }
            return found.value
        }
    }

    /// A path; a relative one is taken from the config file's folder when the file sets it, else
    /// from the working directory.
    public func path(_ text: String, from found: FoundSetting?) -> String {
        if text.hasPrefix("/") { return text }
        let base = found?.fromFile == true ? reader.configDirectory : FileManager.default.currentDirectoryPath
        return (base as NSString).appendingPathComponent(text)
    }
}

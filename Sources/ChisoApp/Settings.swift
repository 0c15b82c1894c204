import ChisoAlerts
import ChisoCore
import ChisoStorage
import Configuration
import Foundation
import Logging
import SystemPackage

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

/// Everything chiso runs with, resolved and checked.
public struct Settings: Sendable {
    public var configFile: String?
    public var database: DatabaseLocation
    public var schema: SchemaName
    public var listenHost: String
    public var listenPort: Int
    /// A fixed evaluation instant (`--as-of`); nil: now, at every refresh.
    public var asOf: Date?
    public var timeZone: TimeZone
    public var refreshInterval: Duration
    /// Bound on each SQL statement, enforced by PostgreSQL (`statement_timeout`).
    public var statementTimeout: Duration
    /// Bound on a whole refresh, including waiting for a connection while the database is away.
    public var refreshTimeout: Duration
    public var catalogue: Catalogue
    public var logLevel: Logger.Level
    /// Where the status pages are written as files at every refresh; nil: not written.
    public var outputDirectory: URL?
    public var alerts: AlertSettings

    public var calendar: PlanCalendar { PlanCalendar(timeZone: timeZone) }
}

/// The overdue alerts: when, to whom, through what.
public struct AlertSettings: Sendable {
    /// Whether the daemon decides and sends digests on its schedule.
    public var enabled: Bool
    /// The mail command's argv, split once at configuration time (no shell).
    public var command: [String]
    public var from: MailComposer.Sender
    public var policy: AlertPolicy
    /// Bound on one run of the mail command (and one webhook call).
    public var timeout: Duration
    /// Attempts per digest before it is marked failed.
    public var maxAttempts: Int
    /// The first retry comes after this long; each next one after twice as long.
    public var retryAfter: Duration
    public var webhookURL: String?
    public var webhookSecret: String?
    /// The status page's public address; digests link each unit to its page there.
    public var pageURL: String?

    public static let defaultCommand = ["/usr/sbin/sendmail", "-t", "-i"]

    /// Exponential backoff: retryAfter, 2×, 4×, … after the 1st, 2nd, 3rd failed attempt.
    public func retryDelay(afterAttempts attempts: Int) -> Duration {
        retryAfter * (1 << min(max(attempts - 1, 0), 16))
    }
}

/// The options every command takes; each is also read from the environment and the config file.
/// Precedence: command line, then `CHISO_*` variables, then the config file, then defaults
/// (for the database: then `DATABASE_URL`, then the libpq `PG*` variables).
public struct SettingsInput: Sendable {
    public var config: String?
    public var databaseURL: String?
    public var schema: String?
    public var listen: String?
    public var asOf: String?
    public var timeZone: String?
    public var refreshInterval: String?
    public var outputDir: String?

    public init(config: String? = nil, databaseURL: String? = nil, schema: String? = nil, listen: String? = nil,
                asOf: String? = nil, timeZone: String? = nil, refreshInterval: String? = nil, outputDir: String? = nil) {
        self.outputDir = outputDir
        self.config = config
        self.databaseURL = databaseURL
        self.schema = schema
        self.listen = listen
        self.asOf = asOf
        self.timeZone = timeZone
        self.refreshInterval = refreshInterval
    }
}

public enum SettingsLoader {
    /// One setting: its key in the config file (and, upper-cased with a `CHISO_` prefix, in the
    /// environment) and its command-line flag, if any.
    struct Key {
        let file: String
        let flag: String?
        /// The variable's name when it differs from the one derived from the file key.
        var customEnvironment: String? = nil
        var derivedEnvironment: String { "CHISO_" + file.uppercased().replacingOccurrences(of: ".", with: "_") }
        var environment: String { customEnvironment ?? derivedEnvironment }
    }

    static let keys: [String: Key] = [
        "database.url": Key(file: "database.url", flag: "--database-url"),
        "schema": Key(file: "schema", flag: "--schema"),
        "listen": Key(file: "listen", flag: "--listen"),
        "as_of": Key(file: "as_of", flag: "--as-of"),
        "time_zone": Key(file: "time_zone", flag: "--time-zone"),
        "refresh_interval": Key(file: "refresh_interval", flag: "--refresh-interval"),
        "statement_timeout": Key(file: "statement_timeout", flag: nil),
        "refresh_timeout": Key(file: "refresh_timeout", flag: nil),
        "catalogue": Key(file: "catalogue", flag: nil),
        "log_level": Key(file: "log_level", flag: nil),
        "output_dir": Key(file: "output_dir", flag: "--output-dir"),
        "alerts.enabled": Key(file: "alerts.enabled", flag: nil, customEnvironment: "CHISO_ALERT_ENABLED"),
        "alerts.command": Key(file: "alerts.command", flag: nil, customEnvironment: "CHISO_ALERT_COMMAND"),
        "alerts.from": Key(file: "alerts.from", flag: nil, customEnvironment: "CHISO_ALERT_FROM"),
        "alerts.time": Key(file: "alerts.time", flag: nil, customEnvironment: "CHISO_ALERT_TIME"),
        "alerts.working_days": Key(file: "alerts.working_days", flag: nil, customEnvironment: "CHISO_ALERT_WORKING_DAYS"),
        "alerts.holidays": Key(file: "alerts.holidays", flag: nil, customEnvironment: "CHISO_ALERT_HOLIDAYS"),
        "alerts.warn_days": Key(file: "alerts.warn_days", flag: nil, customEnvironment: "CHISO_ALERT_WARN_DAYS"),
        "alerts.escalate_after_days": Key(file: "alerts.escalate_after_days", flag: nil, customEnvironment: "CHISO_ALERT_ESCALATE_AFTER_DAYS"),
        "alerts.timeout": Key(file: "alerts.timeout", flag: nil, customEnvironment: "CHISO_ALERT_TIMEOUT"),
        "alerts.max_attempts": Key(file: "alerts.max_attempts", flag: nil, customEnvironment: "CHISO_ALERT_MAX_ATTEMPTS"),
        "alerts.retry_after": Key(file: "alerts.retry_after", flag: nil, customEnvironment: "CHISO_ALERT_RETRY_AFTER"),
        "alerts.webhook_url": Key(file: "alerts.webhook_url", flag: nil, customEnvironment: "CHISO_ALERT_WEBHOOK_URL"),
        "alerts.webhook_secret": Key(file: "alerts.webhook_secret", flag: nil, customEnvironment: "CHISO_ALERT_WEBHOOK_SECRET"),
        "alerts.page_url": Key(file: "alerts.page_url", flag: nil, customEnvironment: "CHISO_ALERT_PAGE_URL"),
    ]

    /// Keys of the `alerts` object of a config file.
    static let alertFileKeys: Set<String> = Set(keys.keys.filter { $0.hasPrefix("alerts.") }.map { String($0.dropFirst("alerts.".count)) })

    /// Top-level keys a config file may hold (`database` is an object with `url`).
    static let fileKeys: Set<String> = ["database", "schema", "listen", "as_of", "time_zone", "refresh_interval",
                                        "statement_timeout", "refresh_timeout", "catalogue", "log_level", "output_dir", "alerts"]

    /// Resolves and checks every setting; throws `ConfigurationErrors` naming every problem found.
    public static func load(_ input: SettingsInput, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Settings {
        try await check(input, environment: environment).get()
    }

    /// Like `load`, but returns the problems instead of throwing (for `check-config`).
    public static func check(_ input: SettingsInput, environment: [String: String]) async -> Result<Settings, ConfigurationErrors> {
        do {
            return .success(try await resolve(input, environment: environment))
        } catch let errors as ConfigurationErrors {
            return .failure(errors)
        } catch let error as ConfigurationError {
            return .failure(ConfigurationErrors([error]))
        } catch {
            return .failure(ConfigurationErrors([ConfigurationError(setting: "configuration", problem: "\(error)")]))
        }
    }

    static func resolve(_ input: SettingsInput, environment original: [String: String]) async throws -> Settings {
        // CHISO_ALERT_COMMAND and friends are read under the names swift-configuration derives.
        var environment = original
        for key in keys.values {
            if let custom = key.customEnvironment, let value = original[custom], original[key.derivedEnvironment] == nil {
                environment[key.derivedEnvironment] = value
            }
        }
        // Layers, highest precedence first, each a swift-configuration reader with a name for errors.
        var cli: [AbsoluteConfigKey: ConfigValue] = [:]
        func put(_ key: String, _ value: String?) {
            if let value { cli[AbsoluteConfigKey(stringLiteral: key)] = ConfigValue(.string(value), isSecret: key == "database.url") }
        }
        put("database.url", input.databaseURL)
        put("schema", input.schema)
        put("listen", input.listen)
        put("as_of", input.asOf)
        put("time_zone", input.timeZone)
        put("refresh_interval", input.refreshInterval)
        put("output_dir", input.outputDir)
        var layers: [(name: (Key) -> String, reader: ConfigReader)] = [
            ({ $0.flag ?? $0.file }, ConfigReader(provider: InMemoryProvider(name: "command line", values: cli))),
            ({ $0.environment }, ConfigReader(provider: EnvironmentVariablesProvider(
                environmentVariables: environment, secretsSpecifier: .specific(["CHISO_DATABASE_URL", "DATABASE_URL", "PGPASSWORD", "CHISO_ALERTS_WEBHOOK_SECRET"])
            ).prefixKeys(with: "chiso"))),
        ]
        let configPath = input.config ?? environment["CHISO_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        var configDirectory = FileManager.default.currentDirectoryPath
        if let configPath {
            let setting = input.config != nil ? "--config" : "CHISO_CONFIG"
            guard FileManager.default.fileExists(atPath: configPath) else {
                throw ConfigurationError(setting: setting, problem: "file \(configPath) does not exist")
            }
            try checkConfigFileKeys(configPath)
            let provider: FileProvider<JSONSnapshot>
            do {
                provider = try await FileProvider<JSONSnapshot>(filePath: FilePath(configPath))
            } catch {
                throw ConfigurationError(setting: setting, problem: "\(configPath) is not a valid JSON config file: \(error)")
            }
            layers.append(({ "\(configPath): \($0.file)" }, ConfigReader(provider: provider)))
            configDirectory = (configPath as NSString).deletingLastPathComponent
        }

        /// The first layer that has the key: (value, name of the setting where it came from).
        func lookup(_ id: String) -> (value: String, setting: String)? {
            let key = keys[id]!
            for layer in layers {
                let configKey = ConfigKey(stringLiteral: key.file)
                let secret = id == "database.url" || id == "alerts.webhook_secret"
                if let text = layer.reader.string(forKey: configKey, isSecret: secret) {
                    return (text, layer.name(key))
                }
                if let number = layer.reader.double(forKey: configKey) {
                    return (number == number.rounded() ? String(Int(number)) : String(number), layer.name(key))
                }
                if let bool = layer.reader.bool(forKey: configKey) {
                    return (bool ? "true" : "false", layer.name(key))
                }
                if let list = layer.reader.stringArray(forKey: configKey) {
                    return (list.joined(separator: ","), layer.name(key))
                }
            }
            return nil
        }

        // Each setting is checked on its own, so that one run names every problem.
        var problems: [ConfigurationError] = []
        func attempt<T>(_ fallback: T, _ body: () throws(ConfigurationError) -> T) -> T {
            do { return try body() } catch {
                problems.append(error)
                return fallback
            }
        }

        // time zone first: a bare --as-of is local time.
        let defaultZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let timeZone = attempt(defaultZone) { () throws(ConfigurationError) -> TimeZone in
            guard let (text, setting) = lookup("time_zone") else { return defaultZone }
            guard let zone = TimeZone(identifier: text) else {
                throw ConfigurationError(setting: setting, problem: "unknown time zone '\(text)' (use an IANA name such as Asia/Ho_Chi_Minh)")
            }
            return zone
        }
        let calendar = PlanCalendar(timeZone: timeZone)

        let asOf = attempt(nil) { () throws(ConfigurationError) -> Date? in
            guard let (text, setting) = lookup("as_of"), !text.isEmpty else { return nil }
            guard let instant = calendar.parseInstant(text) else {
                throw ConfigurationError(setting: setting, problem: "'\(text)' is not an ISO 8601 instant (e.g. 2026-06-15T10:00:00+07:00)")
            }
            return instant
        }

        let defaultSchema = try! SchemaName("chiso")
        let schema = attempt(defaultSchema) { () throws(ConfigurationError) -> SchemaName in
            guard let (text, setting) = lookup("schema") else { return defaultSchema }
            do {
                return try SchemaName(text)
            } catch {
                throw ConfigurationError(setting: setting, problem: "'\(text)' is not a valid schema name (lower-case letters, digits and underscores, starting with a letter)")
            }
        }

        let (host, port) = attempt(("127.0.0.1", 8080)) { () throws(ConfigurationError) -> (String, Int) in
            guard let (text, setting) = lookup("listen") else { return ("127.0.0.1", 8080) }
            return try parseListen(text, setting: setting)
        }

        let refreshInterval = attempt(.seconds(60)) { () throws(ConfigurationError) in try seconds(lookup("refresh_interval"), default: 60, minimum: 1) }
        let statementTimeout = attempt(.seconds(30)) { () throws(ConfigurationError) in try seconds(lookup("statement_timeout"), default: 30, minimum: 1) }
        let refreshTimeout = attempt(.seconds(90)) { () throws(ConfigurationError) in try seconds(lookup("refresh_timeout"), default: 90, minimum: 1) }

        let logLevel = attempt(Logger.Level.info) { () throws(ConfigurationError) -> Logger.Level in
            guard let (text, setting) = lookup("log_level") else { return .info }
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError(setting: setting, problem: "unknown log level '\(text)' (trace, debug, info, notice, warning, error, critical)")
            }
            return level
        }

        let catalogue = attempt(Catalogue.builtIn) { () throws(ConfigurationError) -> Catalogue in
            guard let (text, setting) = lookup("catalogue") else { return .builtIn }
            let path = text.hasPrefix("/") ? text : (configDirectory as NSString).appendingPathComponent(text)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(setting: setting, problem: "catalogue file \(path) cannot be read")
            }
            do {
                return try CatalogueFile.decode(data)
            } catch let error as CatalogueFile.Invalid {
                throw ConfigurationError(setting: setting, problem: "\(path): " + error.problems.map(\.description).joined(separator: "; "))
            } catch {
                throw ConfigurationError(setting: setting, problem: "\(path): \(error)")
            }
        }

        // A relative path is taken from the config file's folder when the file sets it, else from the
        // working directory (systemd's WorkingDirectory=; the default ./site). "" turns writing off.
        let outputDirectory = attempt(nil) { () throws(ConfigurationError) -> URL? in
            let found = lookup("output_dir")
            let text = found?.value ?? "site"
            if text.isEmpty { return nil }
            let fromFile = configPath.map { found?.setting.hasPrefix("\($0): ") == true } ?? false
            let base = fromFile ? configDirectory : FileManager.default.currentDirectoryPath
            let path = text.hasPrefix("/") ? text : (base as NSString).appendingPathComponent(text)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ConfigurationError(setting: found?.setting ?? "output_dir", problem: "\(path) exists and is not a directory")
            }
            return URL(fileURLWithPath: path, isDirectory: true)
        }

        let alerts = resolveAlerts(lookup: lookup, report: { problems.append($0) })

        let fallbackDatabase = DatabaseLocation(endpoint: .socket(path: "/var/run/postgresql/.s.PGSQL.5432"), user: "postgres", password: nil, database: "chiso", tls: .disable)
        let database = attempt(fallbackDatabase) { () throws(ConfigurationError) -> DatabaseLocation in
            if let (text, setting) = lookup("database.url") {
                return try DatabaseLocation.parse(url: text, setting: setting, environment: environment)
            } else if let url = environment["DATABASE_URL"], !url.isEmpty {
                return try DatabaseLocation.parse(url: url, setting: "DATABASE_URL", environment: environment)
            }
            return try DatabaseLocation.fromLibpqEnvironment(environment)
        }
        if !problems.isEmpty { throw ConfigurationErrors(problems) }

        return Settings(
            configFile: configPath, database: database, schema: schema, listenHost: host, listenPort: port,
            asOf: asOf, timeZone: timeZone, refreshInterval: refreshInterval, statementTimeout: statementTimeout,
            refreshTimeout: refreshTimeout, catalogue: catalogue, logLevel: logLevel, outputDirectory: outputDirectory,
            alerts: alerts)
    }

    static func seconds(_ found: (value: String, setting: String)?, default fallback: Double, minimum: Double) throws(ConfigurationError) -> Duration {
        guard let (text, setting) = found else { return .milliseconds(Int64(fallback * 1000)) }
        guard let value = Double(text), value.isFinite, value >= minimum, value <= 86_400 else {
            throw ConfigurationError(setting: setting, problem: "'\(text)' is not a number of seconds between \(Int(minimum)) and 86400")
        }
        return .milliseconds(Int64(value * 1000))
    }

    static func parseListen(_ text: String, setting: String) throws(ConfigurationError) -> (String, Int) {
        // HOST:PORT, [IPv6]:PORT
        var host: Substring, portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ConfigurationError(setting: setting, problem: "'\(text)' is not HOST:PORT") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ConfigurationError(setting: setting, problem: "'\(text)' is not HOST:PORT") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ConfigurationError(setting: setting, problem: "'\(portText)' in '\(text)' is not a port number")
        }
        if host.isEmpty { host = "0.0.0.0" }
        return (String(host), port)
    }

    /// A typo in a config file must not pass silently as a default.
    static func checkConfigFileKeys(_ path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(setting: path, problem: "cannot be read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw ConfigurationError(setting: path, problem: "is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ConfigurationError(setting: path, problem: "must hold a JSON object")
        }
        for key in dictionary.keys.sorted() where !fileKeys.contains(key) {
            throw ConfigurationError(setting: "\(path): \(key)", problem: "unknown setting (known: \(fileKeys.sorted().joined(separator: ", ")))")
        }
        if let alerts = dictionary["alerts"] {
            guard let inner = alerts as? [String: Any] else {
                throw ConfigurationError(setting: "\(path): alerts", problem: "must be an object like {\"command\": \"/usr/sbin/sendmail -t -i\"}")
            }
            for key in inner.keys.sorted() where !alertFileKeys.contains(key) {
                throw ConfigurationError(setting: "\(path): alerts.\(key)", problem: "unknown setting (known: \(alertFileKeys.sorted().joined(separator: ", ")))")
            }
        }
        if let database = dictionary["database"] {
            guard let inner = database as? [String: Any] else {
                throw ConfigurationError(setting: "\(path): database", problem: "must be an object like {\"url\": \"postgres://…\"}")
            }
            for key in inner.keys.sorted() where key != "url" {
                throw ConfigurationError(setting: "\(path): database.\(key)", problem: "unknown setting (known: url)")
            }
        }
    }
}

extension SettingsLoader {
    typealias Lookup = (String) -> (value: String, setting: String)?

    /// The `alerts.*` settings, each checked on its own (every problem is reported).
    static func resolveAlerts(lookup: Lookup, report: (ConfigurationError) -> Void) -> AlertSettings {
        func value<T>(_ fallback: T, _ body: () throws(ConfigurationError) -> T) -> T {
            do { return try body() } catch {
                report(error)
                return fallback
            }
        }
        let enabled = value(true) { () throws(ConfigurationError) -> Bool in
            guard let (text, setting) = lookup("alerts.enabled") else { return true }
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw ConfigurationError(setting: setting, problem: "'\(text)' is not true or false")
            }
        }
        let command = value(AlertSettings.defaultCommand) { () throws(ConfigurationError) -> [String] in
            guard let (text, setting) = lookup("alerts.command") else { return AlertSettings.defaultCommand }
            do {
                return try CommandWords.split(text)
            } catch {
                throw ConfigurationError(setting: setting, problem: "'\(text)' \(error)")
            }
        }
        let defaultSender = MailComposer.Sender("chiso <chiso@localhost.localdomain>")!
        let from = value(defaultSender) { () throws(ConfigurationError) -> MailComposer.Sender in
            guard let (text, setting) = lookup("alerts.from") else { return defaultSender }
            guard let sender = MailComposer.Sender(text) else {
                throw ConfigurationError(setting: setting, problem: "'\(text)' is not a mail address (name@domain or Name <name@domain>)")
            }
            return sender
        }
        let sendAt = value(450) { () throws(ConfigurationError) -> Int in
            guard let (text, setting) = lookup("alerts.time") else { return 450 }
            let parts = text.split(separator: ":")
            guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute) else {
                throw ConfigurationError(setting: setting, problem: "'\(text)' is not a local time HH:MM")
            }
            return hour * 60 + minute
        }
        let dayNames = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]
        let workingDays = value(Set([1, 2, 3, 4, 5])) { () throws(ConfigurationError) -> Set<Int> in
            guard let (text, setting) = lookup("alerts.working_days") else { return [1, 2, 3, 4, 5] }
            var days: Set<Int> = []
            for name in text.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let day = dayNames[String(name.prefix(3))], name.count >= 3 else {
                    throw ConfigurationError(setting: setting, problem: "'\(name)' is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
                }
                days.insert(day)
            }
            return days
        }
        let holidays = value(Set<LocalDate>()) { () throws(ConfigurationError) -> Set<LocalDate> in
            guard let (text, setting) = lookup("alerts.holidays") else { return [] }
            var days: Set<LocalDate> = []
            for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                guard let day = LocalDate(iso: item) else {
                    throw ConfigurationError(setting: setting, problem: "'\(item)' is not a YYYY-MM-DD date")
                }
                days.insert(day)
            }
            return days
        }
        func count(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) -> Int {
            value(fallback) { () throws(ConfigurationError) -> Int in
                guard let (text, setting) = lookup(key) else { return fallback }
                guard let number = Int(text), range.contains(number) else {
                    throw ConfigurationError(setting: setting, problem: "'\(text)' is not a whole number between \(range.lowerBound) and \(range.upperBound)")
                }
                return number
            }
        }
        let warnDays = count("alerts.warn_days", 3, 0...60)
        let escalateAfter = count("alerts.escalate_after_days", 7, 1...365)
        let maxAttempts = count("alerts.max_attempts", 5, 1...50)
        let timeout = value(Duration.seconds(30)) { () throws(ConfigurationError) in try seconds(lookup("alerts.timeout"), default: 30, minimum: 1) }
        let retryAfter = value(Duration.seconds(60)) { () throws(ConfigurationError) in try seconds(lookup("alerts.retry_after"), default: 60, minimum: 1) }
        func httpURL(_ key: String) -> String? {
            value(String?.none) { () throws(ConfigurationError) -> String? in
                guard let (text, setting) = lookup(key), !text.isEmpty else { return nil }
                guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                    throw ConfigurationError(setting: setting, problem: "'\(text)' is not an http(s) URL")
                }
                return text
            }
        }
        let webhookURL = httpURL("alerts.webhook_url")
        let pageURL = httpURL("alerts.page_url")
        let webhookSecret = lookup("alerts.webhook_secret").flatMap { $0.value.isEmpty ? nil : $0.value }
        return AlertSettings(
            enabled: enabled, command: command, from: from,
            policy: AlertPolicy(sendAtMinute: sendAt, workingDays: workingDays, holidays: holidays, warnDays: warnDays, escalateAfterDays: escalateAfter),
            timeout: timeout, maxAttempts: maxAttempts, retryAfter: retryAfter, webhookURL: webhookURL, webhookSecret: webhookSecret,
            pageURL: pageURL)
    }
}

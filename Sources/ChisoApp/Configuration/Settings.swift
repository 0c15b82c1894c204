import ChisoAlerts
import ChisoCore
import ChisoPresentation
import ChisoStorage
import Foundation
import Logging

/// Everything chiso runs with, resolved and checked: one part per concern, each reading its own
/// keys (see each type's doc comment). A new setting is added to its part alone: reading a key
/// is what makes it known to the config file, the `CHISO_*` variables and `check-config`.
public struct Settings: Sendable {
    public var configFile: String?
    public var plan: PlanConfiguration
    public var storage: DatabaseConfiguration
    public var refresh: RefreshConfiguration
    public var http: HTTPConfiguration
    public var site: SiteConfiguration
    public var log: LogConfiguration
    public var alerts: AlertSettings
    public var exposition: MetricsConfiguration

    /// Reads every part from `reader`, in an order that names problems as a reader of the file
    /// would meet them, then the file's unknown keys.
    init(reader: SettingsReader) throws(ConfigurationErrors) {
        configFile = reader.configFile
        plan = PlanConfiguration(reader: reader.root)
        storage = DatabaseConfiguration(reader: reader)
        http = HTTPConfiguration(reader: reader.root)
        refresh = RefreshConfiguration(reader: reader.root)
        log = LogConfiguration(reader: reader.root, timeZone: plan.timeZone)
        site = SiteConfiguration(reader: reader.root)
        exposition = MetricsConfiguration(reader: reader.root)
        alerts = AlertSettings(reader: reader.scoped(to: "alerts", environmentAlias: "alert"))
        let problems = reader.problems + reader.unknownKeyProblems()
        if !problems.isEmpty { throw ConfigurationErrors(problems) }
    }
}

extension Settings {
    // The settings most callers use, by their familiar names.
    public var database: DatabaseLocation { storage.location }
    public var schema: SchemaName { storage.schema }
    public var statementTimeout: Duration { storage.statementTimeout }
    public var timeZone: TimeZone { plan.timeZone }
    public var asOf: Date? { plan.asOf }
    public var catalogue: Catalogue { plan.catalogue }
    public var qd766: QD766Table { plan.qd766 }
    /// Monday to Friday less `alerts.holidays`: what QĐ 766's 15-working-day feedback deadline counts.
    public var workingDays: WorkingDays { WorkingDays(holidays: alerts.policy.holidays) }
    public var calendar: PlanCalendar { PlanCalendar(timeZone: plan.timeZone) }
    /// "Now" for every part: the fixed `as_of`, or the wall clock.
    public var clock: EvaluationClock { EvaluationClock(asOf: plan.asOf) }
    public var refreshInterval: Duration { refresh.interval }
    public var refreshTimeout: Duration { refresh.timeout }
    public var listenHost: String { http.host }
    public var listenPort: Int { http.port }
    public var outputDirectory: URL? { site.outputDirectory }
    public var logLevel: Logger.Level { log.level }
}

/// The plan being tracked: `time_zone` (IANA name; default Asia/Ho_Chi_Minh), `as_of` (a fixed
/// ISO 8601 instant; default: now at every pass; a bare local time is in `time_zone`), `catalogue`
/// (a catalogue JSON file; default: the built-in 2026 catalogue), `qd766` (a QĐ 766 scoring table
/// JSON file; default: the built-in table of qd766.md).
public struct PlanConfiguration: Sendable {
    public var timeZone: TimeZone
    public var asOf: Date?
    public var catalogue: Catalogue
    public var qd766: QD766Table

    public static let defaultTimeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

    init(reader: SettingsScope) {
        // The time zone first: a bare `as_of` is local time.
        let timeZone = reader.value("time_zone", default: Self.defaultTimeZone) { found throws(ConfigurationError) in
            guard let zone = TimeZone(identifier: found.value) else {
                throw ConfigurationError(
                    setting: found.setting, problem: "unknown time zone '\(found.value)' (use an IANA name such as Asia/Ho_Chi_Minh)")
            }
            return zone
        }
        self.timeZone = timeZone
        let calendar = PlanCalendar(timeZone: timeZone)
        asOf = reader.value("as_of", default: nil) { found throws(ConfigurationError) -> Date? in
            guard !found.value.isEmpty else { return nil }
            guard let instant = calendar.parseInstant(found.value) else {
                throw ConfigurationError(
                    setting: found.setting, problem: "'\(found.value)' is not an ISO 8601 instant (e.g. 2026-06-15T10:00:00+07:00)")
            }
            return instant
        }
        catalogue = reader.value("catalogue", default: .builtIn) { found throws(ConfigurationError) in
            let path = found.value.hasPrefix("/") ? found.value : (reader.configDirectory as NSString).appendingPathComponent(found.value)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(setting: found.setting, problem: "catalogue file \(path) cannot be read")
            }
            do {
                return try CatalogueFile.decode(data)
            } catch let error as CatalogueFile.Invalid {
                throw ConfigurationError(setting: found.setting, problem: "\(path): " + error.problems.map(\.description).joined(separator: "; "))
            } catch {
                throw ConfigurationError(setting: found.setting, problem: "\(path): \(error)")
            }
        }
        qd766 = reader.value("qd766", default: .builtIn) { found throws(ConfigurationError) in
            let path = found.value.hasPrefix("/") ? found.value : (reader.configDirectory as NSString).appendingPathComponent(found.value)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(setting: found.setting, problem: "QĐ 766 table file \(path) cannot be read")
            }
            do throws(QD766TableFile.Invalid) {
                return try QD766TableFile.decode(data)
            } catch {
                throw ConfigurationError(setting: found.setting, problem: "\(path): " + error.problems.joined(separator: "; "))
            }
        }
    }
}

/// The database: `database.url` (libpq's connection string: a `postgresql://` URI or
/// `key=value …`; else `DATABASE_URL`; the `PG*` variables, a service file and `.pgpass` as libpq
/// reads them), `schema` (default chiso), `statement_timeout` (seconds, enforced by PostgreSQL on
/// every statement; default 30).
public struct DatabaseConfiguration: Sendable {
    public var location: DatabaseLocation
    public var schema: SchemaName
    /// Bound on each SQL statement, enforced by PostgreSQL (`statement_timeout`).
    public var statementTimeout: Duration

    static let defaultSchema = try! SchemaName("chiso")

    init(reader: SettingsReader) {
        let root = reader.root
        schema = root.value("schema", default: Self.defaultSchema) { found throws(ConfigurationError) in
            do {
                return try SchemaName(found.value)
            } catch {
                throw ConfigurationError(
                    setting: found.setting,
                    problem: "'\(found.value)' is not a valid schema name (lower-case letters, digits and underscores, starting with a letter)")
            }
        }
        statementTimeout = root.seconds("statement_timeout", default: 30, minimum: 1)
        let database = reader.scoped(to: "database")
        let environment = reader.environment
        // libpq reads the string (a URI or key=value …); the PG* variables fill in what it leaves.
        let found =
            database.find("url").map { ($0.value, $0.setting) }
            ?? environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : ($0, "DATABASE_URL") }
        do {
            location = try DatabaseLocation.parse(found?.0 ?? "", environment: environment)
        } catch {
            database.report(ConfigurationError(setting: error.variable ?? found?.1 ?? "database.url", problem: error.problem))
            location = DatabaseLocation(connectionString: "", explicit: [:], fromEnvironment: [:])
        }
    }
}

/// What `/metrics` exports: `metrics_unit_depth` (`auto`: under a province root the province and
/// its communes, under any other root every unit; `all`; or a number of levels below the root),
/// `metrics_max_series` (the cap, default 100000: a deeper export is cut to the depth that fits,
/// and the log says so).
public struct MetricsConfiguration: Sendable {
    public var scope: MetricsScope

    init(reader: SettingsScope) {
        let depth = reader.value("metrics_unit_depth", default: MetricsScope.Depth.auto) { found throws(ConfigurationError) in
            switch found.value.lowercased() {
            case "auto": return .auto
            case "all": return .all
            default:
                guard let levels = Int(found.value), (0...64).contains(levels) else {
                    throw ConfigurationError(setting: found.setting, problem: "'\(found.value)' is not auto, all or a number of levels (0-64)")
                }
                return .levels(levels)
            }
        }
        let cap = reader.wholeNumber("metrics_max_series", default: MetricsScope.defaultMaxSeries, in: 1000...10_000_000)
        scope = MetricsScope(depth: depth, maxSeries: cap)
    }
}

/// The refresh schedule: `refresh_interval` (seconds between refreshes; default 60),
/// `refresh_timeout` (bound on a whole refresh, including waiting for a connection while the
/// database is away; default 90), `refresh_mode` (`incremental`, the default: after the first
/// refresh only what changed is read; `full`: every refresh reads everything),
/// `full_refresh_every` (seconds between the incremental refresh's checks against a full
/// recomputation, which then replaces its state; default 86400).
public struct RefreshConfiguration: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case incremental, full }
    public var interval: Duration
    public var timeout: Duration
    public var mode: Mode
    public var fullEvery: Duration

    init(reader: SettingsScope) {
        interval = reader.seconds("refresh_interval", default: 60, minimum: 1)
        timeout = reader.seconds("refresh_timeout", default: 90, minimum: 1)
        mode = reader.value("refresh_mode", default: .incremental) { found throws(ConfigurationError) in
            guard let mode = Mode(rawValue: found.value.lowercased()) else {
                throw ConfigurationError(
                    setting: found.setting,
                    problem: "unknown refresh mode '\(found.value)' (\(Mode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return mode
        }
        fullEvery = reader.seconds("full_refresh_every", default: 86_400, minimum: 60)
    }
}

/// The HTTP server: `listen` (HOST:PORT or [IPv6]:PORT; default 127.0.0.1:8080; an empty host is
/// 0.0.0.0), `idle_timeout` (seconds a connection may stay open without a request, including one
/// whose request head never completes; default 30), `max_connections` (open connections at most;
/// default: the open-files limit less 128 for the database and files, at most 4096).
public struct HTTPConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var idleTimeout: Duration
    public var maxConnections: Int

    init(reader: SettingsScope) {
        (host, port) = reader.value("listen", default: ("127.0.0.1", 8080)) { found throws(ConfigurationError) in
            try Self.parseListen(found.value, setting: found.setting)
        }
        idleTimeout = reader.seconds("idle_timeout", default: 30, minimum: 1)
        maxConnections = reader.wholeNumber("max_connections", default: Self.defaultMaxConnections, in: 1...1_000_000)
    }

    /// What the open-files limit leaves for clients (`serve` raises its soft limit to this one).
    static var defaultMaxConnections: Int { max(16, min(4096, OpenFiles.attainableLimit() - 128)) }

    static func parseListen(_ text: String, setting: String) throws(ConfigurationError) -> (String, Int) {
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
}

/// The static site: `output_dir`, where the status pages are written at every refresh (default
/// ./site; relative to the config file's folder when the file sets it, else to the working
/// directory, systemd's WorkingDirectory=; "" turns writing off).
public struct SiteConfiguration: Sendable {
    public var outputDirectory: URL?

    init(reader: SettingsScope) {
        let found = reader.find("output_dir")
        let text = found?.value ?? "site"
        guard !text.isEmpty else {
            outputDirectory = nil
            return
        }
        let path = reader.path(text, from: found)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            reader.report(ConfigurationError(setting: found?.setting ?? "output_dir", problem: "\(path) exists and is not a directory"))
            outputDirectory = nil
            return
        }
        outputDirectory = URL(fileURLWithPath: path, isDirectory: true)
    }
}

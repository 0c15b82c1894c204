import ChisoApp
import ChisoCore
import ChisoStorage
import Foundation
import Logging
import Testing

/// One bad config file per error, each with its exact one-line message; and the precedence of
/// command line, environment and file.
@Suite struct ConfigurationTests {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "BadConfigs")!.path
    }

    static let knownKeys =
        "alerts, as_of, catalogue, database, full_refresh_every, idle_timeout, listen, log_format, log_level, max_connections, "
        + "metrics_max_series, metrics_unit_depth, output_dir, qd766, refresh_interval, refresh_mode, refresh_timeout, schema, statement_timeout, "
        + "time_zone"

    /// file → message, with {path} for the file's path and {dir} for its folder.
    static let badFiles: [(String, String)] = [
        ("unknown-setting.json", "{path}: refresh_intervall: unknown setting (known: \(knownKeys))"),
        ("refresh-interval-not-a-number.json", "{path}: refresh_interval: 'soon' is not a number of seconds between 1 and 86400"),
        ("refresh-interval-zero.json", "{path}: refresh_interval: '0' is not a number of seconds between 1 and 86400"),
        ("statement-timeout-negative.json", "{path}: statement_timeout: '-5' is not a number of seconds between 1 and 86400"),
        ("unknown-time-zone.json", "{path}: time_zone: unknown time zone 'Asia/Saigon_City' (use an IANA name such as Asia/Ho_Chi_Minh)"),
        ("listen-without-port.json", "{path}: listen: 'localhost' is not HOST:PORT"),
        ("listen-port-out-of-range.json", "{path}: listen: '99999' in '127.0.0.1:99999' is not a port number"),
        (
            "schema-not-an-identifier.json",
            "{path}: schema: 'Chiso; DROP TABLE units' is not a valid schema name (lower-case letters, digits and underscores, starting with a letter)"
        ),
        ("database-url-not-postgres.json", "{path}: database.url: not a postgresql:// URI nor libpq's key=value form"),
        ("database-not-an-object.json", "{path}: database: must be an object like {\"url\": \"postgres://…\"}"),
        ("database-unknown-setting.json", "{path}: database.pool: unknown setting (known: url)"),
        ("as-of-not-iso8601.json", "{path}: as_of: '15/06/2026' is not an ISO 8601 instant (e.g. 2026-06-15T10:00:00+07:00)"),
        ("unknown-log-level.json", "{path}: log_level: unknown log level 'verbose' (trace, debug, info, notice, warning, error, critical)"),
        ("log-format-unknown.json", "{path}: log_format: unknown log format 'syslog' (text, journald, json, logfmt)"),
        ("refresh-mode-unknown.json", "{path}: refresh_mode: unknown refresh mode 'lazy' (incremental, full)"),
        ("idle-timeout-zero.json", "{path}: idle_timeout: '0' is not a number of seconds between 1 and 86400"),
        ("max-connections-not-a-number.json", "{path}: max_connections: 'many' is not a whole number between 1 and 1000000"),
        ("metrics-unit-depth-invalid.json", "{path}: metrics_unit_depth: 'deep' is not auto, all or a number of levels (0-64)"),
        ("metrics-max-series-too-small.json", "{path}: metrics_max_series: '10' is not a whole number between 1000 and 10000000"),
        ("catalogue-missing.json", "{path}: catalogue: catalogue file {dir}/no-such-catalogue.json cannot be read"),
        (
            "catalogue-invalid.json",
            "{path}: catalogue: {dir}/catalogue-with-problems.catalogue: catalogue: indicator documents_signed: bad comparator '=>'; expected one of >, >=, <, <=; catalogue: indicator documents_signed: target 70 is out of range 0..1"
        ),
        ("qd766-missing.json", "{path}: qd766: QĐ 766 table file {dir}/no-such-table.json cannot be read"),
        (
            "qd766-invalid.json",
            "{path}: qd766: {dir}/qd766-with-problems.table: indicator qd766.dossier_sync: source 'magic' is neither manual nor a computed figure; indicator qd766.on_time: rule 'threshold' (expected linear, or threshold with a threshold); group CKMB: max 18 but its sub-indicators' maxima add up to 0"
        ),
        ("output-dir-is-a-file.json", "{path}: output_dir: {dir}/not-a-directory.txt exists and is not a directory"),
        (
            "alerts-unknown-setting.json",
            "{path}: alerts.comand: unknown setting (known: command, enabled, escalate_after_days, from, holidays, max_attempts, page_url, retry_after, time, timeout, warn_days, webhook_secret, webhook_url, working_days)"
        ),
        ("alerts-command-unterminated.json", "{path}: alerts.command: 'msmtp -C \"/etc/chiso/msmtprc' unterminated quote"),
        ("alerts-time-invalid.json", "{path}: alerts.time: '7h30' is not a local time HH:MM"),
        ("alerts-from-invalid.json", "{path}: alerts.from: 'UBND xã' is not a mail address (name@domain or Name <name@domain>)"),
        ("alerts-holiday-invalid.json", "{path}: alerts.holidays: '02/09/2026' is not a YYYY-MM-DD date"),
        ("alerts-working-day-invalid.json", "{path}: alerts.working_days: 'thứ hai' is not a weekday (mon, tue, wed, thu, fri, sat, sun)"),
        ("alerts-webhook-not-http.json", "{path}: alerts.webhook_url: 'ftp://hooks.example/x' is not an http(s) URL"),
        ("not-json.json", "{path}: is not valid JSON"),
        ("not-an-object.json", "{path}: must hold a JSON object"),
    ]

    @Test(arguments: badFiles.map(\.0))
    func aBadConfigFileIsNamedWithItsProblem(_ file: String) async throws {
        let path = Self.path(file)
        let expected = Self.badFiles.first { $0.0 == file }!.1
            .replacingOccurrences(of: "{path}", with: path)
            .replacingOccurrences(of: "{dir}", with: (path as NSString).deletingLastPathComponent)
        let result = await SettingsLoader.check(arguments: ["--config", path], environment: [:])
        guard case .failure(let error) = result else {
            Issue.record("\(file) was accepted")
            return
        }
        #expect(error.description == expected)
    }

    @Test func everyBadConfigFileHasItsCase() throws {
        let folder = (Self.path("not-json.json") as NSString).deletingLastPathComponent
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
        #expect(Set(files) == Set(Self.badFiles.map(\.0)))
    }

    static let badEnvironment: [([String: String], [String], String)] = [
        (["CHISO_REFRESH_INTERVAL": "abc"], [], "CHISO_REFRESH_INTERVAL: 'abc' is not a number of seconds between 1 and 86400"),
        (["CHISO_TIME_ZONE": "Mars/Olympus"], [], "CHISO_TIME_ZONE: unknown time zone 'Mars/Olympus' (use an IANA name such as Asia/Ho_Chi_Minh)"),
        (["CHISO_AS_OF": "tomorrow"], [], "CHISO_AS_OF: 'tomorrow' is not an ISO 8601 instant (e.g. 2026-06-15T10:00:00+07:00)"),
        (
            ["CHISO_SCHEMA": "Public"], [],
            "CHISO_SCHEMA: 'Public' is not a valid schema name (lower-case letters, digits and underscores, starting with a letter)"
        ),
        (["DATABASE_URL": "http://db/chiso"], [], "DATABASE_URL: not a postgresql:// URI nor libpq's key=value form"),
        (["DATABASE_URL": "host=db dbname"], [], #"DATABASE_URL: missing "=" after "dbname" in connection info string"#),
        (["DATABASE_URL": "postgres://db/chiso?pool=4"], [], #"DATABASE_URL: invalid URI query parameter: "pool""#),
        (["DATABASE_URL": "host=db pool=4"], [], #"DATABASE_URL: invalid connection option "pool""#),
        (
            ["PGTARGETSESSIONATTRS": "leader"], [],
            "PGTARGETSESSIONATTRS: invalid target_session_attrs value 'leader' (any, read-write, read-only, primary, standby, prefer-standby)"
        ),
        (
            ["DATABASE_URL": "postgresql://db/chiso?sslcrl=/etc/crl.pem"], [],
            "DATABASE_URL: sslcrl is not supported: certificate revocation lists are not checked by chiso's TLS (SwiftNIO SSL)"
        ),
        (
            ["PGGSSENCMODE": "require"], [],
            "PGGSSENCMODE: gssencmode=require is not supported: GSSAPI encryption is not supported by chiso's PostgreSQL driver"
        ),
        (
            ["DATABASE_URL": "host=db channel_binding=require"], [],
            "DATABASE_URL: channel_binding=require is not supported: channel binding (SCRAM-SHA-256-PLUS) is not supported by chiso's PostgreSQL driver; use prefer or disable"
        ),
        (["DATABASE_URL": "postgresql://h1:5432,h2:x/db"], [], "DATABASE_URL: '5432,x' is not a port number"),
        (
            ["CHISO_DATABASE_URL": "postgres://u:secret@db/chiso?sslmode=maybe"], [],
            "CHISO_DATABASE_URL: invalid sslmode value 'maybe' (disable, allow, prefer, require, verify-ca, verify-full)"
        ),
        (["PGPORT": "fifty"], [], "PGPORT: 'fifty' is not a port number"),
        (["CHISO_CONFIG": "/nonexistent/chiso.json"], [], "CHISO_CONFIG: file /nonexistent/chiso.json does not exist"),
        ([:], ["--config", "/nonexistent/chiso.json"], "--config: file /nonexistent/chiso.json does not exist"),
        ([:], ["--listen", "127.0.0.1"], "--listen: '127.0.0.1' is not HOST:PORT"),
        ([:], ["--refresh-interval=-1"], "--refresh-interval: '-1' is not a number of seconds between 1 and 86400"),
    ]

    @Test(arguments: badEnvironment.indices)
    func aBadSettingFromTheEnvironmentOrCommandLineIsNamed(_ index: Int) async {
        let (environment, arguments, expected) = Self.badEnvironment[index]
        let result = await SettingsLoader.check(arguments: arguments, environment: environment)
        guard case .failure(let error) = result else {
            Issue.record("accepted: \(environment) \(arguments)")
            return
        }
        #expect(error.description == expected)
    }

    @Test func defaults() async throws {
        let settings = try await SettingsLoader.load(arguments: [], environment: ["USER": "chiso"])
        #expect(settings.schema.rawValue == "chiso")
        #expect(settings.listenHost == "127.0.0.1" && settings.listenPort == 8080)
        #expect(settings.timeZone.identifier == "Asia/Ho_Chi_Minh")
        #expect(settings.refreshInterval == .seconds(60))
        #expect(settings.asOf == nil)
        #expect(settings.database == DatabaseLocation(connectionString: "", explicit: [:], fromEnvironment: [:]))
        #expect("\(settings.database)" == "postgresql:///chiso", "libpq's defaults: the local socket, chiso's database")
        #expect(settings.catalogue == Catalogue.builtIn)
    }

    @Test func commandLineBeatsEnvironmentBeatsFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-\(UUID().uuidString).json")
        try Data(#"{"schema": "from_file", "listen": "0.0.0.0:9000", "refresh_interval": 30, "time_zone": "Asia/Bangkok"}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try await SettingsLoader.load(
            arguments: ["--config", file.path, "--schema", "from_cli"],
            environment: ["CHISO_SCHEMA": "from_env", "CHISO_LISTEN": "127.0.0.1:9100"])
        #expect(settings.schema.rawValue == "from_cli")
        #expect(settings.listenPort == 9100)
        #expect(settings.refreshInterval == .seconds(30))
        #expect(settings.timeZone.identifier == "Asia/Bangkok")
    }

    @Test func databaseFromChisoURLThenDatabaseURLThenLibpqVariables() async throws {
        let libpq = ["PGHOST": "db.internal", "PGPORT": "6432", "PGUSER": "reader", "PGPASSWORD": "pw", "PGDATABASE": "kpi"]
        var settings = try await SettingsLoader.load(arguments: [], environment: libpq)
        #expect(settings.database.explicit.isEmpty)
        #expect(settings.database.fromEnvironment == ["host": "db.internal", "port": "6432", "user": "reader", "password": "pw", "dbname": "kpi"])
        #expect("\(settings.database)" == "postgresql://reader@db.internal:6432/kpi")
        settings = try await SettingsLoader.load(
            arguments: [], environment: libpq.merging(["DATABASE_URL": "postgres://app:s3cret@10.0.0.5:5433/chiso?sslmode=require"]) { $1 })
        #expect(
            settings.database.explicit
                == ["user": "app", "password": "s3cret", "host": "10.0.0.5", "port": "5433", "dbname": "chiso", "sslmode": "require"])
        #expect(settings.database.user == "app" && settings.database.password == "s3cret")
        settings = try await SettingsLoader.load(arguments: ["--database-url", "postgresql:///bacbinh?host=/run/pg"], environment: libpq)
        #expect("\(settings.database)" == "postgresql://reader@[/run/pg]:6432/bacbinh")
        // libpq's keyword/value form and host lists are read as libpq reads them.
        settings = try await SettingsLoader.load(
            arguments: ["--database-url", "host=h1,h2 port=5432,5433 dbname=tinh target_session_attrs=read-write"], environment: [:])
        #expect(settings.database.explicit["target_session_attrs"] == "read-write")
        #expect("\(settings.database)" == "postgresql://h1,h2:5432,5433/tinh")
        // A service: the database is the service's to say.
        settings = try await SettingsLoader.load(arguments: [], environment: ["PGSERVICE": "chiso-tinh"])
        #expect("\(settings.database)" == "postgresql:///?service=chiso-tinh")
        #expect(!settings.database.libpqParameters.contains { $0.0 == "dbname" })
    }

    /// libpq's connect_timeout and application_name, from the URL or the PG* variables.
    @Test func connectTimeoutAndApplicationNameAreHonoured() async throws {
        var settings = try await SettingsLoader.load(arguments: [], environment: ["USER": "chiso"])
        #expect(settings.database.connectTimeout == .seconds(10) && settings.database.applicationName == "chiso")
        settings = try await SettingsLoader.load(
            arguments: ["--database-url", "postgres://u@db/x?connect_timeout=3&application_name=chiso-tinh"], environment: [:])
        #expect(settings.database.connectTimeout == .seconds(3) && settings.database.applicationName == "chiso-tinh")
        settings = try await SettingsLoader.load(arguments: [], environment: ["PGCONNECT_TIMEOUT": "1", "PGAPPNAME": "ops", "USER": "chiso"])
        #expect(settings.database.connectTimeout == .seconds(2), "libpq counts 1 as 2")
        #expect(settings.database.applicationName == "ops")
        #expect(try await SettingsLoader.load(arguments: [], environment: ["PGCONNECT_TIMEOUT": "0"]).database.connectTimeout == .seconds(86_400))
        let bad = await SettingsLoader.check(arguments: [], environment: ["PGCONNECT_TIMEOUT": "soon"])
        #expect((try? bad.get()) == nil)
        if case .failure(let errors) = bad {
            #expect(errors.description == "PGCONNECT_TIMEOUT: connect_timeout 'soon' is not a whole number of seconds")
        }
    }

    @Test func thePasswordNeverShows() async throws {
        let settings = try await SettingsLoader.load(arguments: ["--database-url", "postgres://app:TopSecret%21@db:5432/chiso"], environment: [:])
        #expect(settings.database.password == "TopSecret!")
        #expect(!"\(settings.database)".contains("TopSecret"))
        #expect("\(settings.database)" == "postgresql://app@db:5432/chiso")
    }
}

@Suite struct ConfigurationAllProblemsTests {
    @Test func everyProblemIsNamedInOneRun() async {
        let result = await SettingsLoader.check(
            arguments: ["--listen", "nowhere", "--time-zone", "Mars/Olympus", "--refresh-interval", "0"],
            environment: ["CHISO_SCHEMA": "Bad Name"])
        guard case .failure(let errors) = result else {
            Issue.record("accepted")
            return
        }
        #expect(errors.errors.map(\.setting) == ["--time-zone", "CHISO_SCHEMA", "--listen", "--refresh-interval"])
    }
}

@Suite struct LogFormatTests {
    @Test func journaldReadsThePriorityFromEachLine() async throws {
        let settings = try await SettingsLoader.load(arguments: [], environment: ["CHISO_LOG_FORMAT": "journald", "USER": "chiso"])
        #expect(settings.log.format == .journald)
        #expect(try await SettingsLoader.load(arguments: [], environment: ["USER": "chiso"]).log.format == .text)
        let line = JournaldLogHandler.line(level: .error, label: "chiso", message: "refresh failed\nsecond line", metadata: ["b": "2", "a": "1"])
        #expect(line == "<3>chiso: refresh failed second line a=1 b=2\n")
        #expect(JournaldLogHandler.line(level: .debug, label: "chiso", message: "x", metadata: [:]) == "<7>chiso: x\n")
    }

    /// Started by systemd with its standard error on the journal: journald lines unless told otherwise.
    @Test func underSystemdTheDefaultIsJournald() async throws {
        let systemd = ["USER": "chiso", "JOURNAL_STREAM": "8:12345"]
        #expect(try await SettingsLoader.load(arguments: [], environment: systemd).log.format == .journald)
        #expect(
            try await SettingsLoader.load(arguments: [], environment: systemd.merging(["CHISO_LOG_FORMAT": "logfmt"]) { $1 }).log.format == .logfmt)
    }

    /// text, json and logfmt: stamped in the configured zone's offset, one line per entry.
    @Test func textJSONAndLogfmtLines() throws {
        let instant = Date(timeIntervalSince1970: 1_781_492_400.25)  // 2026-06-15T10:00:00.25+07:00
        let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let metadata: Logger.Metadata = ["unit": "bac-binh", "reason": "a \"quoted\" word"]
        let text = LineLogHandler.line(
            format: .text, at: instant, timeZone: zone, level: .warning, label: "chiso", message: "two\nlines", metadata: metadata)
        #expect(text == "2026-06-15T10:00:00.250+07:00 warning chiso: two lines reason=a \"quoted\" word unit=bac-binh\n")
        let logfmt = LineLogHandler.line(
            format: .logfmt, at: instant, timeZone: zone, level: .error, label: "chiso", message: "refresh failed", metadata: metadata)
        #expect(
            logfmt
                == #"ts=2026-06-15T10:00:00.250+07:00 level=error logger=chiso msg="refresh failed" reason="a \"quoted\" word" unit=bac-binh"# + "\n")
        let json = LineLogHandler.line(
            format: .json, at: instant, timeZone: zone, level: .info, label: "chiso", message: "line\nbreak", metadata: metadata)
        #expect(json.hasSuffix("}\n") && json.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(
            object == [
                "ts": "2026-06-15T10:00:00.250+07:00", "level": "info", "logger": "chiso", "msg": "line\nbreak", "unit": "bac-binh",
                "reason": #"a "quoted" word"#,
            ])
    }
}

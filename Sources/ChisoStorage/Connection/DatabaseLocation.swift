import Foundation

/// Where the database is, in libpq's terms: the connection string as configured (a
/// `postgresql://` URI or `key=value …`, or nothing: the `PG*` variables and libpq's defaults),
/// read by libpq itself. Which host of a list, which password from `.pgpass`, what a service in
/// `pg_service.conf` adds: libpq settles that when it connects (`DatabasePool`). What chiso
/// needs before that (the wait for a connection, the name it shows) is read here, the libpq way.
/// The password is kept out of every description.
public struct DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// As configured; empty when only the `PG*` variables and libpq's defaults apply.
    public var connectionString: String
    /// What the connection string sets, keyword by keyword, in libpq's reading.
    public var explicit: [String: String]
    /// What chiso's environment sets through libpq's variables (`PGHOST` as `host`, …).
    public var fromEnvironment: [String: String]
    /// How long to wait for a connection (libpq's `connect_timeout` / `PGCONNECT_TIMEOUT`, default
    /// 10 s): a refresh, or a command, that cannot connect within it fails and says why.
    public var connectTimeout: Duration
    /// What the server shows for chiso's sessions (`pg_stat_activity.application_name`): libpq's
    /// `application_name` / `PGAPPNAME`, default `chiso`.
    public var applicationName: String

    /// chiso's own defaults where neither the string, the variables nor a service says otherwise.
    public static let defaultDatabase = "chiso"
    public static let defaultConnectTimeout = Duration.seconds(10)

    /// A keyword's value: the connection string's, else the environment's.
    public func value(_ keyword: String) -> String? { explicit[keyword] ?? fromEnvironment[keyword] }

    public var user: String? { value("user") }
    public var password: String? { value("password") }
    public var database: String? { value("dbname") }
    /// Whether a service of `pg_service.conf` may add settings that only libpq sees.
    public var usesService: Bool { value("service") != nil }

    /// Safe for logs: never shows the password. Hosts, port and database as far as the string and
    /// the variables tell (a service or libpq's defaults may fill in the rest when connecting).
    public var description: String {
        var text = "postgresql://"
        if let user { text += "\(user)@" }
        let hosts = value("host").map { $0.hasPrefix("/") ? "[\($0)]" : $0 } ?? (value("hostaddr") ?? "")
        text += hosts
        if let port = value("port") { text += ":\(port)" }
        text += "/" + (database ?? (usesService ? "" : Self.defaultDatabase))
        if let service = value("service") { text += "?service=\(service)" }
        return text
    }

    /// What libpq is given, later entries winning: chiso's defaults first (only where no
    /// variable or service could set them), then the environment's variables, then the string.
    /// Passing the variables ourselves makes chiso's environment (which tests inject) the one
    /// libpq reads; it reads the process's for the rest (`PGSERVICEFILE`, `PGSYSCONFDIR`).
    public var libpqParameters: [(String, String)] {
        var parameters: [(String, String)] = [("fallback_application_name", "chiso")]
        if !usesService {
            if database == nil { parameters.append(("dbname", Self.defaultDatabase)) }
            if value("connect_timeout") == nil { parameters.append(("connect_timeout", "\(Self.defaultConnectTimeout.components.seconds)")) }
        }
        parameters += fromEnvironment.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        parameters += explicit.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return parameters
    }

    public init(
        connectionString: String, explicit: [String: String], fromEnvironment: [String: String],
        connectTimeout: Duration = DatabaseLocation.defaultConnectTimeout, applicationName: String = "chiso"
    ) {
        self.connectionString = connectionString
        self.explicit = explicit
        self.fromEnvironment = fromEnvironment
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
    }

    /// Reads a connection string (libpq's syntax, libpq's errors) and the `PG*` variables of
    /// `environment`; refuses, naming the keyword, what chiso cannot honour (`LibpqSupport`).
    public static func parse(_ connectionString: String, environment: [String: String]) throws(ConnectionSettingError) -> DatabaseLocation {
        let explicit: [String: String]
        // libpq would say 'missing "=" after …' and repeat the string (a password with it).
        if let scheme = connectionString.range(of: "://"), !["postgresql", "postgres"].contains(connectionString[..<scheme.lowerBound]) {
            throw ConnectionSettingError(variable: nil, problem: "not a postgresql:// URI nor libpq's key=value form")
        }
        switch Libpq.parse(connectionString) {
        case .success(let values): explicit = values
        case .failure(let error): throw ConnectionSettingError(variable: nil, problem: error.message)
        }
        var fromEnvironment: [String: String] = [:]
        for keyword in Libpq.keywords {
            if let variable = keyword.environmentVariable, let value = environment[variable], !value.isEmpty {
                fromEnvironment[keyword.name] = value
            }
        }
        for (keyword, value) in explicit.sorted(by: { $0.key < $1.key }) {
            if let problem = LibpqSupport.problem(keyword: keyword, value: value) { throw ConnectionSettingError(variable: nil, problem: problem) }
        }
        for keyword in Libpq.keywords where explicit[keyword.name] == nil {
            guard let value = fromEnvironment[keyword.name], let variable = keyword.environmentVariable else { continue }
            if let problem = LibpqSupport.problem(keyword: keyword.name, value: value) {
                throw ConnectionSettingError(variable: variable, problem: problem)
            }
        }
        // What libpq would check only when connecting, checked now (check-config, startup).
        for keyword in Libpq.keywords {
            guard let value = explicit[keyword.name] ?? fromEnvironment[keyword.name] else { continue }
            let variable = explicit[keyword.name] == nil ? keyword.environmentVariable : nil
            if let problem = Self.invalidValue(keyword: keyword.name, value: value) {
                throw ConnectionSettingError(variable: variable, problem: problem)
            }
        }
        var location = DatabaseLocation(connectionString: connectionString, explicit: explicit, fromEnvironment: fromEnvironment)
        if let text = location.value("connect_timeout") {
            let variable = explicit["connect_timeout"] == nil ? "PGCONNECT_TIMEOUT" : nil
            guard let timeout = Self.connectTimeout(text) else {
                throw ConnectionSettingError(variable: variable, problem: "connect_timeout '\(text)' is not a whole number of seconds")
            }
            location.connectTimeout = timeout
        }
        if let name = location.value("application_name"), !name.isEmpty { location.applicationName = name }
        return location
    }

    /// The values libpq accepts for its enumerated keywords and ports (libpq says so only when
    /// connecting; chiso says it when reading its settings).
    static let allowedValues: [String: [String]] = [
        "sslmode": ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
        "target_session_attrs": ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"],
        "gssencmode": ["disable", "prefer", "require"],
        "channel_binding": ["disable", "prefer", "require"],
        "ssl_min_protocol_version": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        "ssl_max_protocol_version": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
    ]

    static func invalidValue(keyword: String, value: String) -> String? {
        if keyword == "port" {
            let ports = value.split(separator: ",", omittingEmptySubsequences: false)
            let valid = ports.allSatisfy { text in text.isEmpty || Int(text).map { (1...65535).contains($0) } == true }
            return valid ? nil : "'\(value)' is not a port number"
        }
        guard let allowed = allowedValues[keyword], !allowed.contains(value) else { return nil }
        if keyword == "ssl_max_protocol_version" && value.isEmpty { return nil }
        return "invalid \(keyword) value '\(value)' (\(allowed.joined(separator: ", ")))"
    }

    /// libpq's reading: whole seconds; 0 or less waits for ever (here: a day); 1 counts as 2.
    static func connectTimeout(_ text: String) -> Duration? {
        guard let seconds = Int(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        if seconds <= 0 { return .seconds(86_400) }
        return .seconds(max(seconds, 2))
    }
}

/// A connection setting chiso cannot take: the variable it came from (nil: the connection
/// string), and why.
public struct ConnectionSettingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var variable: String?
    public var problem: String
    public var description: String { variable.map { "\($0): \(problem)" } ?? problem }
}

/// How chiso treats each of libpq's keywords. libpq reads and applies all of them for the one
/// connection that settles the endpoint; PostgresNIO's pool then repeats what libpq did for the
/// ones marked honoured. The rest cannot be repeated by the pool, so a value other than libpq's
/// default is refused with a reason rather than silently ignored. The README's libpq table says
/// the same (a test checks that it names every keyword).
public enum LibpqSupport {
    public enum Treatment: Sendable, Equatable {
        /// Honoured as libpq does.
        case honoured
        /// Only these values (and libpq's compiled default) are accepted.
        case only(Set<String>, because: String)
        /// Refused whatever the value.
        case refused(because: String)
    }

    public static let treatments: [String: Treatment] = [
        "service": .honoured, "user": .honoured, "password": .honoured, "passfile": .honoured,
        "channel_binding": .only(
            ["disable", "prefer"],
            because: "channel binding (SCRAM-SHA-256-PLUS) is not supported by chiso's PostgreSQL driver; use prefer or disable"),
        "connect_timeout": .honoured, "dbname": .honoured, "host": .honoured, "hostaddr": .honoured, "port": .honoured,
        "client_encoding": .only(["UTF8", "utf8", "UTF-8", "utf-8", "auto"], because: "chiso speaks UTF8 only"),
        "options": .honoured, "application_name": .honoured, "fallback_application_name": .honoured,
        "keepalives": .only(["1"], because: "chiso's pool checks its connections itself (a query every 30 s); TCP keepalives cannot be turned off"),
        "keepalives_idle": .refused(
            because: "chiso's pool checks idle connections itself (a query every 30 s); TCP keepalive timing is not supported"),
        "keepalives_interval": .refused(
            because: "chiso's pool checks idle connections itself (a query every 30 s); TCP keepalive timing is not supported"),
        "keepalives_count": .refused(
            because: "chiso's pool checks idle connections itself (a query every 30 s); TCP keepalive timing is not supported"),
        "tcp_user_timeout": .refused(
            because: "TCP_USER_TIMEOUT is not supported by chiso's pool; statement_timeout and connect_timeout bound the waits"),
        "sslmode": .honoured,
        "sslcompression": .only(["0"], because: "TLS compression is not offered (insecure; OpenSSL and PostgreSQL dropped it)"),
        "sslcert": .honoured, "sslkey": .honoured, "sslpassword": .honoured, "sslrootcert": .honoured,
        "sslcrl": .refused(because: "certificate revocation lists are not checked by chiso's TLS (SwiftNIO SSL)"),
        "sslcrldir": .refused(because: "certificate revocation lists are not checked by chiso's TLS (SwiftNIO SSL)"),
        "sslsni": .only(["1"], because: "chiso always sends SNI for a host name"),
        "requirepeer": .refused(because: "the server process's user is not checked by chiso's pool"),
        "ssl_min_protocol_version": .honoured, "ssl_max_protocol_version": .honoured,
        "gssencmode": .only(["disable", "prefer"], because: "GSSAPI encryption is not supported by chiso's PostgreSQL driver"),
        "krbsrvname": .refused(because: "GSSAPI (Kerberos) authentication is not supported by chiso's PostgreSQL driver"),
        "gsslib": .refused(because: "GSSAPI (Kerberos) authentication is not supported by chiso's PostgreSQL driver"),
        "replication": .refused(because: "chiso needs an ordinary session, not a replication connection"),
        "target_session_attrs": .honoured,
    ]

    /// Why `value` of `keyword` cannot be honoured, or nil when it can (or is libpq's default).
    public static func problem(keyword: String, value: String) -> String? {
        if Libpq.keywords.first(where: { $0.name == keyword })?.compiledDefault == value { return nil }
        switch treatments[keyword] {
        case .honoured?: return nil
        case .only(let allowed, let reason)?: return allowed.contains(value) ? nil : "\(keyword)=\(value) is not supported: \(reason)"
        case .refused(let reason)?: return value.isEmpty ? nil : "\(keyword) is not supported: \(reason)"
        case nil: return "\(keyword) is not supported by chiso (a libpq keyword chiso does not know yet)"
        }
    }
}

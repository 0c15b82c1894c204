import Foundation

/// Where the database is, resolved the libpq way: a `postgres://` URL, or the `PG*` variables,
/// or the local socket. The password is kept out of every description.
public struct DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: Sendable, Equatable {
        case socket(path: String)
        case tcp(host: String, port: Int)
    }

    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var endpoint: Endpoint
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// How long to wait for a connection (libpq's `connect_timeout` / `PGCONNECT_TIMEOUT`, default
    /// 10 s): a refresh, or a command, that cannot connect within it fails and says why.
    public var connectTimeout: Duration = .seconds(10)
    /// What the server shows for chiso's sessions (`pg_stat_activity.application_name`): libpq's
    /// `application_name` / `PGAPPNAME`, default `chiso`.
    public var applicationName = "chiso"

    public init(
        endpoint: Endpoint, user: String, password: String?, database: String, tls: TLSMode, connectTimeout: Duration = .seconds(10),
        applicationName: String = "chiso"
    ) {
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Safe for logs: never shows the password.
    public var description: String {
        switch endpoint {
        case .socket(let path): "postgres://\(user)@[\(path)]/\(database)"
        case .tcp(let host, let port): "postgres://\(user)@\(host):\(port)/\(database)"
        }
    }

    static let defaultSocketDirectory = "/var/run/postgresql"
    static let defaultDatabase = "chiso"

    /// The socket file of a libpq socket directory and port: `/dir/.s.PGSQL.5432`.
    static func socketPath(directory: String, port: Int) -> String {
        (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/.s.PGSQL.\(port)"
    }

    /// Resolves from the libpq variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`).
    /// A `PGHOST` that starts with `/` is a socket directory, as in libpq.
    static func fromLibpqEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> DatabaseLocation {
        let port: Int
        if let text = environment["PGPORT"], !text.isEmpty {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw ConfigurationError(setting: "PGPORT", problem: "'\(text)' is not a port number")
            }
            port = value
        } else {
            port = 5432
        }
        let host = environment["PGHOST"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultSocketDirectory
        let endpoint: Endpoint = host.hasPrefix("/") ? .socket(path: socketPath(directory: host, port: port)) : .tcp(host: host, port: port)
        let tls = try tlsMode(environment["PGSSLMODE"], setting: "PGSSLMODE", endpoint: endpoint)
        let connectTimeout = try Self.connectTimeout(environment["PGCONNECT_TIMEOUT"], setting: "PGCONNECT_TIMEOUT") ?? .seconds(10)
        return DatabaseLocation(
            endpoint: endpoint,
            user: environment["PGUSER"].flatMap { $0.isEmpty ? nil : $0 } ?? currentUser(environment),
            password: environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 },
            database: environment["PGDATABASE"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultDatabase,
            tls: tls, connectTimeout: connectTimeout,
            applicationName: environment["PGAPPNAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "chiso")
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=…&host=/socket/dir`.
    /// Missing parts fall back to the libpq variables, then to libpq's defaults.
    static func parse(url text: String, setting: String, environment: [String: String]) throws(ConfigurationError) -> DatabaseLocation {
        let fallback = try fromLibpqEnvironment(environment)
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw ConfigurationError(setting: setting, problem: "not a postgres:// URL")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set = ["sslmode", "host", "port", "user", "password", "dbname", "application_name", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw ConfigurationError(setting: setting, problem: "unsupported URL parameter '\(unknown)'")
        }
        var port = 5432
        if let explicit = components.port ?? query["port"].flatMap({ Int($0) }) {
            guard (1...65535).contains(explicit) else { throw ConfigurationError(setting: setting, problem: "port \(explicit) is out of range") }
            port = explicit
        } else if case .tcp(_, let envPort) = fallback.endpoint {
            port = envPort
        } else if let text = environment["PGPORT"], let value = Int(text) {
            port = value
        }
        let host =
            query["host"].flatMap { $0.isEmpty ? nil : $0 }
            ?? components.percentEncodedHost.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        let endpoint: Endpoint
        if let host {
            endpoint = host.hasPrefix("/") ? .socket(path: socketPath(directory: host, port: port)) : .tcp(host: host, port: port)
        } else {
            endpoint = fallback.endpoint
        }
        let path = components.percentEncodedPath.drop { $0 == "/" }
        let database = query["dbname"] ?? (path.isEmpty ? nil : String(path).removingPercentEncoding) ?? fallback.database
        return DatabaseLocation(
            endpoint: endpoint,
            user: query["user"] ?? components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? fallback.user,
            password: query["password"] ?? components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? fallback.password,
            database: database,
            tls: try tlsMode(query["sslmode"] ?? environment["PGSSLMODE"], setting: setting, endpoint: endpoint),
            connectTimeout: try Self.connectTimeout(query["connect_timeout"], setting: setting) ?? fallback.connectTimeout,
            applicationName: query["application_name"].flatMap { $0.isEmpty ? nil : $0 } ?? fallback.applicationName)
    }

    /// libpq's reading: whole seconds; 0 or less waits for ever (here: a day); 1 counts as 2.
    static func connectTimeout(_ text: String?, setting: String) throws(ConfigurationError) -> Duration? {
        guard let text, !text.isEmpty else { return nil }
        guard let seconds = Int(text) else {
            throw ConfigurationError(setting: setting, problem: "connect_timeout '\(text)' is not a whole number of seconds")
        }
        if seconds <= 0 { return .seconds(86_400) }
        return .seconds(max(seconds, 2))
    }

    private static func tlsMode(_ text: String?, setting: String, endpoint: Endpoint) throws(ConfigurationError) -> TLSMode {
        guard let text, !text.isEmpty else {
            // libpq prefers TLS over TCP; a socket never uses it.
            if case .socket = endpoint { return .disable }
            return .prefer
        }
        switch text {
        case "disable", "allow": return .disable
        case "prefer": return .prefer
        case "require", "verify-ca", "verify-full": return .require
        default: throw ConfigurationError(setting: setting, problem: "unknown sslmode '\(text)' (disable, prefer, require)")
        }
    }

    private static func currentUser(_ environment: [String: String]) -> String {
        if let user = environment["USER"], !user.isEmpty { return user }
        if let user = environment["LOGNAME"], !user.isEmpty { return user }
        return "postgres"
    }
}

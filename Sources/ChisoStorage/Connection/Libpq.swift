import CLibpq
import Foundation

/// libpq, PostgreSQL's own client library, as the judge of what a user's connection settings
/// mean: it reads connection strings and URLs, the `PG*` variables, `pg_service.conf`, `.pgpass`,
/// host lists with `target_session_attrs`, and `sslmode`, exactly as `psql` does. chiso asks it
/// to connect once, reads back where and how it connected, and has PostgresNIO's pool connect
/// there the same way (`LibpqSession`, `DatabasePool`).
public enum Libpq {
    /// A keyword libpq knows, with the variable it falls back to and its compiled-in default.
    public struct Keyword: Sendable, Equatable {
        public var name: String
        public var environmentVariable: String?
        public var compiledDefault: String?
    }

    /// Every keyword of the libpq chiso is linked with (`PQconndefaults`), in libpq's order.
    public static let keywords: [Keyword] = {
        guard let options = PQconndefaults() else { return [] }
        defer { PQconninfoFree(options) }
        var keywords: [Keyword] = []
        var option = options
        while let name = option.pointee.keyword {
            keywords.append(
                Keyword(
                    name: String(cString: name), environmentVariable: option.pointee.envvar.map { String(cString: $0) },
                    compiledDefault: option.pointee.compiled.map { String(cString: $0) }))
            option += 1
        }
        return keywords
    }()

    /// The options a connection string (a `postgresql://` URI or `key=value …`) sets, in libpq's
    /// reading; libpq's own message when it cannot read it (an unknown keyword, a bad URI).
    public static func parse(_ connectionString: String) -> Result<[String: String], LibpqError> {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &message) else {
            let text = message.map { String(cString: $0) } ?? "out of memory"
            if let message { PQfreemem(message) }
            return .failure(LibpqError(message: oneLine(text)))
        }
        defer { PQconninfoFree(options) }
        return .success(values(options))
    }

    /// Connects once through libpq with these keywords (later ones win), reads back where and how
    /// it connected, and closes. Blocking, for up to `connect_timeout` per host: run it on a
    /// thread of its own (`DatabasePool` uses NIO's thread pool).
    static func connect(_ parameters: [(String, String)]) -> Result<LibpqSession, LibpqError> {
        let keywords = parameters.map { strdup($0.0) } + [nil]
        let values = parameters.map { strdup($0.1) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection = keywords.withUnsafeBufferPointer { keywordBuffer in
            values.withUnsafeBufferPointer { valueBuffer in
                keywordBuffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { keywordPointers in
                    valueBuffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { valuePointers in
                        PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 0)
                    }
                }
            }
        }
        guard let connection else { return .failure(LibpqError(message: "out of memory")) }
        defer { PQfinish(connection) }
        guard PQstatus(connection) == CONNECTION_OK else {
            return .failure(LibpqError(message: oneLine(String(cString: PQerrorMessage(connection)))))
        }
        var options: [String: String] = [:]
        if let info = PQconninfo(connection) {
            options = Self.values(info)
            PQconninfoFree(info)
        }
        func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        func status(_ name: String) -> String? { PQparameterStatus(connection, name).map { String(cString: $0) } }
        return .success(
            LibpqSession(
                host: text(PQhost(connection)) ?? "", hostAddress: text(PQhostaddr(connection)) ?? "",
                port: text(PQport(connection)).flatMap { Int($0) } ?? 5432,
                user: text(PQuser(connection)) ?? "", password: text(PQpass(connection)).flatMap { $0.isEmpty ? nil : $0 },
                database: text(PQdb(connection)) ?? "",
                usesTLS: PQsslInUse(connection) == 1, usesGSSEncryption: PQgssEncInUse(connection) == 1,
                options: options, applicationName: status("application_name") ?? "",
                inHotStandby: status("in_hot_standby") == "on"))
    }

    private static func values(_ options: UnsafeMutablePointer<PQconninfoOption>) -> [String: String] {
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return values
    }

    /// libpq's messages span lines ("…failed: Connection refused\n\tIs the server running…");
    /// a log line, the banner and `/readyz` want one.
    static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ").replacingOccurrences(of: "  ", with: " ")
    }
}

/// What libpq said when it could not read a setting or connect, on one line.
public struct LibpqError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public var description: String { message }
}

/// Where and how libpq connected: the host it settled on (the first of a list that answered
/// and matched `target_session_attrs`), the credentials it used (a `.pgpass` password included),
/// whether it used TLS, and every option's final value.
struct LibpqSession: Sendable, Equatable {
    var host: String
    var hostAddress: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var usesTLS: Bool
    var usesGSSEncryption: Bool
    /// Every keyword's final value (`PQconninfo`): the string's, the service file's, the
    /// variables', or libpq's default.
    var options: [String: String]
    /// What the server reports for the session (libpq's `application_name` or its fallback).
    var applicationName: String
    var inHotStandby: Bool

    var isSocket: Bool { host.hasPrefix("/") }
}

import Foundation
import NIOSSL
import PostgresNIO

extension LibpqSession {
    /// PostgresNIO's configuration that connects the way libpq just did: the same host (or socket),
    /// user, password, database, startup options, and TLS with libpq's verification rules:
    ///
    /// - TLS is used exactly when libpq used it (`allow` and `prefer` settle it by trying);
    /// - `verify-full` checks the chain against `sslrootcert` and the host name;
    /// - `verify-ca` checks the chain only;
    /// - `require`, `prefer` and `allow` check nothing — unless the root file exists, when libpq
    ///   checks the chain (its documented compatibility rule), and so does chiso;
    /// - `sslcert`/`sslkey` (default `~/.postgresql/postgresql.crt` and `.key`) are sent when the
    ///   certificate file exists, the key unlocked with `sslpassword`.
    func poolConfiguration(connectTimeout: Duration, maximumConnections: Int) throws(SessionSettingError) -> PostgresClient.Configuration {
        if usesGSSEncryption {
            throw SessionSettingError(
                problem: "libpq connected with GSSAPI encryption, which chiso's pool cannot repeat: set gssencmode=disable")
        }
        for (keyword, value) in options.sorted(by: { $0.key < $1.key }) {
            if let problem = LibpqSupport.problem(keyword: keyword, value: value) { throw SessionSettingError(problem: problem) }
        }
        var configuration: PostgresClient.Configuration
        if isSocket {
            let directory = host.hasSuffix("/") ? String(host.dropLast()) : host
            configuration = .init(unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            let explicitAddress = !(options["hostaddr"] ?? "").isEmpty && !hostAddress.isEmpty
            configuration = .init(
                host: explicitAddress ? hostAddress : host, port: port, username: user, password: password, database: database,
                tls: usesTLS ? .require(try tlsConfiguration()) : .disable)
            if explicitAddress && host != hostAddress { configuration.options.tlsServerName = host }
        }
        configuration.options.connectTimeout = connectTimeout
        var startup = [("application_name", applicationName.isEmpty ? "chiso" : applicationName)]
        if let extra = options["options"], !extra.isEmpty { startup.append(("options", extra)) }
        configuration.options.additionalStartupParameters = startup
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    func tlsConfiguration() throws(SessionSettingError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        let mode = options["sslmode"] ?? "prefer"
        let rootFile = file(options["sslrootcert"], default: "root.crt")
        let rootExists = rootFile.map { FileManager.default.fileExists(atPath: $0) } ?? false
        switch mode {
        case "verify-full", "verify-ca":
            guard let rootFile, rootExists else {
                // libpq refuses the connection before this; kept for a file removed since.
                throw SessionSettingError(
                    problem: "sslmode=\(mode): the root certificate file \(rootFile ?? "~/.postgresql/root.crt") does not exist")
            }
            tls.trustRoots = .file(rootFile)
            tls.certificateVerification = mode == "verify-full" ? .fullVerification : .noHostnameVerification
        default:
            if let rootFile, rootExists {
                tls.trustRoots = .file(rootFile)
                tls.certificateVerification = .noHostnameVerification
            } else {
                tls.certificateVerification = .none
            }
        }
        if let certificateFile = file(options["sslcert"], default: "postgresql.crt"), FileManager.default.fileExists(atPath: certificateFile) {
            let keyFile = file(options["sslkey"], default: "postgresql.key") ?? ""
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
                if let passphrase = options["sslpassword"], !passphrase.isEmpty {
                    let bytes = Array(passphrase.utf8)
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem) { $0(bytes) })
                } else {
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
                }
            } catch {
                throw SessionSettingError(problem: "the client certificate \(certificateFile) or its key \(keyFile) cannot be read: \(error)")
            }
        }
        if let minimum = options["ssl_min_protocol_version"], let version = Self.tlsVersion(minimum) { tls.minimumTLSVersion = version }
        if let maximum = options["ssl_max_protocol_version"], let version = Self.tlsVersion(maximum) { tls.maximumTLSVersion = version }
        return tls
    }

    /// An option's file, or libpq's default under `~/.postgresql/`.
    private func file(_ configured: String?, default name: String) -> String? {
        if let configured, !configured.isEmpty { return configured }
        guard let home = LibpqSession.homeDirectory else { return nil }
        return "\(home)/.postgresql/\(name)"
    }

    /// libpq's home: `$HOME`, else the user's entry in the password database.
    static var homeDirectory: String? {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    static func tlsVersion(_ text: String) -> TLSVersion? {
        switch text {
        case "TLSv1": .tlsv1
        case "TLSv1.1": .tlsv11
        case "TLSv1.2": .tlsv12
        case "TLSv1.3": .tlsv13
        default: nil
        }
    }

    /// For the log: where libpq settled, and how.
    var summary: String {
        let place = isSocket ? "socket \(host)/.s.PGSQL.\(port)" : "\(host):\(port)"
        let tls = usesTLS ? " over TLS (sslmode=\(options["sslmode"] ?? "prefer"))" : ""
        return "\(user)@\(place)/\(database)\(tls)\(inHotStandby ? ", a standby" : "")"
    }
}

/// A setting that libpq took but chiso's pool cannot repeat (found only when connecting: a
/// service file's value, say).
struct SessionSettingError: Error, CustomStringConvertible {
    var problem: String
    var description: String { problem }
}

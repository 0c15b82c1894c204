import ChisoApp
import ChisoStorage
import Foundation
import Logging
import PostgresNIO
import Testing

/// chiso reaches PostgreSQL the way psql does: libpq reads the settings and settles the endpoint,
/// and the pool connects there the same way (issue 10, part 1). Against real servers with TLS
/// (a private CA and a self-signed certificate made with openssl by scripts/pg-cluster), a
/// password role with a .pgpass, a client certificate, a service file and host lists.
///
/// Every connection string here names sslmode, sslrootcert and sslcert: libpq would otherwise
/// take them from the test run's PG* variables and ~/.postgresql.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LibpqConventionsTests {
    /// What the pool's own session reports.
    struct PoolSession: Sendable, Equatable {
        var tls: Bool
        var user: String
        var port: Int
        var applicationName: String
        var workMem: String
    }

    struct Unreachable: Error, CustomStringConvertible {
        var description: String
    }

    static var owner: String { ProcessInfo.processInfo.environment["PGUSER"] ?? NSUserName() }

    /// Connects through chiso's `DatabasePool` and asks the server about the pool's session;
    /// libpq's message when it cannot connect.
    static func session(_ connectionString: String, environment: [String: String] = [:]) async throws -> PoolSession {
        let location = try DatabaseLocation.parse(connectionString, environment: environment)
        let database = DatabasePool(location: location, logger: TestDatabase.logger)
        return try await withThrowingTaskGroup(of: PoolSession?.self) { group in
            group.addTask {
                await database.run()
                return nil
            }
            defer { group.cancelAll() }
            do {
                return try await database.withConnection(within: .seconds(8)) { connection in
                    let rows = try await connection.query(
                        """
                        SELECT s.ssl, current_user::text, inet_server_port(), current_setting('application_name'), current_setting('work_mem')
                        FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()
                        """, logger: TestDatabase.logger)
                    for try await (tls, user, port, name, workMem) in rows.decode((Bool, String, Int, String, String).self) {
                        return PoolSession(tls: tls, user: user, port: port, applicationName: name, workMem: workMem)
                    }
                    throw Unreachable(description: "no row")
                }
            } catch StorageError.unreachable(let cause) {
                throw Unreachable(description: cause)
            }
        }
    }

    static func cause(_ connectionString: String) async -> String {
        do {
            let session = try await session(connectionString)
            return "connected: \(session)"
        } catch {
            return "\(error)"
        }
    }

    /// The bug this fixes: with a self-signed server certificate (Debian's default), sslmode
    /// prefer and require failed with CERTIFICATE_VERIFY_FAILED; libpq verifies nothing there.
    @Test func aSelfSignedServerIsEncryptedWithoutVerificationUnderPreferAndRequire() async throws {
        let cluster = try await TestCluster.create(tls: .selfSigned)
        defer { cluster.destroy() }
        for mode in ["prefer", "require", "allow"] {
            let session = try await Self.session(
                "host=127.0.0.1 port=\(cluster.port) dbname=postgres user=chiso_pw password=pw-secret sslmode=\(mode) sslrootcert=/nonexistent sslcert=/nonexistent"
            )
            #expect(session.tls && session.user == "chiso_pw", "\(mode)")
            #expect(session.applicationName == "chiso")
        }
        // Without TLS the server refuses (pg_hba.conf: TCP only over TLS), and says so.
        let refused = await Self.cause("host=127.0.0.1 port=\(cluster.port) dbname=postgres user=chiso_pw password=pw-secret sslmode=disable")
        #expect(refused.contains("no encryption"), "\(refused)")
        // verify-ca: the self-signed certificate is not one the private CA signed.
        let unverified = await Self.cause(
            "host=localhost port=\(cluster.port) dbname=postgres user=chiso_pw password=pw-secret sslmode=verify-ca sslrootcert=\(cluster.certificate("ca.crt")) sslcert=/nonexistent"
        )
        #expect(unverified.contains("certificate verify failed"), "\(unverified)")
    }

    /// verify-ca checks the chain, verify-full the host name too, against sslrootcert; and, as
    /// libpq does, require checks the chain when the root file exists.
    @Test func verifyCAAndVerifyFullCheckWhatLibpqChecks() async throws {
        let cluster = try await TestCluster.create(tls: .privateCA)
        defer { cluster.destroy() }
        let base = "port=\(cluster.port) dbname=postgres user=chiso_pw password=pw-secret sslcert=/nonexistent"
        let ca = cluster.certificate("ca.crt"), other = cluster.certificate("other-ca.crt")
        #expect(try await Self.session("host=127.0.0.1 \(base) sslmode=verify-ca sslrootcert=\(ca)").tls)
        #expect(try await Self.session("host=localhost \(base) sslmode=verify-full sslrootcert=\(ca)").tls)
        // The URI form, with hostaddr: connect to the address, verify the name.
        #expect(
            try await Self.session(
                "postgresql://chiso_pw:pw-secret@localhost:\(cluster.port)/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=\(ca)&sslcert=/nonexistent"
            ).tls)
        let wrongName = await Self.cause("host=127.0.0.1 \(base) sslmode=verify-full sslrootcert=\(ca)")
        #expect(wrongName.contains(#"does not match host name "127.0.0.1""#), "\(wrongName)")
        let wrongCA = await Self.cause("host=localhost \(base) sslmode=verify-ca sslrootcert=\(other)")
        #expect(wrongCA.contains("certificate verify failed"), "\(wrongCA)")
        let requireWithRoot = await Self.cause("host=localhost \(base) sslmode=require sslrootcert=\(other)")
        #expect(requireWithRoot.contains("certificate verify failed"), "libpq: a root file makes require check the chain: \(requireWithRoot)")
        let noRoot = await Self.cause("host=localhost \(base) sslmode=verify-ca sslrootcert=/nonexistent")
        #expect(noRoot.contains("root certificate file \"/nonexistent\" does not exist"), "\(noRoot)")
    }

    /// sslcert/sslkey: the pool presents the client certificate (pg_hba.conf: `cert` for chiso_cert).
    @Test func aClientCertificateIsPresentedByThePool() async throws {
        let cluster = try await TestCluster.create(tls: .privateCA)
        defer { cluster.destroy() }
        let session = try await Self.session(
            "host=localhost port=\(cluster.port) dbname=postgres user=chiso_cert sslmode=verify-full sslrootcert=\(cluster.certificate("ca.crt")) sslcert=\(cluster.certificate("client.crt")) sslkey=\(cluster.certificate("client.key"))"
        )
        #expect(session.user == "chiso_cert" && session.tls)
        let without = await Self.cause(
            "host=localhost port=\(cluster.port) dbname=postgres user=chiso_cert sslmode=verify-full sslrootcert=\(cluster.certificate("ca.crt")) sslcert=/nonexistent"
        )
        #expect(
            without.contains("certificate authentication failed") || without.contains("connection requires a valid client certificate"), "\(without)")
    }

    /// The password from a .pgpass (wildcards), only when the file is private (0600), as libpq;
    /// PGOPTIONS-style `options` and application_name as startup parameters of the pool's sessions.
    @Test func aPasswordFileOptionsAndApplicationName() async throws {
        let cluster = try await TestCluster.create(tls: .privateCA)
        defer { cluster.destroy() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-pgpass-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let passfile = folder.appendingPathComponent("pgpass").path
        try "otherhost:*:*:chiso_pw:wrong\nlocalhost:\(cluster.port):*:chiso_pw:pw-secret\n".write(
            toFile: passfile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passfile)
        let base =
            "host=localhost port=\(cluster.port) dbname=postgres user=chiso_pw sslmode=verify-full sslrootcert=\(cluster.certificate("ca.crt")) sslcert=/nonexistent passfile=\(passfile)"
        let session = try await Self.session("\(base) options='-c work_mem=5MB' application_name=chiso-tinh")
        #expect(session == PoolSession(tls: true, user: "chiso_pw", port: Int(cluster.port)!, applicationName: "chiso-tinh", workMem: "5MB"))
        // PGAPPNAME and PGOPTIONS from chiso's environment.
        let fromEnvironment = try await Self.session(base, environment: ["PGAPPNAME": "ops", "PGOPTIONS": "-c work_mem=6MB"])
        #expect(fromEnvironment.applicationName == "ops" && fromEnvironment.workMem == "6MB")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: passfile)
        let readable = await Self.cause(base)
        #expect(readable.contains("no password supplied"), "libpq ignores a .pgpass others can read: \(readable)")
    }

    /// A host list: the first host that answers and matches target_session_attrs. A server whose
    /// sessions are read-only (default_transaction_read_only) stands for a standby here.
    @Test func aHostListWithTargetSessionAttributes() async throws {
        let primary = try await TestCluster.create(tls: .privateCA)
        defer { primary.destroy() }
        let readOnly = try await TestCluster.create()
        defer { readOnly.destroy() }
        let settings = try await TestDatabase.settings(extra: ["PGPORT": readOnly.port])
        let client = try await TestDatabase.client(settings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query("CREATE ROLE chiso_pw LOGIN PASSWORD 'pw-secret'", logger: TestDatabase.logger)
            try await client.query("ALTER ROLE chiso_pw SET default_transaction_read_only = on", logger: TestDatabase.logger)
            group.cancelAll()
        }
        let dead = try Self.unusedPort()
        let tail = "dbname=postgres user=chiso_pw password=pw-secret sslmode=prefer sslrootcert=/nonexistent sslcert=/nonexistent"
        let firstDown = try await Self.session("host=127.0.0.1,127.0.0.1 port=\(dead),\(primary.port) \(tail)")
        #expect(firstDown.port == Int(primary.port), "the first host is down: the second")
        let hosts = "host=127.0.0.1,127.0.0.1 port=\(readOnly.port),\(primary.port) \(tail)"
        #expect(try await Self.session("\(hosts) target_session_attrs=any").port == Int(readOnly.port))
        #expect(try await Self.session("\(hosts) target_session_attrs=read-write").port == Int(primary.port))
        #expect(try await Self.session("\(hosts) target_session_attrs=read-only").port == Int(readOnly.port))
        let noStandby = await Self.cause("\(hosts) target_session_attrs=standby")
        #expect(noStandby.contains("server is not in hot standby mode"), "\(noStandby)")
    }

    /// A real hot standby (pg_basebackup) first in the list: target_session_attrs picks the
    /// primary or the standby as libpq does, and the pool connects to that one.
    @Test func aHostListWithARealStandby() async throws {
        let primary = try await TestCluster.create()
        defer { primary.destroy() }
        let standby = try await TestCluster.standby(of: primary)
        defer { standby.destroy() }
        let hosts = "host=127.0.0.1,127.0.0.1 port=\(standby.port),\(primary.port) dbname=postgres user=\(Self.owner) sslmode=disable"
        for (attributes, port) in [
            ("any", standby.port), ("primary", primary.port), ("read-write", primary.port), ("standby", standby.port),
            ("prefer-standby", standby.port), ("read-only", standby.port),
        ] {
            #expect(try await Self.session("\(hosts) target_session_attrs=\(attributes)").port == Int(port), "\(attributes)")
        }
        // The primary down: prefer-standby still finds the standby; primary finds nothing, and says so.
        try await primary.stop()
        #expect(try await Self.session("\(hosts) target_session_attrs=prefer-standby").port == Int(standby.port))
        let none = await Self.cause("\(hosts) target_session_attrs=primary connect_timeout=2")
        #expect(none.contains("server is in hot standby mode") || none.contains("Connection refused"), "\(none)")
    }

    /// A service in a pg_service.conf (PGSERVICEFILE, PGSERVICE), read by libpq in the chiso
    /// command itself: migrate works through it, over verified TLS.
    @Test func aServiceFileFromTheCommandLine() async throws {
        let cluster = try await TestCluster.create(tls: .privateCA)
        defer { cluster.destroy() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-service-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let serviceFile = folder.appendingPathComponent("pg_service.conf").path
        try """
        [chiso-tinh]
        host=localhost
        port=\(cluster.port)
        dbname=postgres
        user=\(Self.owner)
        sslmode=verify-full
        sslrootcert=\(cluster.certificate("ca.crt"))
        sslcert=/nonexistent

        """.write(toFile: serviceFile, atomically: true, encoding: .utf8)
        let environment = [
            "PATH": "/usr/bin:/bin", "PGSERVICEFILE": serviceFile, "PGSERVICE": "chiso-tinh", "CHISO_SCHEMA": "via_service", "HOME": folder.path,
        ]
        let check = try await CommandLineTests.run(["check-config"], environment: environment)
        #expect(check.stdout.hasPrefix("configuration ok: database postgresql:///?service=chiso-tinh, schema via_service"), "\(check.stderr)")
        let migrate = try await CommandLineTests.run(["migrate"], environment: environment)
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stdout.contains("via_service"), "\(migrate.stdout)")
        let missing = try await CommandLineTests.run(["migrate"], environment: environment.merging(["PGSERVICE": "nowhere"]) { $1 })
        #expect(missing.status == 1)
        #expect(missing.stderr.contains(#"definition of service "nowhere" not found"#), "\(missing.stderr)")
    }

    /// Every way of not connecting is named in libpq's words, at once (not after a pool's minute).
    @Test func eachConnectionFailureIsNamed() async throws {
        let cluster = try await TestCluster.create(tls: .privateCA)
        defer { cluster.destroy() }
        let tail = "dbname=postgres sslmode=require sslrootcert=/nonexistent sslcert=/nonexistent connect_timeout=2"
        let wrongPassword = await Self.cause("host=127.0.0.1 port=\(cluster.port) user=chiso_pw password=wrong \(tail)")
        #expect(wrongPassword.contains(#"password authentication failed for user "chiso_pw""#), "\(wrongPassword)")
        let refused = await Self.cause("host=127.0.0.1 port=\(try Self.unusedPort()) user=chiso_pw \(tail)")
        #expect(refused.contains("Connection refused"), "\(refused)")
        let noSocket = await Self.cause("host=/nonexistent-socket-dir port=5432 user=chiso_pw dbname=postgres")
        #expect(
            noSocket.contains(#"connection to server on socket "/nonexistent-socket-dir/.s.PGSQL.5432" failed: No such file or directory"#),
            "\(noSocket)")
        // A server that accepts the connection and never answers (a black hole): connect_timeout.
        let silent = try SilentListener()
        defer { silent.close() }
        let timedOut = await Self.cause("host=127.0.0.1 port=\(silent.port) user=chiso_pw \(tail)")
        #expect(timedOut.contains("timeout expired"), "\(timedOut)")
    }

    /// A listening socket that never accepts: the kernel completes the handshake, nobody answers.
    final class SilentListener: Sendable {
        let descriptor: Int32
        let port: Int

        init() throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let descriptor = self.descriptor
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
                }
            }
            guard bound else { throw Unreachable(description: "no listener") }
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        func close() { _ = Glibc.close(descriptor) }
    }

    /// A loopback port nobody listens on (bound, then released).
    static func unusedPort() throws -> Int {
        let listener = try SilentListener()
        defer { listener.close() }
        return listener.port
    }
}

/// The README's libpq table names every keyword libpq has, and chiso has a treatment for each.
@Suite struct LibpqTableTests {
    @Test func everyLibpqKeywordHasATreatmentAndARowInTheReadme() throws {
        let readme = try String(
            contentsOfFile: #filePath.replacingOccurrences(of: "Tests/ChisoIntegrationTests/LibpqConventionsTests.swift", with: "README.md"),
            encoding: .utf8)
        #expect(Libpq.keywords.count > 30)
        #expect(Libpq.keywords.filter { LibpqSupport.treatments[$0.name] == nil }.map(\.name) == [], "keywords without a treatment")
        #expect(Libpq.keywords.filter { !readme.contains("| `\($0.name)`") }.map(\.name) == [], "keywords without a row in the README's libpq table")
    }
}

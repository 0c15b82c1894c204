import ChisoApp
import ChisoStorage
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP reloads the configuration file (issue 10, part 6), on a real `chiso serve`: a valid
/// file is taken (a target edited in the catalogue shows at the next refresh), an invalid one is
/// refused with every problem logged and the old configuration kept, and the process lives on.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ReloadTests {
    /// One HTTP/1.0 request (answered, then closed by the server); the body.
    static func get(port: Int, path: String) async -> String? {
        guard let connection = try? RawConnection(port: port) else { return nil }
        connection.send("GET \(path) HTTP/1.0\r\n\r\n")
        let (received, _) = await connection.readUntilClosedOffThePool(waitingUpTo: 5)
        return received.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    }

    static func waitFor(port: Int, _ what: String, in path: String = "/metrics") async throws -> String {
        for _ in 0..<300 {
            if let body = await get(port: port, path: path), body.contains(what) { return body }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(path) never showed \(what)")
        throw WaitError.gaveUp(what)
    }

    /// log_level follows a reload at once, in every logger made from the live settings, except
    /// a copy that set its own level (the pool's quieter logger).
    @Test func theLogLevelFollowsAReload() async throws {
        let settings = try await SettingsLoader.load(arguments: [], environment: ["USER": "chiso"])
        let live = LiveSettings(settings)
        let logger = live.makeLogger()
        var quiet = logger
        quiet.logLevel = .error
        #expect(logger.logLevel == .info)
        let debug = try await SettingsLoader.load(arguments: [], environment: ["USER": "chiso", "CHISO_LOG_LEVEL": "debug"])
        let reloader = ConfigReloader(live: live, metrics: OperationalMetrics().reload, logger: logger) { .success(debug) }
        #expect(await reloader.reload())
        #expect(logger.logLevel == .debug && quiet.logLevel == .error)
        let refused = ConfigReloader(live: live, metrics: OperationalMetrics().reload, logger: logger) {
            .failure(ConfigurationErrors([ConfigurationError(setting: "log_level", problem: "bad")]))
        }
        #expect(await refused.reload() == false)
        #expect(logger.logLevel == .debug, "the old configuration stays")
    }

    @Test func sighupReloadsAValidFileAndKeepsTheOldOneWhenInvalid() async throws {
        try await TestDatabase.withSchema(fixture: "commune") { _, schema, _ in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-reload-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let builtIn = #filePath.replacingOccurrences(
                of: "Tests/ChisoIntegrationTests/ReloadTests.swift", with: "Sources/ChisoCore/Catalogue/catalogue-2026.json")
            let catalogue = try String(contentsOfFile: builtIn, encoding: .utf8)
            let cataloguePath = folder.appendingPathComponent("catalogue.json").path
            try catalogue.write(toFile: cataloguePath, atomically: true, encoding: .utf8)
            let port = try LibpqConventionsTests.unusedPort()
            let configPath = folder.appendingPathComponent("chiso.json").path
            func writeConfig(_ extra: String = "", listen: Int? = nil) throws {
                try """
                {"schema": "\(schema.rawValue)", "catalogue": "catalogue.json", "listen": "127.0.0.1:\(listen ?? port)",
                 "as_of": "2026-06-15T10:00:00+07:00", "refresh_interval": 1, "output_dir": "", "alerts": {"enabled": false}\(extra)}
                """.write(toFile: configPath, atomically: true, encoding: .utf8)
            }
            try writeConfig()
            let errPath = folder.appendingPathComponent("stderr").path
            #expect(FileManager.default.createFile(atPath: errPath, contents: nil))
            let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            let process = Process()
            process.executableURL = CommandLineTests.binary
            process.arguments = ["serve", "--config", configPath]
            process.environment = CommandLineTests.databaseEnvironment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errHandle
            try process.run()
            defer {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                try? errHandle.close()
            }
            func stderr() -> String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

            let before = try await Self.waitFor(port: port, "chiso_indicator_target_ratio{indicator=\"documents_signed\"} 0.7\n")
            #expect(before.contains("chiso_config_last_reload_successful 1"))

            // A target edited, then SIGHUP: the next refresh uses it.
            try catalogue.replacingOccurrences(of: #""target": 0.7,"#, with: #""target": 0.65,"#)
                .write(toFile: cataloguePath, atomically: true, encoding: .utf8)
            kill(process.processIdentifier, SIGHUP)
            let after = try await Self.waitFor(port: port, "chiso_indicator_target_ratio{indicator=\"documents_signed\"} 0.65\n")
            #expect(after.contains("chiso_config_last_reload_successful 1"))
            #expect(after.contains(#"chiso_indicator_met{indicator="documents_signed",unit="bac-binh",period="year"} 1"#), "0.7 > 0.65")
            #expect(process.isRunning)
            #expect(stderr().contains("reload: configuration reloaded"), "\(stderr())")

            // An invalid file: every problem logged, the old configuration kept, 0 in the metric.
            try writeConfig(#", "refresh_intervall": 5, "time_zone": "Mars/Olympus""#)
            kill(process.processIdentifier, SIGHUP)
            let refused = try await Self.waitFor(port: port, "chiso_config_last_reload_successful 0.0\n")
            #expect(refused.contains("chiso_indicator_target_ratio{indicator=\"documents_signed\"} 0.65\n"))
            #expect(process.isRunning)
            let log = stderr()
            #expect(log.contains("reload: \(configPath): time_zone: unknown time zone 'Mars/Olympus'"), "\(log)")
            #expect(log.contains("refresh_intervall"), "\(log)")
            #expect(log.contains("reload: 2 configuration problem(s); keeping the configuration in use"), "\(log)")

            // A setting read only at start: taken, and the log says it needs a restart.
            try writeConfig(listen: port + 1)
            kill(process.processIdentifier, SIGHUP)
            _ = try await Self.waitFor(port: port, "chiso_config_last_reload_successful 1.0\n")
            #expect(stderr().contains("reload: listen, idle_timeout, max_connections changed; that takes effect when chiso restarts"))

            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
    }
}

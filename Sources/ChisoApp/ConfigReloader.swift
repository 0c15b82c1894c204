import ChisoCore
import ChisoPresentation
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The settings a running daemon follows, replaced whole on SIGHUP (`ConfigReloader`). What
/// follows them: the catalogue (targets, names, warning margins: from the next refresh) and
/// `log_level` (at once). Everything else is read once at start; a reload that changes it says
/// so in the log, and it takes effect at the next restart.
public final class LiveSettings: Sendable {
    private let settings: Mutex<Settings>
    /// The level every logger made by `makeLogger(_:)` follows.
    public let logLevel: SharedLogLevel

    public init(_ settings: Settings) {
        self.settings = Mutex(settings)
        logLevel = SharedLogLevel(settings.logLevel)
    }

    public var current: Settings { settings.withLock { $0 } }

    func replace(with new: Settings) {
        settings.withLock { $0 = new }
        logLevel.set(new.logLevel)
    }

    /// A logger in the configured format whose level follows reloads.
    public func makeLogger(label: String = "chiso") -> Logger {
        let base = current.log.makeLogger(label: label)
        let shared = logLevel
        return Logger(label: label) { _ in FollowingLevelHandler(base: base.handler, shared: shared) }
    }

    /// The parts read only at start, by name, that differ between `old` and `new`.
    static func changedAtRestartOnly(_ old: Settings, _ new: Settings) -> [String] {
        var changed: [String] = []
        func compare(_ name: String, _ a: String, _ b: String) { if a != b { changed.append(name) } }
        compare(
            "database", "\(old.storage.location)|\(old.schema)|\(old.statementTimeout)",
            "\(new.storage.location)|\(new.schema)|\(new.statementTimeout)")
        compare("time_zone", old.timeZone.identifier, new.timeZone.identifier)
        compare("as_of", "\(String(describing: old.asOf))", "\(String(describing: new.asOf))")
        compare("listen, idle_timeout, max_connections", "\(old.http)", "\(new.http)")
        compare("refresh_interval, refresh_timeout", "\(old.refresh)", "\(new.refresh)")
        compare("output_dir and the site", "\(old.site)", "\(new.site)")
        compare("log_format", old.log.format.rawValue, new.log.format.rawValue)
        compare("alerts", "\(old.alerts)", "\(new.alerts)")
        compare("metrics_unit_depth, metrics_max_series", "\(old.exposition.scope)", "\(new.exposition.scope)")
        return changed
    }
}

/// A log level shared by many loggers, changed at once for all of them.
public final class SharedLogLevel: Sendable {
    private let level: Mutex<Logger.Level>
    init(_ level: Logger.Level) { self.level = Mutex(level) }
    public var current: Logger.Level { level.withLock { $0 } }
    func set(_ new: Logger.Level) { level.withLock { $0 = new } }
}

/// A handler whose level is the shared one, unless a copy of the logger sets its own (the pool's
/// quieter logger does).
struct FollowingLevelHandler: LogHandler {
    var base: any LogHandler
    let shared: SharedLogLevel
    var ownLevel: Logger.Level?

    init(base: any LogHandler, shared: SharedLogLevel) {
        self.base = base
        self.shared = shared
    }

    var logLevel: Logger.Level {
        get { ownLevel ?? shared.current }
        set { ownLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) { base.log(event: event) }
}

/// SIGHUP re-reads the configuration (the same command line, environment and file): when every
/// setting is valid, the new settings replace the old at once (`LiveSettings`); when any is not,
/// every problem is logged and the old settings stay. `chiso_config_last_reload_successful`
/// and `chiso_config_last_reload_success_timestamp_seconds` say how the last one went, as
/// Prometheus' own do.
public struct ConfigReloader: Service {
    let load: @Sendable () async -> Result<Settings, ConfigurationErrors>
    let live: LiveSettings
    let metrics: ReloadMetrics
    let logger: Logger

    public init(
        live: LiveSettings, metrics: ReloadMetrics, logger: Logger, load: @escaping @Sendable () async -> Result<Settings, ConfigurationErrors>
    ) {
        self.live = live
        self.metrics = metrics
        self.logger = logger
        self.load = load
    }

    public func run() async throws {
        // Trapping SIGHUP also stops its default action (ending the process).
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }

    /// One reload; whether the new settings were taken.
    @discardableResult
    public func reload() async -> Bool {
        switch await load() {
        case .failure(let errors):
            for error in errors.errors { logger.error("reload: \(error)") }
            logger.error("reload: \(errors.errors.count) configuration problem(s); keeping the configuration in use")
            metrics.failed()
            return false
        case .success(let new):
            for name in LiveSettings.changedAtRestartOnly(live.current, new) {
                logger.warning("reload: \(name) changed; that takes effect when chiso restarts")
            }
            let catalogueChanged = live.current.catalogue != new.catalogue
            live.replace(with: new)
            metrics.succeeded(at: Date())
            logger.notice(
                "reload: configuration reloaded",
                metadata: ["catalogue": "\(catalogueChanged ? "changed" : "unchanged")", "log_level": "\(new.logLevel)"])
            return true
        }
    }
}

/// Whether the last reload was taken, and when one last was (Prometheus' own names and meanings).
public final class ReloadMetrics: Sendable {
    private let successful: OperationalRegistry.Gauge
    private let lastSuccess: OperationalRegistry.Gauge

    init(registry: OperationalRegistry, startedAt: Date) {
        successful = registry.makeGauge(
            descriptor: OperationalMetrics.descriptor(MetricName.configLastReloadSuccessful, metric: "config_last_reload", unit: "successful"))
        lastSuccess = registry.makeGauge(
            descriptor: OperationalMetrics.descriptor(
                MetricName.configLastReloadSuccess, metric: "config_last_reload_success_timestamp", unit: "seconds"))
        // The configuration read at start counts as the first successful load, as in Prometheus.
        successful.set(to: 1)
        lastSuccess.set(to: startedAt.timeIntervalSince1970.rounded(.down))
    }

    func succeeded(at instant: Date) {
        successful.set(to: 1)
        lastSuccess.set(to: instant.timeIntervalSince1970.rounded(.down))
    }

    func failed() { successful.set(to: 0) }
}

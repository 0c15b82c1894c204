import ChisoCore
import ChisoPresentation
import Foundation
import Prometheus

/// Which chiso this is (`chiso --version`, `chiso_build_info`).
public enum ChisoVersion {
    public static let current = "0.1.0"
}

/// The daemon's own metrics (refresh health, alert delivery, configuration reloads, build info), in one swift-prometheus
/// registry appended to `/metrics`. The indicator families are rendered from the snapshot instead
/// (`PrometheusText`). Every name comes from the catalogue `MetricName`.
public final class OperationalMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    public let refresh: RefreshMetrics
    public let alerts: AlertMetrics
    public let reload: ReloadMetrics

    public init(startedAt: Date = Date()) {
        refresh = RefreshMetrics(registry: registry)
        alerts = AlertMetrics(registry: registry)
        reload = ReloadMetrics(registry: registry, startedAt: startedAt)
        registry.makeGauge(
            descriptor: Self.descriptor(MetricName.buildInfo, metric: "build", unit: "info"),
            labels: [("version", ChisoVersion.current)]
        ).set(to: 1.0)
    }

    public func render() -> [UInt8] { registry.emitToBuffer() }

    static func descriptor(_ family: MetricName.Family, metric: String, unit: String) -> MetricNameDescriptor {
        let descriptor = MetricNameDescriptor(namespace: "chiso", metricName: metric, unitName: unit, helpText: family.help)
        precondition(descriptor.name == family.name, "metric name \(descriptor.name) drifted from the catalogue's \(family.name)")
        return descriptor
    }
}

/// Whether the refresher reaches the database, when it last succeeded, how long a refresh takes.
public final class RefreshMetrics: Sendable {
    private let sourceUp: Gauge
    private let lastSuccess: Gauge
    private let duration: Gauge
    private let failures: Counter
    private let passSeconds: [RefreshPass.Kind: ValueHistogram]
    private let changes: Gauge
    private let openRows: Gauge
    private let checkDifferences: Gauge

    /// From a few milliseconds (an incremental refresh with little changed) to a minute (a province from scratch).
    static let passBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    init(registry: PrometheusCollectorRegistry) {
        let histogram = OperationalMetrics.descriptor(MetricName.refreshSeconds, metric: "refresh", unit: "seconds")
        passSeconds = Dictionary(
            uniqueKeysWithValues: RefreshPass.Kind.allCases.map {
                ($0, registry.makeValueHistogram(descriptor: histogram, labels: [("kind", $0.rawValue)], buckets: Self.passBuckets))
            })
        changes = registry.makeGauge(descriptor: OperationalMetrics.descriptor(MetricName.refreshChanges, metric: "refresh_changes", unit: "applied"))
        openRows = registry.makeGauge(descriptor: OperationalMetrics.descriptor(MetricName.refreshOpenRows, metric: "refresh_open", unit: "rows"))
        checkDifferences = registry.makeGauge(
            descriptor: OperationalMetrics.descriptor(MetricName.refreshCheckDifferences, metric: "refresh_check", unit: "differences"))
        sourceUp = registry.makeGauge(descriptor: OperationalMetrics.descriptor(MetricName.sourceUp, metric: "source", unit: "up"))
        lastSuccess = registry.makeGauge(
            descriptor: OperationalMetrics.descriptor(
                MetricName.refreshLastSuccess, metric: "refresh_last_success_timestamp", unit: "seconds"))
        duration = registry.makeGauge(
            descriptor: OperationalMetrics.descriptor(MetricName.refreshDuration, metric: "refresh_duration", unit: "seconds"))
        failures = registry.makeCounter(
            descriptor: OperationalMetrics.descriptor(MetricName.refreshFailures, metric: "refresh_failures", unit: "total"))
        sourceUp.set(to: 0)
        failures.increment(by: Int64(0))
    }

    public func recordSuccess(at instant: Date, duration seconds: Double) {
        sourceUp.set(to: 1.0)
        lastSuccess.set(to: instant.timeIntervalSince1970)
        duration.set(to: seconds)
    }

    /// How a successful refresh read its inputs, and how long the whole refresh took.
    public func recordPass(_ pass: RefreshPass, seconds: Double) {
        passSeconds[pass.kind]?.record(seconds)
        changes.set(to: Double(pass.changes))
        openRows.set(to: Double(pass.pending))
        if pass.reason == "periodic check" { checkDifferences.set(to: Double(pass.differences)) }
    }

    public func recordFailure(duration seconds: Double) {
        sourceUp.set(to: 0)
        duration.set(to: seconds)
        failures.increment()
    }
}

/// Digests delivered and failed by hook kind, and the outbox's backlog.
public final class AlertMetrics: Sendable {
    /// The `kind` label of the alert counters.
    public static let kinds = ["mail", "webhook"]

    private let sent: [String: Counter]
    private let failed: [String: Counter]
    private let pending: Gauge
    private let undeliverable: Gauge

    init(registry: PrometheusCollectorRegistry) {
        let sentDescriptor = OperationalMetrics.descriptor(MetricName.alertsSent, metric: "alerts_sent", unit: "total")
        let failedDescriptor = OperationalMetrics.descriptor(MetricName.alertsFailed, metric: "alerts_failed", unit: "total")
        var sent: [String: Counter] = [:], failed: [String: Counter] = [:]
        for kind in Self.kinds {
            sent[kind] = registry.makeCounter(descriptor: sentDescriptor, labels: [("kind", kind)])
            failed[kind] = registry.makeCounter(descriptor: failedDescriptor, labels: [("kind", kind)])
        }
        self.sent = sent
        self.failed = failed
        pending = registry.makeGauge(descriptor: OperationalMetrics.descriptor(MetricName.alertsPending, metric: "alerts", unit: "pending"))
        undeliverable = registry.makeGauge(
            descriptor: OperationalMetrics.descriptor(
                MetricName.alertsUndeliverable, metric: "alerts", unit: "undeliverable"))
        for counter in Array(sent.values) + Array(failed.values) { counter.increment(by: Int64(0)) }
    }

    public func delivered(kind: String) { sent[kind]?.increment() }
    public func failedAttempt(kind: String) { failed[kind]?.increment() }
    public func outbox(pending count: Int, undeliverable units: Int) {
        pending.set(to: Double(count))
        undeliverable.set(to: Double(units))
    }
}

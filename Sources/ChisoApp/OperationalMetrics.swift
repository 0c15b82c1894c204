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

    init(registry: PrometheusCollectorRegistry) {
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

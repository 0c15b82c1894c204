import ChisoCore
import Foundation
import Prometheus

/// The operational metrics (refresh health, build info), kept in a swift-prometheus registry.
/// The indicator families are rendered from the snapshot instead (see `PrometheusText`).
public final class RefreshMetrics: Sendable {
    public static let version = "0.1.0"

    public let registry = PrometheusCollectorRegistry()
    private let sourceUp: Gauge
    private let lastSuccess: Gauge
    private let duration: Gauge
    private let failures: Counter
    private let alertsSent: [String: Counter]
    private let alertsFailed: [String: Counter]
    private let alertsPending: Gauge
    private let alertsUndeliverable: Gauge

    /// The `kind` label of the alert counters.
    public static let alertKinds = ["mail", "webhook"]

    public init() {
        sourceUp = registry.makeGauge(descriptor: Self.descriptor(MetricName.sourceUp, metric: "source", unit: "up"))
        lastSuccess = registry.makeGauge(descriptor: Self.descriptor(MetricName.refreshLastSuccess, metric: "refresh_last_success_timestamp", unit: "seconds"))
        duration = registry.makeGauge(descriptor: Self.descriptor(MetricName.refreshDuration, metric: "refresh_duration", unit: "seconds"))
        failures = registry.makeCounter(descriptor: Self.descriptor(MetricName.refreshFailures, metric: "refresh_failures", unit: "total"))
        let sentDescriptor = Self.descriptor(MetricName.alertsSent, metric: "alerts_sent", unit: "total")
        let failedDescriptor = Self.descriptor(MetricName.alertsFailed, metric: "alerts_failed", unit: "total")
        var sent: [String: Counter] = [:], failed: [String: Counter] = [:]
        for kind in Self.alertKinds {
            sent[kind] = registry.makeCounter(descriptor: sentDescriptor, labels: [("kind", kind)])
            failed[kind] = registry.makeCounter(descriptor: failedDescriptor, labels: [("kind", kind)])
        }
        alertsSent = sent
        alertsFailed = failed
        alertsPending = registry.makeGauge(descriptor: Self.descriptor(MetricName.alertsPending, metric: "alerts", unit: "pending"))
        alertsUndeliverable = registry.makeGauge(descriptor: Self.descriptor(MetricName.alertsUndeliverable, metric: "alerts", unit: "undeliverable"))
        registry.makeGauge(descriptor: Self.descriptor(MetricName.buildInfo, metric: "build", unit: "info"), labels: [("version", Self.version)]).set(to: 1.0)
        sourceUp.set(to: 0)
        failures.increment(by: Int64(0))
        for counter in Array(alertsSent.values) + Array(alertsFailed.values) { counter.increment(by: Int64(0)) }
    }

    private static func descriptor(_ family: MetricName.Family, metric: String, unit: String) -> MetricNameDescriptor {
        let descriptor = MetricNameDescriptor(namespace: "chiso", metricName: metric, unitName: unit, helpText: family.help)
        precondition(descriptor.name == family.name, "metric name \(descriptor.name) drifted from the catalogue's \(family.name)")
        return descriptor
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

    public func alertSent(kind: String) { alertsSent[kind]?.increment() }
    public func alertFailed(kind: String) { alertsFailed[kind]?.increment() }
    public func alertOutbox(pending: Int, undeliverable: Int) {
        alertsPending.set(to: Double(pending))
        alertsUndeliverable.set(to: Double(undeliverable))
    }

    public func render() -> [UInt8] { registry.emitToBuffer() }
}

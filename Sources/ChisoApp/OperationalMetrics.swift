import ChisoCore
import ChisoPresentation
import Foundation
import Prometheus
import Synchronization

/// Which chiso this is (`chiso --version`, `chiso_build_info`).
public enum ChisoVersion {
    public static let current = "0.1.0"
}

/// The daemon's own metrics (refresh health, alert delivery, configuration reloads, build info), in one swift-prometheus
/// registry appended to `/metrics`. The indicator families are rendered from the snapshot instead
/// (`PrometheusText`). Every name comes from the catalogue `MetricName`.
public final class OperationalMetrics: Sendable {
    public let registry = OperationalRegistry()
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

    /// The families as text, and which version of them it is (see `OperationalRegistry`).
    public func render() -> (bytes: [UInt8], version: UInt64) { registry.render() }

    static func descriptor(_ family: MetricName.Family, metric: String, unit: String) -> MetricNameDescriptor {
        let descriptor = MetricNameDescriptor(namespace: "chiso", metricName: metric, unitName: unit, helpText: family.help)
        precondition(descriptor.name == family.name, "metric name \(descriptor.name) drifted from the catalogue's \(family.name)")
        return descriptor
    }
}

/// Whether the refresher reaches the database, when it last succeeded, how long a refresh takes.
public final class RefreshMetrics: Sendable {
    private let sourceUp: OperationalRegistry.Gauge
    private let lastSuccess: OperationalRegistry.Gauge
    private let duration: OperationalRegistry.Gauge
    private let failures: OperationalRegistry.Counter
    private let passSeconds: [RefreshPass.Kind: OperationalRegistry.Histogram]
    private let changes: OperationalRegistry.Gauge
    private let openRows: OperationalRegistry.Gauge
    private let checkDifferences: OperationalRegistry.Gauge

    /// From a few milliseconds (an incremental refresh with little changed) to a minute (a province from scratch).
    static let passBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    init(registry: OperationalRegistry) {
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

    private let sent: [String: OperationalRegistry.Counter]
    private let failed: [String: OperationalRegistry.Counter]
    private let pending: OperationalRegistry.Gauge
    private let undeliverable: OperationalRegistry.Gauge

    init(registry: OperationalRegistry) {
        let sentDescriptor = OperationalMetrics.descriptor(MetricName.alertsSent, metric: "alerts_sent", unit: "total")
        let failedDescriptor = OperationalMetrics.descriptor(MetricName.alertsFailed, metric: "alerts_failed", unit: "total")
        var sent: [String: OperationalRegistry.Counter] = [:], failed: [String: OperationalRegistry.Counter] = [:]
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

/// swift-prometheus' registry for the daemon's own families, with a count of the changes to
/// them: `/metrics` renders the families again only after one changed (they change at a refresh,
/// a delivery, a reload or a change of leader), and keeps the gzipped whole per version. Rendering
/// them on every request, with the FNV fingerprint that told the versions apart, was ~40 % of a
/// commune's `/metrics`. Every metric is made here, and each of its writes counts as a change, so
/// no write can leave a stale text behind (the most frequent, the leader gauge's every 3 s, costs
/// one rendering of ~5 KB).
public final class OperationalRegistry: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let changes = Atomic<UInt64>(0)
    private let rendered = Mutex<(version: UInt64, bytes: [UInt8])?>(nil)

    /// The text of every family, and the version it was rendered at (the count of changes).
    public func render() -> (bytes: [UInt8], version: UInt64) {
        // Read before rendering: a write during the rendering makes a later version, rendered again.
        let version = changes.load(ordering: .acquiring)
        if let kept = rendered.withLock({ $0 }), kept.version == version { return (kept.bytes, version) }
        let bytes = registry.emitToBuffer()
        rendered.withLock { $0 = (version, bytes) }
        return (bytes, version)
    }

    fileprivate func changed() { changes.add(1, ordering: .releasing) }

    func makeGauge(descriptor: MetricNameDescriptor, labels: [(String, String)] = []) -> Gauge {
        Gauge(registry.makeGauge(descriptor: descriptor, labels: labels), registry: self)
    }
    func makeCounter(descriptor: MetricNameDescriptor, labels: [(String, String)] = []) -> Counter {
        Counter(registry.makeCounter(descriptor: descriptor, labels: labels), registry: self)
    }
    func makeValueHistogram(descriptor: MetricNameDescriptor, labels: [(String, String)] = [], buckets: [Double]) -> Histogram {
        Histogram(registry.makeValueHistogram(descriptor: descriptor, labels: labels, buckets: buckets), registry: self)
    }

    final class Gauge: Sendable {
        private let gauge: Prometheus.Gauge
        private let registry: OperationalRegistry
        fileprivate init(_ gauge: Prometheus.Gauge, registry: OperationalRegistry) { (self.gauge, self.registry) = (gauge, registry) }

        func set(to value: Double) {
            gauge.set(to: value)
            registry.changed()
        }
    }

    final class Counter: Sendable {
        private let counter: Prometheus.Counter
        private let registry: OperationalRegistry
        fileprivate init(_ counter: Prometheus.Counter, registry: OperationalRegistry) { (self.counter, self.registry) = (counter, registry) }

        func increment(by amount: Int64 = 1) {
            counter.increment(by: amount)
            registry.changed()
        }
    }

    final class Histogram: Sendable {
        private let histogram: ValueHistogram
        private let registry: OperationalRegistry
        fileprivate init(_ histogram: ValueHistogram, registry: OperationalRegistry) { (self.histogram, self.registry) = (histogram, registry) }

        func record(_ value: Double) {
            histogram.record(value)
            registry.changed()
        }
    }
}

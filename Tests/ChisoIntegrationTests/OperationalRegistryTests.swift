import ChisoApp
import Foundation
import Testing

/// The daemon's own families are rendered again only after one of them changed: a write makes
/// a new version and a text with the new value; without writes the version and text stay.
@Suite struct OperationalRegistryTests {
    @Test func aWriteMakesANewVersionAndANewTextAndNothingElseDoes() {
        let metrics = OperationalMetrics(startedAt: Date(timeIntervalSince1970: 1_796_000_000))
        let first = metrics.render()
        #expect(metrics.render().version == first.version, "nothing written: the same version")
        #expect(String(decoding: first.bytes, as: UTF8.self).contains("\nchiso_source_up 0"))

        metrics.refresh.recordSuccess(at: Date(timeIntervalSince1970: 1_796_000_060), duration: 0.5)
        let second = metrics.render()
        #expect(second.version != first.version)
        let text = String(decoding: second.bytes, as: UTF8.self)
        #expect(text.contains("\nchiso_source_up 1") && text.contains("\nchiso_refresh_duration_seconds 0.5\n"))

        #expect(metrics.render().version == second.version, "nothing written since: the kept text")

        metrics.refresh.recordFailure(duration: 0.5)
        let third = String(decoding: metrics.render().bytes, as: UTF8.self)
        #expect(third.contains("\nchiso_source_up 0") && third.contains("\nchiso_refresh_failures_total 1\n"))

        metrics.alerts.delivered(kind: "mail")
        #expect(String(decoding: metrics.render().bytes, as: UTF8.self).contains(#"chiso_alerts_sent_total{kind="mail"} 1"#))
    }
}

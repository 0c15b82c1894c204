import ChisoCore
import ChisoPresentation
import Foundation
import Mustache
import NIOCore
import Testing

@testable import ChisoWeb

/// A refresh whose figures did not change keeps what was rendered and moves only the instants:
/// the answers must be byte for byte what rendering the later snapshot gives.
@Suite struct PublishedSnapshotTests {
    static let later = PageFixture.asOf.addingTimeInterval(3 * 3600 + 17)

    static func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    static func requests() -> [PageRequest] {
        [Format.Language.vi, .en].flatMap { language in PeriodKind.allCases.map { PageRequest(language: language, period: $0) } }
    }

    @Test func aStampedPageFilledIsThePageRendered() throws {
        let first = PageFixture.snapshot(), second = PageFixture.snapshot(at: Self.later)
        #expect(second.saysTheSame(as: first), "three hours later on the same day, the same inputs say the same")
        for request in Self.requests() {
            let stamped = try #require(try StatusPage.renderStamped(first, history: PageFixture.history(), request: request))
            for snapshot in [first, second] {
                let rendered = try StatusPage.render(snapshot, history: PageFixture.history(), request: request)
                #expect(Self.text(stamped.filled(asOf: snapshot.asOf, refreshedAt: snapshot.refreshedAt)) == rendered, "\(request)")
            }
        }
        let page = Self.text(try #require(try StatusPage.renderStamped(first)).filled(asOf: Self.later, refreshedAt: Self.later))
        #expect(page.contains("Cập nhật lúc <strong>15/06/2026 13:00</strong>"))
        #expect(!page.contains("10:00"), "no trace of the first instant")
    }

    /// The JSON members are encoded when first asked for, not at every refresh; a gzip body is
    /// made from them without keeping them, a plain read keeps them; both say the same.
    @Test func theJSONMembersAreEncodedOnDemandAndKeptOnlyWhenServedPlain() throws {
        let published = PublishedSnapshot(rendering: PageFixture.snapshot(), history: PageFixture.history())
        #expect(!published.json.isKept)
        let once = published.json.once
        #expect(!published.json.isKept)
        #expect(once == ByteBuffer(bytes: SnapshotJSON.members(PageFixture.snapshot())))
        #expect(published.jsonMembers == once)
        #expect(published.json.isKept)
        let carried = try #require(published.restamped(PageFixture.snapshot(at: Self.later), history: PageFixture.history(), alerts: nil))
        #expect(carried.json.isKept, "the snapshots that say the same share them")
    }

    @Test func restampedSharesTheFiguresAndMovesTheInstants() throws {
        let first = PublishedSnapshot(rendering: PageFixture.snapshot(), history: PageFixture.history())
        let second = PageFixture.snapshot(at: Self.later)
        let carried = try #require(first.restamped(second, history: PageFixture.history(), alerts: nil))
        #expect(carried.carriedOver && !first.carriedOver)
        #expect(carried.snapshot.asOf == Self.later)
        #expect(carried.etag != first.etag)
        #expect(carried.metricsText == first.metricsText && carried.json === first.json)
        let fresh = PublishedSnapshot(rendering: second, history: PageFixture.history())
        for request in Self.requests() {
            #expect(carried.page(request) == fresh.page(request), "\(request): as rendered from the later snapshot")
        }
        #expect(carried.metricsTimestamp == fresh.metricsTimestamp)
        #expect(Self.text(carried.metricsTimestamp).contains("chiso_snapshot_as_of_timestamp_seconds \(Int(Self.later.timeIntervalSince1970))"))
        #expect(
            Self.text(carried.metricsText) + Self.text(carried.metricsTimestamp) == PrometheusText.render(second),
            "the figures, then the timestamp: what `chiso snapshot --format prometheus` prints")
        // The served JSON: the stale flag, the instants, the members.
        let served = SnapshotJSON.opening(stale: false) + Self.text(carried.jsonTimes) + Self.text(carried.jsonMembers)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(served.utf8)) as? [String: Any])
        let whole = try #require(try JSONSerialization.jsonObject(with: SnapshotJSON.encode(second)) as? [String: Any])
        #expect(document["as_of"] as? String == "2026-06-15T13:00:17+07:00")
        #expect(document["stale"] as? Bool == false)
        #expect(Set(document.keys) == Set(whole.keys).union(["stale"]))
        #expect((document["indicators"] as? [Any])?.count == (whole["indicators"] as? [Any])?.count)
    }

    /// A snapshot rendered after another copies the `/metrics` lines of the units whose figures
    /// did not change from the other's text: the bytes are those of a render from nothing, and so
    /// are those of the next render, copied from the copy.
    @Test func metricsRenderedAfterAnotherSnapshotAreTheMetricsRenderedAnew() throws {
        let first = PublishedSnapshot(rendering: PageFixture.snapshot(), history: PageFixture.history())
        var inputs = KPIInputs(units: PageFixture.units)
        inputs.tallies[TallyKey(unitID: "bac-binh/kt", period: .month, indicator: .dossiersOnTime)] = Tally(numerator: 2, denominator: 3)
        let other = Evaluator(catalogue: .builtIn, calendar: PageFixture.calendar).evaluate(inputs, asOf: Self.later, refreshedAt: Self.later)
        let copied = PublishedSnapshot(rendering: other, history: PageFixture.history(), previous: first)
        #expect(copied.metricsText == PublishedSnapshot(rendering: other, history: PageFixture.history()).metricsText)
        #expect(Self.text(copied.metricsText) != Self.text(first.metricsText))
        let back = PublishedSnapshot(rendering: PageFixture.snapshot(), history: PageFixture.history(), previous: copied)
        #expect(back.metricsText == first.metricsText)
        #expect(back.exposition == first.exposition)
        // The same figures later: every unit's lines copied.
        let same = PublishedSnapshot(rendering: PageFixture.snapshot(at: Self.later), history: PageFixture.history(), previous: first)
        #expect(same.metricsText == first.metricsText)
        #expect(same.metricsPieces?.units == first.metricsPieces?.units)
    }

    /// A tree of more units than one piece of `/metrics` holds (`PrometheusText.unitRanges`: 16
    /// each, on the machine's cores): every family's lines unit by unit in tree order, and a render
    /// copying from another the same bytes as one from nothing.
    @Test func aLargeTreesMetricsAreWrittenInPiecesInTreeOrder() throws {
        let departments = (0..<70).map { Unit(id: "bac-binh/d\($0)", parentID: "bac-binh", name: "Phòng \($0)", kind: "department") }
        let units = PageFixture.units + departments
        let first = PublishedSnapshot(rendering: PageFixture.snapshot(units: units), history: PageFixture.history())
        var inputs = KPIInputs(units: units)
        for unit in [3, 40, 69] {
            inputs.tallies[TallyKey(unitID: "bac-binh/d\(unit)", period: .month, indicator: .dossiersOnTime)] = Tally(numerator: 1, denominator: 2)
        }
        let other = Evaluator(catalogue: .builtIn, calendar: PageFixture.calendar).evaluate(inputs, asOf: Self.later, refreshedAt: Self.later)
        let fresh = PublishedSnapshot(rendering: other, history: PageFixture.history())
        let copied = PublishedSnapshot(rendering: other, history: PageFixture.history(), previous: first)
        #expect(copied.metricsText == fresh.metricsText)
        for text in [Self.text(fresh.metricsText), Self.text(first.metricsText)] {
            var order: [String] = []
            for line in text.split(separator: "\n") where line.hasPrefix("chiso_indicator_denominator{") {
                guard let start = line.range(of: "unit=\""), let end = line[start.upperBound...].firstIndex(of: "\"") else { continue }
                let unit = String(line[start.upperBound..<end])
                if order.last != unit { order.append(unit) }
            }
            #expect(order == other.units.map(\.id))
        }
    }

    @Test func anotherFigureDayTrendOrAlertIsRenderedAnew() throws {
        let first = PublishedSnapshot(rendering: PageFixture.snapshot(), history: PageFixture.history())
        let same = PageFixture.snapshot(at: Self.later)
        #expect(first.restamped(same, history: PageFixture.history(), alerts: nil)?.carriedOver == true)
        var renamed = PageFixture.units
        renamed[1].name = "Phòng Kinh tế – Hạ tầng"
        #expect(
            first.restamped(PageFixture.snapshot(at: Self.later, units: renamed), history: PageFixture.history(), alerts: nil)?.carriedOver == nil)
        // Past midnight the days overdue and the year's projection move.
        let tomorrow = PageFixture.snapshot(at: PageFixture.calendar.parseInstant("2026-06-16T00:00:00+07:00")!)
        #expect(!tomorrow.saysTheSame(as: first.snapshot))
        #expect(first.restamped(tomorrow, history: PageFixture.history(), alerts: nil)?.carriedOver == nil)
        #expect(first.restamped(same, history: TrendHistory(), alerts: nil)?.carriedOver == nil)
        #expect(first.restamped(same, history: PageFixture.history(), alerts: AlertSummary(pending: 1))?.carriedOver == nil)
        // One figure more.
        var inputs = KPIInputs(units: PageFixture.units)
        inputs.tallies[TallyKey(unitID: "bac-binh/kt", period: .year, indicator: .dossiersOnTime)] = Tally(numerator: 1, denominator: 1)
        let other = Evaluator(catalogue: .builtIn, calendar: PageFixture.calendar).evaluate(inputs, asOf: Self.later, refreshedAt: Self.later)
        #expect(first.restamped(other, history: PageFixture.history(), alerts: nil)?.carriedOver == nil)
    }

    @Test func aMarkerCharacterInTheTextIsNeverTakenForASlot() throws {
        var units = PageFixture.units
        units[1].name = "Phòng \u{E000}a\u{E001} Kinh tế"
        let snapshot = PageFixture.snapshot(units: units)
        #expect(try StatusPage.renderStamped(snapshot)?.slots == nil)
        let published = PublishedSnapshot(rendering: snapshot)
        #expect(Self.text(published.statusPage) == (try StatusPage.render(snapshot)), "rendered whole instead")
        // Carried over all the same: that page alone is rendered whole, from the later snapshot.
        let later = PageFixture.snapshot(at: Self.later, units: units)
        let carried = try #require(published.restamped(later, history: TrendHistory(), alerts: nil))
        #expect(Self.text(carried.statusPage) == (try StatusPage.render(later)))
        #expect(Self.text(carried.statusPage) != Self.text(published.statusPage), "the later instant")
    }

    /// `GET /` is ready when the snapshot is published; the other root pages are rendered at
    /// their first request, once for the snapshots that say the same.
    @Test func theOtherRootPagesAreRenderedWhenFirstAskedFor() throws {
        let published = PublishedSnapshot(rendering: PageFixture.snapshot(), history: PageFixture.history())
        #expect(published.rootPages.renderedCount == 1)
        let english = PageRequest(language: .en, period: .month)
        let page = try #require(published.page(english))
        #expect(Self.text(page) == (try StatusPage.render(PageFixture.snapshot(), history: PageFixture.history(), request: english)))
        #expect(published.rootPages.renderedCount == 2)
        let carried = try #require(published.restamped(PageFixture.snapshot(at: Self.later), history: PageFixture.history(), alerts: nil))
        #expect(carried.rootPages === published.rootPages)
        let again = try #require(carried.page(english))
        #expect(published.rootPages.renderedCount == 2, "filled, not rendered again")
        #expect(Self.text(again) == (try StatusPage.render(PageFixture.snapshot(at: Self.later), history: PageFixture.history(), request: english)))
        #expect(published.page(PageRequest(unitID: "bac-binh/kt")) == nil, "a unit's page is the routes' to render")
    }
}

@Suite struct PageEscapingTests {
    /// What swift-mustache's own HTML content type makes of `text`.
    static func mustache(_ text: String) throws -> String {
        try MustacheTemplate(string: "{{x}}").render(["x": text])
    }

    @Test func thePagesEscapingIsMustachesByteForByte() throws {
        let texts = [
            "", "Xã Bắc Bình", #"<script>alert("x")</script> & 'y'"#, "a&&b<<>>", "😀 <b>", "Phòng \u{E000}a\u{E001}", "\n\t\"'", "e\u{301} & ệ",
        ]
        for text in texts { #expect(PageHTML.escape(text) == (try Self.mustache(text)), "\(text)") }
        // Where they part: a combining mark makes "<" part of a larger character that swift-mustache
        // leaves alone; the page escapes it anyway.
        #expect(PageHTML.escape("<\u{301}") == "&lt;\u{301}")
    }
}

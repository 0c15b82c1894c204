import ChisoCore
import ChisoPresentation
import Foundation
import Mustache
import Testing

@testable import ChisoWeb

/// A fixed snapshot, built by hand: a commune with two departments (one with a hostile name),
/// a few computed and manual figures, overdue and upcoming tasks, overdue dossiers.
enum PageFixture {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let calendar = PlanCalendar(timeZone: zone)
    static let asOf = calendar.parseInstant("2026-06-15T10:00:00+07:00")!
    static let hostile = #"<script>alert(1)</script> & "x""#

    static let units = [
        Unit(id: "bac-binh", parentID: nil, name: "Xã Bắc Bình", kind: "commune"),
        Unit(id: "bac-binh/kt", parentID: "bac-binh", name: "Phòng Kinh tế", kind: "department"),
        Unit(id: "bac-binh/x", parentID: "bac-binh", name: hostile, kind: "department"),
    ]

    static func snapshot(at instant: Date = asOf, units: [ChisoCore.Unit] = units) -> Snapshot {
        var inputs = KPIInputs(units: units)
        func put(_ unit: String, _ period: PeriodKind, _ indicator: ComputedIndicator, _ n: Decimal, _ d: Decimal) {
            inputs.tallies[TallyKey(unitID: unit, period: period, indicator: indicator)] = Tally(numerator: n, denominator: d)
        }
        // Year: 1 234 of 1 260 on time (97,9 %: at risk against ≥ 98 %), all at Phòng Kinh tế.
        put("bac-binh/kt", .year, .dossiersOnTime, 1234, 1260)
        put("bac-binh/kt", .quarter, .dossiersOnTime, 300, 301)
        // Documents signed: 7 of 10 (70 %: not over 70 %, missed by the margin? at risk) at the hostile unit.
        put("bac-binh/x", .year, .documentsSigned, 7, 10)
        put("bac-binh/x", .year, .lateDossiersApologised, 20, 26)
        put("bac-binh/kt", .year, .paymentsOnlineNational, 95, 100)
        inputs.manualValues = [
            ManualValue(
                indicator: "investment_disbursed", unitID: "bac-binh", periodEnd: LocalDate(year: 2026, month: 5, day: 31),
                numerator: 45, denominator: 100, recordedAt: asOf.addingTimeInterval(-86_400))
        ]
        inputs.openTasks = [
            OpenTask(
                id: "T-1", planRef: "II.11", title: "Rà soát <quy trình> & \"biểu mẫu\"", leadUnitID: "bac-binh/x", monitoringUnitID: "bac-binh/kt",
                dueDate: LocalDate(year: 2026, month: 1, day: 31)),
            OpenTask(
                id: "T-2", planRef: "I.6", title: "Báo cáo chuyển đổi số quý II", leadUnitID: "bac-binh/kt", monitoringUnitID: nil,
                dueDate: LocalDate(year: 2026, month: 6, day: 20)),
        ]
        inputs.overdueDossiers = ["bac-binh/kt": 3, "bac-binh/x": 1]
        return Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: instant, refreshedAt: instant)
    }

    static func history() -> TrendHistory {
        var history = TrendHistory()
        for (day, n) in [(LocalDate(year: 2026, month: 3, day: 1), Decimal(400)), (LocalDate(year: 2026, month: 5, day: 1), Decimal(800))] {
            history.append(indicator: "dossiers_on_time", unit: "bac-binh", point: HistoryPoint(day: day, numerator: n, denominator: n + 10))
        }
        return history
    }
}

@Suite struct StatusPageTests {
    let snapshot = PageFixture.snapshot()

    func page(_ request: PageRequest = PageRequest(), stale: Staleness? = nil, links: PageLinks = .query) throws -> String {
        try StatusPage.render(snapshot, history: PageFixture.history(), request: request, links: links, staleness: stale)
    }

    @Test func everyIndicatorUnitAndTaskIsOnThePage() throws {
        let html = try page()
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"vi\">"))
        for definition in Catalogue.builtIn.indicators {
            #expect(html.contains("id=\"chi-tieu-\(definition.id)\""), "card \(definition.id) missing")
            #expect(html.contains(Format.html(definition.nameVI)), "name of \(definition.id) missing")
        }
        #expect(html.contains("Xã Bắc Bình"))
        #expect(html.contains("Phòng Kinh tế"))
        if let folder = ProcessInfo.processInfo.environment["CHISO_TEST_ARTEFACTS"] {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(html.utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent("fixture-page.html"))
        }
        #expect(html.contains("Rà soát &lt;quy trình&gt; &amp; &quot;biểu mẫu&quot;"))
        #expect(html.contains("<td data-label=\"Mục KH\">II.11</td>"), "a plan item keeps its label")
        #expect(html.contains("Báo cáo chuyển đổi số quý II"))
        for section in ["I.1", "I.2", "I.3", "I.4", "I.5", "I.6", "II"] {
            #expect(html.contains("<span class=\"ref\">\(section)</span>"), "section \(section) missing")
        }
    }

    /// The subtitle does not repeat the heading; the English page names the plan in English; the
    /// footer says what its date is.
    @Test func subtitleAndFooterSayEachThingOnce() throws {
        let html = try page()
        #expect(html.contains("<h1>Xã Bắc Bình</h1>"))
        #expect(html.contains("<p class=\"plan\">Kế hoạch cải cách hành chính nhà nước năm 2026</p>"), "no second 'xã Bắc Bình'")
        #expect(html.contains("Trang tạo lúc 15/06/2026 10:00."))
        let english = try page(PageRequest(language: .en))
        #expect(english.contains("<p class=\"plan\">2026 state administrative reform plan</p>"))
        #expect(english.contains("Page made at 2026-06-15 10:00."))
    }

    /// The QĐ 766 panel of the commune's year, by hand: 2.1 at 1 234 / 1 260 gives 20 × 0,9794 = 19,59;
    /// with no other figure, 4.2b, 5.2 and 5.3 give their "no data" points (2 + 6 + 6): 33,59, Yếu.
    @Test func theQD766PanelShowsTheEstimateItsGroupsAndWhatRaisesIt() throws {
        let html = try page()
        let start = try #require(html.range(of: "<section class=\"qd766\"")).lowerBound
        let section = try #require(String(html[start...]).components(separatedBy: "</section>").first)
        #expect(section.contains("<span class=\"num\">33,59</span> trên 100 điểm · <strong>Yếu</strong>"))
        #expect(section.contains("<span class=\"g-name\">Tiến độ, kết quả giải quyết</span>"))
        #expect(section.contains("<span class=\"g-score\">19,59/20</span>"))
        #expect(section.contains("<rect class=\"fill\" x=\"0\" y=\"0\" width=\"98.0\" height=\"10\"/>"), "19,59 of 20")
        // The 26 late dossiers win the last 0,41 points; nothing else the commune's own work can raise.
        #expect(section.contains("<li>giải quyết đúng hạn thêm 26 hồ sơ: +0,41 điểm</li>"))
        #expect(section.contains("Chưa có số liệu (cần nhập tay): 1.1 TTHC công bố đúng hạn;"))
        // Before the plan's sections: the score the commune is ranked on is read first.
        #expect(html.range(of: "id=\"qd766\"")!.lowerBound < html.range(of: "class=\"plan-section\"")!.lowerBound)
        let english = try page(PageRequest(language: .en))
        #expect(english.contains("<li>handle 26 more dossiers on time: +0.41 points</li>"))
        #expect(english.contains("<strong>Poor</strong>"))
    }

    /// A card without data says so, not "0 / 0 (nhập tay)".
    @Test func aNoDataCardShowsNoCounts() throws {
        let html = try page()
        let start = try #require(html.range(of: "class=\"card no-data\"")).upperBound
        let card = String(html[start...].prefix(1200))
        let end = card.range(of: "</article>").map { card[..<$0.lowerBound] } ?? Substring(card)
        #expect(end.contains("Chưa có dữ liệu"))
        #expect(!end.contains("0\u{00A0}/\u{00A0}0") && !end.contains("Số lượng"), "\(end)")
    }

    @Test func numbersAreInVietnameseForm() throws {
        let html = try page()
        // 1234 / 1260 = 97,94 % → 97,9 %; at risk against ≥ 98 %; gap −0,1 điểm %
        let onTime = try #require(html.range(of: "id=\"chi-tieu-dossiers_on_time\"")).upperBound
        let card = String(html[onTime...].prefix(1500))
        #expect(card.contains("97,9\u{00A0}%"))
        #expect(card.contains("1.234\u{00A0}/\u{00A0}1.260"))
        #expect(card.contains("≥\u{00A0}98\u{00A0}%"))
        #expect(card.contains("−0,1\u{00A0}điểm\u{00A0}%"))
        #expect(card.contains("Có nguy cơ"))
        #expect(card.contains("<polyline points="), "trend line missing")
        #expect(card.contains("Cuối năm, theo nhịp hiện nay"))
        #expect(html.contains("Cập nhật lúc <strong>15/06/2026 10:00</strong>"))
        // the overdue task: due 31/01/2026, 135 days overdue
        #expect(html.contains("31/01/2026"))
        #expect(html.contains(">135<"))
        // status words, never colour alone
        for word in ["Đạt", "Có nguy cơ", "Chưa đạt", "Chưa có dữ liệu"] { #expect(html.contains(word)) }
    }

    @Test func englishPage() throws {
        let html = try page(PageRequest(language: .en))
        #expect(html.contains("<html lang=\"en\">"))
        #expect(html.contains("97.9\u{00A0}%"))
        #expect(html.contains("1,234\u{00A0}/\u{00A0}1,260"))
        #expect(html.contains("Dossiers resolved on time"))
        #expect(html.contains("2026-01-31"))
        for word in ["Met", "At risk", "Missed", "No data"] { #expect(html.contains(word)) }
    }

    @Test func staleBannerOnlyWhenStale() throws {
        let fresh = try page()
        #expect(!fresh.contains("class=\"stale\""))
        let since = PageFixture.calendar.parseInstant("2026-06-15T11:30:00+07:00")!
        let stale = try page(stale: Staleness(since: since))
        #expect(stale.contains("class=\"stale\" role=\"alert\""))
        #expect(stale.contains("Không cập nhật được số liệu từ 15/06/2026 11:30"))
    }

    @Test func hostileNamesAreEscapedEverywhere() throws {
        for request in [PageRequest(), PageRequest(language: .en), PageRequest(unitID: "bac-binh/x"), PageRequest(period: .month)] {
            for links in [PageLinks.query, .files] {
                let html = try page(request, links: links)
                #expect(!html.contains("<script"), "raw script tag in \(request)")
                #expect(!html.contains(PageFixture.hostile))
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"), "escaped name missing in \(request)")
            }
        }
    }

    @Test func periodSwitchAndLinks() throws {
        let year = try page()
        #expect(year.contains("<span aria-current=\"page\">Năm 2026 đến nay</span>"))
        #expect(year.contains("href=\"?period=quarter\""))
        #expect(year.contains("href=\"?lang=en\""))
        #expect(year.contains("href=\"?unit=bac-binh%2Fkt\""))
        let month = try page(PageRequest(period: .month))
        #expect(month.contains("<span aria-current=\"page\">Tháng 06/2026 đến nay</span>"))
        let files = try page(PageRequest(language: .en, period: .quarter), links: .files)
        #expect(files.contains("href=\"../quarter.html\""))  // Tiếng Việt
        #expect(files.contains("href=\"../en/units/bac-binh_kt.quarter.html\""))
        let unitFile = try page(PageRequest(unitID: "bac-binh/kt"), links: .files)
        #expect(unitFile.contains("href=\"../index.html\""))
    }

    @Test func unitPageShowsTheUnitsFigures() throws {
        let html = try page(PageRequest(unitID: "bac-binh/kt"))
        #expect(html.contains("<h1>Phòng Kinh tế</h1>"))
        #expect(html.contains("Báo cáo chuyển đổi số quý II"))  // its own task
        #expect(!html.contains("Rà soát &lt;quy trình&gt;"))  // another unit's task
        #expect(throws: StatusPageModel.Failure.unknownUnit("nope")) { try page(PageRequest(unitID: "nope")) }
    }

    @Test func unitsTableWorstFirst() throws {
        let html = try page()
        // The hostile unit misses documents_signed (70 % is not over 70 %) and apologies; Kinh tế only risks.
        let hostileRow = try #require(html.range(of: "<th scope=\"row\"><a href=\"?unit=bac-binh%2Fx\">"))
        let ktRow = try #require(html.range(of: "<th scope=\"row\"><a href=\"?unit=bac-binh%2Fkt\">"))
        #expect(hostileRow.lowerBound < ktRow.lowerBound)
    }
}

@Suite struct StalenessTests {
    let now = Date(timeIntervalSince1970: 1_781_500_000)

    func state(succeeded: Bool, lastSuccess: TimeInterval?, failingSince: TimeInterval? = nil) -> SnapshotStore.State {
        var state = SnapshotStore.State()
        state.lastRefreshSucceeded = succeeded
        state.lastSuccessAt = lastSuccess.map { now.addingTimeInterval(-$0) }
        state.failingSince = failingSince.map { now.addingTimeInterval(-$0) }
        state.lastFailureAt = state.failingSince
        return state
    }

    @Test func staleWhenTheLastRefreshFailedSinceTheFirstFailure() {
        let stale = Routes.staleness(state(succeeded: false, lastSuccess: 600, failingSince: 500), staleAfter: .seconds(180), now: now)
        #expect(stale == Staleness(since: now.addingTimeInterval(-500)))
    }

    @Test func staleWhenNoRefreshSucceededForThreeIntervals() {
        #expect(Routes.staleness(state(succeeded: true, lastSuccess: 179), staleAfter: .seconds(180), now: now) == nil)
        #expect(
            Routes.staleness(state(succeeded: true, lastSuccess: 181), staleAfter: .seconds(180), now: now)
                == Staleness(since: now.addingTimeInterval(-181)))
    }
}

@Suite struct AlertProblemsOnThePageTests {
    @Test func undeliveredDigestsAreListedNeverDropped() throws {
        let snapshot = PageFixture.snapshot()
        let summary = AlertSummary(
            pending: 0, undeliverable: 1,
            problems: [
                AlertProblem(
                    unitID: "bac-binh/x", localDay: LocalDate(year: 2026, month: 6, day: 15), status: .undeliverable,
                    reason: "no valid alert_email on the unit or any unit above it"),
                AlertProblem(
                    unitID: "bac-binh/kt", localDay: LocalDate(year: 2026, month: 6, day: 14), status: .failed,
                    reason: "/usr/sbin/sendmail exited with status 75"),
            ])
        let html = try StatusPage.render(snapshot, alerts: summary)
        #expect(html.contains("Thư nhắc việc chưa gửi được"))
        #expect(html.contains("Không có địa chỉ nhận"))
        #expect(html.contains("Gửi không thành công"))
        #expect(html.contains("/usr/sbin/sendmail exited with status 75"))
        #expect(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</td><td data-label=\"Ngày\">15/06/2026</td>"))
        #expect(!(try StatusPage.render(snapshot, alerts: AlertSummary())).contains("Thư nhắc việc chưa gửi được"))
        // A unit's page lists only its own.
        let unit = try StatusPage.render(snapshot, request: PageRequest(unitID: "bac-binh/kt"), alerts: summary)
        #expect(unit.contains("status 75") && !unit.contains("Không có địa chỉ nhận"))
    }
}

/// The template reads the view through `MustacheEncoder` (no Mirror at render time): every stored
/// property of every view type must reach the tree, with its value, or the page would silently lose it.
@Suite struct MustacheTreeTests {
    /// Compares a value with its tree, field by field (Mirror is fine here: this is the test).
    func check(_ value: Any, _ tree: Any?, path: String) {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            if let wrapped = mirror.children.first?.value {
                check(wrapped, tree, path: path)
            } else {
                #expect(tree == nil, "\(path) should be absent")
            }
        case .struct:
            guard let object = tree as? [String: Any] else { Issue.record("\(path) is not an object in the tree"); return }
            var expected: Set<String> = []
            for child in mirror.children {
                guard let label = child.label else { continue }
                let isNil = Mirror(reflecting: child.value).displayStyle == .optional && Mirror(reflecting: child.value).children.isEmpty
                if !isNil { expected.insert(label) }
                check(child.value, object[label], path: "\(path).\(label)")
            }
            #expect(Set(object.keys) == expected, "\(path): the tree has \(object.keys.sorted()), the view \(expected.sorted())")
        case .collection:
            guard let items = tree as? [Any] else { Issue.record("\(path) is not an array in the tree"); return }
            let values = mirror.children.map(\.value)
            #expect(items.count == values.count, "\(path): \(items.count) items, not \(values.count)")
            for (index, (item, value)) in zip(items, values).enumerated() { check(value, item, path: "\(path)[\(index)]") }
        default:
            if let text = value as? String {
                #expect(tree as? String == text, "\(path) differs")
            } else if let flag = value as? Bool {
                #expect(tree as? Bool == flag, "\(path) differs")
            } else {
                Issue.record("\(path): a view holds only strings, booleans, structs and arrays, not \(type(of: value))")
            }
        }
    }

    @Test func everyPropertyOfTheViewReachesTheTemplate() throws {
        let view = try StatusPageModel.build(
            PageFixture.snapshot(), history: PageFixture.history(), request: PageRequest(), links: .query,
            staleness: Staleness(since: nil),
            alerts: AlertSummary(problems: [
                AlertProblem(unitID: "bac-binh", localDay: LocalDate(year: 2026, month: 6, day: 1), status: .failed, reason: "x")
            ]))
        // The fixture fills every kind of row, so that each view type is compared.
        let cards = view.sections.flatMap(\.cards)
        #expect(cards.contains { $0.spark != nil && $0.projection != nil } && cards.contains { $0.gap == nil })
        #expect(
            !view.unitTables.isEmpty && !view.unitBlocks.isEmpty && !view.attention.lines.isEmpty && !view.overdueTasks.isEmpty
                && !view.dossierRows.isEmpty && !view.alertProblems.isEmpty)
        check(view, MustacheEncoder.tree(view), path: "page")
    }
}

@Suite struct LongTaskListsTests {
    @Test func aProvinceListsTheFiftyMostOverdueThenCountsTheRest() throws {
        let calendar = PageFixture.calendar
        var inputs = KPIInputs(units: PageFixture.units)
        inputs.openTasks = (1...60).map { index in
            OpenTask(
                id: "T\(index)", planRef: nil, title: "Việc \(index)", leadUnitID: "bac-binh/kt", monitoringUnitID: nil,
                dueDate: LocalDate(year: 2026, month: 1, day: 1).adding(days: index))
        }
        let snapshot = Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: PageFixture.asOf, refreshedAt: PageFixture.asOf)
        let html = try StatusPage.render(snapshot)
        #expect(html.contains("<span class=\"sub\">60</span>"), "the heading counts them all")
        #expect(html.components(separatedBy: "<td class=\"n missed\" data-label=\"Số ngày quá hạn\">").count - 1 == 50)
        #expect(html.contains(">Việc 1<"), "the most overdue is listed")
        #expect(!html.contains(">Việc 60<"))
        #expect(html.contains("… và 10 nhiệm vụ khác: xem trang của từng đơn vị."))
        // Tasks without a plan item: no empty "Mục KH:" label on a phone.
        #expect(html.contains("<tr><td>Việc 1</td><td></td>"), "no label on an empty plan item")
        #expect(!html.contains("data-label=\"Mục KH\"></td>") && !html.contains("data-label=\"Theo dõi\"></td>"))
    }

    /// The unit tables' rows are rendered once per figures and kept (`RenderedRows`): a page made
    /// from kept rows is byte for byte the page made from none, and a changed figure is a new row.
    @Test func keptRowsMakeThePageRowsRenderedAnewMake() throws {
        let cold = RenderedRows(capacity: 1 << 20)
        let view = try StatusPageModel.build(
            PageFixture.snapshot(), history: PageFixture.history(), request: PageRequest(), links: .query, staleness: nil, layout: nil, alerts: nil)
        let rows = view.unitTables.flatMap(\.rows)
        #expect(rows.count >= 2, "the fixture's two departments")
        for row in rows {
            let fresh = StatusPage.rowTemplate.render(MustacheEncoder.tree(row))
            #expect(cold.html(row) { fresh } == fresh)
            #expect(cold.html(row) { "rendered again" } == fresh, "kept")
            #expect(fresh.hasPrefix("<tr><th scope=\"row\"><a href=") && fresh.hasSuffix("</tr>"))
        }
        let page = try StatusPage.render(PageFixture.snapshot(), history: PageFixture.history())
        StatusPage.rows.removeAll()
        #expect(try StatusPage.render(PageFixture.snapshot(), history: PageFixture.history()) == page)
        #expect(StatusPage.rows.count > 0)
        #expect(page.contains(#"<tr><th scope="row"><a href="?unit=bac-binh%2Fkt">Phòng Kinh tế</a></th>"#))
        // One figure more: its row is another row, rendered with it.
        var other = rows[0]
        other.cells[0].text = "99,9 %"
        #expect(cold.html(other) { StatusPage.rowTemplate.render(MustacheEncoder.tree(other)) }.contains("99,9 %"))
        // A full generation moves to the previous one; a third generation forgets the first.
        let tiny = RenderedRows(capacity: 1)
        _ = tiny.html(rows[0]) { "a" }
        _ = tiny.html(rows[1]) { "b" }
        #expect(tiny.html(rows[0]) { "again" } == "a", "found in the previous generation")
        _ = tiny.html(other) { "c" }
        _ = tiny.html(rows[0]) { "d" }
        #expect(tiny.html(rows[1]) { "forgotten" } == "forgotten")
    }

    /// The page writes unit-table rows with `StatusPage.rowHTML`, not through the template engine:
    /// its text is the row template's, byte for byte, for the fixture's rows (Vietnamese and
    /// English, with and without the tasks column) and for rows whose every value needs escaping,
    /// an empty tasks cell and no cells at all.
    @Test func theRowWrittenDirectlyIsTheRowTemplatesText() throws {
        var rows: [StatusPageView.UnitTableRow] = []
        for language in [Format.Language.vi, .en] {
            var request = PageRequest()
            request.language = language
            let view = try StatusPageModel.build(
                PageFixture.snapshot(), history: PageFixture.history(), request: request, links: .query, staleness: nil, layout: nil, alerts: nil)
            rows += view.unitTables.flatMap(\.rows)
        }
        #expect(rows.contains { $0.tasksCell != nil } && rows.contains { $0.tasksCell == nil }, "both kinds of table")
        let hostile = #"<b>"Xã" & 'Phòng'</b> ≥ 90 %"#
        var cell = try #require(rows.first { !$0.cells.isEmpty }?.cells.first)
        (cell.text, cell.mark, cell.statusClass, cell.statusLabel) = (hostile, "▲" + hostile, "s-" + hostile, hostile)
        var row = rows[0]
        (row.name, row.href, row.tasksCell, row.cells) = (hostile, "?unit=" + hostile, hostile, [cell, cell])
        rows.append(row)
        (row.name, row.href, row.tasksCell, row.cells) = ("", "", "", [])
        rows.append(row)
        (row.name, row.href, row.tasksCell, row.cells) = ("Xã", "?unit=xa", nil, [])
        rows.append(row)
        for row in rows {
            #expect(StatusPage.rowHTML(row) == StatusPage.rowTemplate.render(MustacheEncoder.tree(row)))
        }
        #expect(!StatusPage.rowHTML(rows[rows.count - 3]).contains("<b>"), "escaped")
    }

    /// The cards, attention lines, unit blocks and task rows are written directly too
    /// (`PageFragments.swift`): each is its template's text, byte for byte, for the fixture's
    /// views in both languages and for variants that switch every optional part on and off and put
    /// text needing escapes in every value and label.
    @Test func everyPartWrittenDirectlyIsItsTemplatesText() throws {
        let hostile = #"<b>"Xã" & 'Phòng'</b> ≥ 90 %"#
        func context(_ item: some Encodable, labels: PageLabels, _ extra: [String: Any] = [:]) -> [String: Any] {
            var tree = MustacheEncoder.tree(item) as? [String: Any] ?? [:]
            tree["labels"] = MustacheEncoder.tree(labels)
            tree.merge(extra) { $1 }
            return tree
        }
        var hostileLabels = PageLabels.vi
        (hostileLabels.target, hostileLabels.gap, hostileLabels.counts, hostileLabels.manual) = (hostile, hostile + "1", hostile + "2", hostile + "3")
        (hostileLabels.lead, hostileLabels.projection, hostileLabels.planRef, hostileLabels.monitoring) = (hostile + "4", hostile + "5", hostile, hostile)
        (hostileLabels.due, hostileLabels.daysOverdue, hostileLabels.daysLeft) = (hostile + "6", hostile + "7", hostile + "8")
        var compared = (cards: 0, lines: 0, blocks: 0, tasks: 0)
        for language in [Format.Language.vi, .en] {
            var request = PageRequest()
            request.language = language
            let view = try StatusPageModel.build(
                PageFixture.snapshot(), history: PageFixture.history(), request: request, links: .query, staleness: nil, layout: nil, alerts: nil)
            for labels in [view.labels, hostileLabels] {
                // Cards: as built, then with every optional part off, then every value hostile.
                var cards = view.sections.flatMap(\.cards)
                #expect(cards.contains { $0.spark?.hasLine == true && $0.projection != nil && $0.gap != nil && $0.counts != nil })
                var card = try #require(cards.first { $0.spark != nil && $0.projection != nil })
                (card.gap, card.counts, card.lead, card.spark, card.projection) = (nil, nil, nil, nil, nil)
                cards.append(card)
                card = try #require(cards.first { $0.spark != nil && $0.projection != nil })
                (card.id, card.planRef, card.name, card.value, card.target) = (hostile, hostile, hostile, hostile, hostile)
                (card.gap, card.counts, card.statusClass, card.statusLabel, card.manual, card.lead) = (hostile, "", hostile, hostile, true, hostile)
                card.spark?.hasLine.toggle()
                card.spark?.points = hostile
                card.spark?.description = hostile
                card.spark?.firstLabel = hostile
                card.projection?.requirement = hostile
                card.projection?.projectedStatusClass = hostile
                cards.append(card)
                for card in cards {
                    #expect(StatusPage.cardHTML(card, labels: labels) == StatusPage.cardTemplate.render(context(card, labels: labels)))
                    compared.cards += 1
                }
                #expect(!StatusPage.cardHTML(card, labels: labels).contains("<b>"), "escaped")

                var lines = view.attention.lines
                var line = try #require(lines.first)
                (line.ref, line.figure, line.action, line.lead, line.leadHref) = (hostile, hostile, hostile, hostile, hostile)
                (line.statusClass, line.badge, line.title, line.href) = (hostile, hostile, hostile, hostile)
                lines.append(line)
                line.leadHref = nil
                lines.append(line)
                (line.ref, line.figure, line.action, line.lead) = (nil, nil, nil, nil)
                lines.append(line)
                for line in lines {
                    #expect(StatusPage.attentionLineHTML(line, labels: labels) == StatusPage.attentionLineTemplate.render(context(line, labels: labels)))
                    compared.lines += 1
                }

                var blocks = view.unitBlocks
                var block = try #require(blocks.first)
                (block.name, block.href, block.counts, block.overdue, block.statusClass) = (hostile, hostile, hostile, hostile, hostile)
                var figure = try #require(blocks.flatMap(\.worst).first)
                (figure.name, figure.text, figure.mark, figure.statusClass, figure.statusLabel) = (hostile, hostile, hostile, hostile, hostile)
                block.worst = [figure, figure]
                blocks.append(block)
                block.worst = []
                blocks.append(block)
                for block in blocks {
                    #expect(StatusPage.unitBlockHTML(block) == StatusPage.unitBlockTemplate.render(context(block, labels: labels)))
                    compared.blocks += 1
                }

                var tasks = view.overdueTasks + view.dueSoonTasks
                var task = try #require(tasks.first)
                (task.title, task.planRef, task.lead, task.monitoring, task.due, task.days) = (hostile, hostile, hostile, hostile, hostile, hostile)
                tasks.append(task)
                (task.planRef, task.monitoring) = (nil, nil)
                tasks.append(task)
                for task in tasks {
                    for days in [StatusPage.TaskDays.overdue, .left] {
                        let reference = StatusPage.taskRowTemplate.render(
                            context(task, labels: labels, ["daysClass": days.cssClass, "daysLabel": days.label(labels)]))
                        #expect(StatusPage.taskRowHTML(task, days: days, labels: labels) == reference)
                        compared.tasks += 1
                    }
                }
            }
        }
        #expect(compared.cards >= 40 && compared.lines >= 8 && compared.blocks >= 8 && compared.tasks >= 16, "\(compared)")
    }
}

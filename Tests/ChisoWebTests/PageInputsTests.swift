import ChisoCore
import ChisoPresentation
import Foundation
import Testing

@testable import ChisoWeb

/// Whether a unit's page files must be written again: a page said unchanged must render the same,
/// and a change must reach the pages that show it (the unit's, its parent's and the root's).
@Suite struct PageInputsTests {
    static let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
    static let asOf = calendar.parseInstant("2026-06-15T10:00:00+07:00")!

    /// A province of three communes with two departments each.
    static let units: [ChisoCore.Unit] =
        [Unit(id: "tinh", parentID: nil, name: "Tỉnh Lâm Đồng", kind: "province")]
        + (1...3).flatMap { c in
            [Unit(id: "c\(c)", parentID: "tinh", name: "Xã \(c)", kind: "commune")]
                + (1...2).map { d in Unit(id: "c\(c)/d\(d)", parentID: "c\(c)", name: "Phòng \(d) xã \(c)", kind: "department") }
        }
    static let departments = units.filter { $0.kind == "department" }.map(\.id)
    static let indicators: [ComputedIndicator] = [.dossiersOnTime, .documentsSigned, .lateDossiersApologised, .dossiersDigitised]

    struct World {
        var inputs = KPIInputs(units: PageInputsTests.units)
        var history = TrendHistory()

        func snapshot() -> Snapshot { Evaluator(catalogue: .builtIn, calendar: calendar).evaluate(inputs, asOf: asOf, refreshedAt: asOf) }
        /// The trend the refresher draws: stored days for the root and the communes.
        func published() -> PublishedSnapshot { PublishedSnapshot(rendering: snapshot(), history: history) }
    }

    static func world(_ random: inout SplitMix) -> World {
        var world = World()
        for unit in departments {
            for period in PeriodKind.allCases {
                for indicator in indicators {
                    let total = Decimal(Int.random(in: 0...40, using: &random))
                    world.inputs.tallies[TallyKey(unitID: unit, period: period, indicator: indicator)] = Tally(
                        numerator: total / 2, denominator: total)
                }
            }
            world.inputs.overdueDossiers[unit] = Int.random(in: 0...3, using: &random)
        }
        for unit in ["tinh", "c1", "c2", "c3"] {
            world.history.append(
                indicator: "dossiers_on_time", unit: unit,
                point: HistoryPoint(day: LocalDate(year: 2026, month: 6, day: 1), numerator: 8, denominator: 10))
        }
        world.inputs.openTasks = [
            OpenTask(
                id: "T-1", planRef: "I.1", title: "Kế hoạch", leadUnitID: "c2/d1", monitoringUnitID: nil,
                dueDate: LocalDate(year: 2026, month: 5, day: 1))
        ]
        return world
    }

    /// One change somewhere, and the units whose pages must show it (nil: every page).
    static func change(_ world: inout World, _ random: inout SplitMix) -> Set<String>? {
        let unit = departments.randomElement(using: &random)!
        let commune = String(unit.prefix(2))
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            let key = TallyKey(
                unitID: unit, period: PeriodKind.allCases.randomElement(using: &random)!, indicator: indicators.randomElement(using: &random)!)
            let old = world.inputs.tallies[key] ?? Tally(numerator: 0, denominator: 0)
            world.inputs.tallies[key] = Tally(numerator: old.numerator, denominator: old.denominator + 1)
        case 1:
            world.inputs.overdueDossiers[unit, default: 0] += 1
        case 2:
            world.history.append(
                indicator: "documents_signed", unit: commune,
                point: HistoryPoint(day: LocalDate(year: 2026, month: 6, day: 2), numerator: 1, denominator: 2))
            return ["tinh", commune]
        case 3:
            world.inputs.openTasks[0].leadUnitID = unit == "c2/d1" ? "c1/d2" : unit
            return nil
        default:
            world.inputs.units[world.inputs.units.firstIndex { $0.id == unit }!].name += " mới"
            return nil
        }
        return ["tinh", commune, unit]
    }

    @Test func aPageSaidUnchangedRendersTheSameAndAChangeReachesItsPages() throws {
        var random = SplitMix(seed: 766)
        let site = StaticSite(directory: URL(fileURLWithPath: "/nonexistent"))
        for _ in 0..<10 {
            var world = Self.world(&random)
            let before = world.published()
            let touched = Self.change(&world, &random)
            let after = world.published()
            let frame = PageInputs.sameFrame(before.snapshot, alerts: nil, after.snapshot, alerts: nil)
            #expect(frame == (touched != nil), "tasks and units are every page's")
            let children = PageInputs.children(after.snapshot.units)
            for request in site.requests(for: after.snapshot) {
                let unit = request.unitID ?? "tinh"
                let same =
                    frame
                    && PageInputs.sameFigures(
                        unit: unit, children: children[unit] ?? [], before.snapshot, history: before.history, after.snapshot, history: after.history)
                let rendered = try [before, after].map {
                    try StatusPage.render($0.snapshot, history: $0.history, request: request, links: .files, layout: $0.layout)
                }
                if same { #expect(rendered[0] == rendered[1], "\(request) said unchanged") }
                if let touched, touched.contains(unit) { #expect(!same, "\(request) shows the change") }
                if let touched, !touched.contains(unit) { #expect(same, "\(request) does not show it: left alone") }
            }
        }
    }
}

/// A seeded generator: the same changes at every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

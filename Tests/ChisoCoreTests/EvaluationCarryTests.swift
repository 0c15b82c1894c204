import ChisoCore
import Foundation
import Testing

/// An evaluation that copies unchanged units from the previous pass (`EvaluationCarry`) says
/// exactly what a fresh evaluation of the same inputs says: random batches of changed tallies,
/// procedures, manual rows, units and instants (over a month boundary), figure by figure; the
/// one made in pieces of units on several threads as the one made in one.
@Suite struct EvaluationCarryTests {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let calendar = PlanCalendar(timeZone: zone)
    static let evaluator = Evaluator(catalogue: .builtIn, calendar: calendar)

    static let units: [ChisoCore.Unit] = {
        var units = [Unit(id: "p", parentID: nil, name: "Province", kind: "province")]
        for commune in 0..<3 {
            units.append(Unit(id: "p/c\(commune)", parentID: "p", name: "Commune \(commune)", kind: "commune"))
            for department in 0..<2 {
                units.append(Unit(id: "p/c\(commune)/d\(department)", parentID: "p/c\(commune)", name: "Dept", kind: "department"))
            }
        }
        return units
    }()
    static let procedures = ["P1", "P2", "P3"]
    static let manualIndicators =
        Catalogue.builtIn.indicators.filter { $0.source == .manual }.map(\.id)
        + QD766Table.builtIn.indicators.map(\.id)

    /// One random change: a tally, a paid procedure, a procedure use, a manual row, a new unit
    /// or a catalogue figure; most touch one unit (what a refresh after a few dossiers sees).
    static func change(_ inputs: inout KPIInputs, asOf: Date, random: inout LinearCongruential) {
        let unit = inputs.units.randomElement(using: &random)!.id
        let period = PeriodKind.allCases.randomElement(using: &random)!
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<12:
            let indicator = ComputedIndicator.allCases.filter { $0.rollup == .sum }.randomElement(using: &random)!
            let denominator = Int.random(in: 0...9, using: &random)
            inputs.tallies[TallyKey(unitID: unit, period: period, indicator: indicator)] = Tally(
                numerator: Decimal(Int.random(in: 0...denominator, using: &random)), denominator: Decimal(denominator))
        case 12..<14:
            inputs.paidProcedures.append(
                PaidProcedure(
                    unitID: unit, period: period, procedureCode: procedures.randomElement(using: &random)!, paidOnline: Bool.random(using: &random)))
        case 14..<16:
            inputs.procedureUses.append(
                ProcedureUse(
                    unitID: unit, period: period, procedureCode: procedures.randomElement(using: &random)!,
                    indicator: [.onlineServicesUsed, .feeProceduresPaidOnline].randomElement(using: &random)!))
        case 16..<18:
            // Recorded before or after T (a later row exists only for a later pass).
            let day = calendar.localDate(of: asOf)
            inputs.manualValues.append(
                ManualValue(
                    indicator: manualIndicators.randomElement(using: &random)!, unitID: unit,
                    periodEnd: day.adding(days: -Int.random(in: 0...40, using: &random)),
                    numerator: Decimal(Int.random(in: 0...4, using: &random)), denominator: 4,
                    recordedAt: asOf.addingTimeInterval(Double(Int.random(in: -86_400...3_600, using: &random)))))
        case 18:
            inputs.units.append(Unit(id: "\(unit)/n\(inputs.units.count)", parentID: unit, name: "New", kind: "department"))
        default:
            inputs.catalogueTallies[.proceduresPublished] = Tally(numerator: Decimal(Int.random(in: 0...5, using: &random)), denominator: 5)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func copyingUnchangedUnitsSaysWhatAFreshEvaluationSays(seed: UInt64) {
        var random = LinearCongruential(state: seed)
        var inputs = KPIInputs(units: Self.units)
        var asOf = Self.calendar.parseInstant("2026-06-29T10:00:00+07:00")!
        for _ in 0..<30 { Self.change(&inputs, asOf: asOf, random: &random) }
        var carry = Self.evaluator.evaluate(inputs, asOf: asOf, refreshedAt: asOf, reusing: nil).carry
        var copiedSome = false
        for _ in 0..<25 {
            for _ in 0..<Int.random(in: 0...2, using: &random) { Self.change(&inputs, asOf: asOf, random: &random) }
            // Now and then T crosses midnight (on the 30th: into July, a new month and quarter).
            if Int.random(in: 0..<5, using: &random) == 0 { asOf = asOf.addingTimeInterval(Double(Int.random(in: 1...30, using: &random) * 3_600)) }
            // In pieces of units on several threads (boundaries inside communes), against one piece.
            var inPieces = Self.evaluator
            inPieces.pieces = 3
            var whole = Self.evaluator
            whole.pieces = 1
            let (carried, next) = inPieces.evaluate(inputs, asOf: asOf, refreshedAt: asOf, reusing: carry)
            let fresh = whole.evaluate(inputs, asOf: asOf, refreshedAt: asOf)
            // Figure by figure: the first difference, if any, is what the failure shows.
            #expect(carried.results.count == fresh.results.count)
            #expect(zip(carried.results, fresh.results).first { $0 != $1 }.map { "\($0) instead of \($1)" } == nil)
            #expect(carried.qd766.count == fresh.qd766.count)
            #expect(zip(carried.qd766, fresh.qd766).first { $0 != $1 }.map { "\($0.unitID) \($0.period): \($0.score) instead of \($1.score)" } == nil)
            #expect(carried.units == fresh.units)
            // Each unit's results are found where they are (the ranges come from the evaluator's offsets).
            for unit in fresh.units.map(\.id) {
                #expect(Array(carried.results(of: unit)) == carried.results.filter { $0.unitID == unit })
                #expect(Array(fresh.results(of: unit)) == fresh.results.filter { $0.unitID == unit })
            }
            if next.unitsEvaluated < fresh.units.count { copiedSome = true }
            carry = next
        }
        // Otherwise the test would not have exercised the copying at all.
        #expect(copiedSome)
    }

    @Test func onlyTheChangedUnitAndThoseAboveItAreEvaluatedAgain() {
        var inputs = KPIInputs(units: Self.units)
        let asOf = Self.calendar.parseInstant("2026-06-15T10:00:00+07:00")!
        let first = Self.evaluator.evaluate(inputs, asOf: asOf, refreshedAt: asOf, reusing: nil)
        #expect(first.carry.unitsEvaluated == Self.units.count)
        inputs.tallies[TallyKey(unitID: "p/c1/d0", period: .month, indicator: .dossiersOnTime)] = Tally(numerator: 1, denominator: 2)
        let second = Self.evaluator.evaluate(inputs, asOf: asOf, refreshedAt: asOf, reusing: first.carry)
        // The department, its commune and the province; of their results and estimates only the
        // month's on-time figure and month estimate were made again (their other tallies are the same).
        #expect(second.carry.unitsEvaluated == 3)
        #expect(first.carry.resultsMade == first.snapshot.results.count)
        #expect(first.carry.estimatesMade == first.snapshot.qd766.count)
        #expect(second.carry.resultsMade == 3)
        #expect(second.carry.estimatesMade == 3)
        #expect(second.snapshot.result("dossiers_on_time", unit: "p", period: .month)?.tally == Tally(numerator: 1, denominator: 2))
        // A manual row recorded by T: every unit again (a province-wide row is inherited).
        inputs.manualValues.append(
            ManualValue(
                indicator: Self.manualIndicators[0], unitID: "p", periodEnd: Self.calendar.localDate(of: asOf), numerator: 1, denominator: 2,
                recordedAt: asOf.addingTimeInterval(-60)))
        let third = Self.evaluator.evaluate(inputs, asOf: asOf, refreshedAt: asOf, reusing: second.carry)
        #expect(third.carry.unitsEvaluated == Self.units.count)
    }
}

/// Knuth's MMIX linear congruential generator, the high bits folded in: the same seed, the same batches.
struct LinearCongruential: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
    }
}

import Foundation
import Testing

@testable import ChisoCore

/// The estimator places totals in bands by integer hundredths (`QD766Estimator.Layout.band`): it
/// must place every total where the table's decimal comparison does.
@Suite struct QD766BandTests {
    @Test func everyTotalInHundredthsFallsInTheTablesBand() {
        let table = QD766Table.builtIn
        let layout = QD766Estimator(table: table).layout
        #expect(layout.bandMinimums != nil)
        for hundredths in -100...10_100 {
            let score = Decimal(hundredths) / 100
            #expect(layout.band(for: score, in: table)?.id == table.band(for: score)?.id, "\(score)")
        }
        // Not whole hundredths (a manual total is not rounded): the decimal comparison decides.
        for text in ["89.995", "79.9999", "90.001", "69.999999"] {
            let score = Decimal(string: text)!
            #expect(layout.band(for: score, in: table)?.id == table.band(for: score)?.id, "\(text)")
        }
    }

    @Test func aTableWithAMinimumBetweenHundredthsIsPlacedByDecimals() {
        var table = QD766Table.builtIn
        table.bands[1].minimum = Decimal(string: "79.995")!
        let layout = QD766Estimator(table: table).layout
        #expect(layout.bandMinimums == nil)
        #expect(layout.band(for: Decimal(string: "79.99")!, in: table)?.id == table.band(for: Decimal(string: "79.99")!)?.id)
        #expect(layout.band(for: 80, in: table)?.id == table.bands[1].id)
    }
}

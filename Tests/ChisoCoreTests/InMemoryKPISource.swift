import ChisoCore
import Foundation

/// A `KPISource` that returns fixed inputs: for tests of everything above storage.
struct InMemoryKPISource: KPISource {
    var inputs: KPIInputs
    init(inputs: KPIInputs) { self.inputs = inputs }
    func loadInputs(asOf: Date, calendar: PlanCalendar) async throws -> KPIInputs { inputs }
}

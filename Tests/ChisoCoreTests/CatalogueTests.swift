import ChisoCore
import Foundation
import Testing

@Suite struct CatalogueTests {
    @Test func theBuiltInCatalogueHoldsThe42IndicatorsOfThePlan() {
        let catalogue = Catalogue.builtIn
        #expect(catalogue.indicators.count == 42)
        #expect(catalogue.problems().isEmpty)
        // indicators.md's 20 computed ones; the figures only the QĐ 766 estimate uses are not in the plan's catalogue.
        let computed = catalogue.indicators.filter { $0.source == .computed }.map(\.id)
        #expect(computed.count == 20 && computed.allSatisfy { ComputedIndicator(rawValue: $0) != nil })
        #expect(ComputedIndicator.allCases.count == 26)
        #expect(catalogue.indicators.filter { $0.source == .manual }.count == 22)
        let signed = catalogue.definition("documents_signed")
        #expect(signed?.comparator == .greaterThan)
        #expect(signed?.target == Decimal(string: "0.7"))
        #expect(catalogue.definition("staff_within_quota")?.comparator == .lessOrEqual)
        #expect(catalogue.definition("dossiers_on_time")?.target == Decimal(string: "0.98"))
        #expect(catalogue.defaultWarningMargin == Decimal(string: "0.05"))
    }

    func problems(_ json: String) -> [String] {
        do {
            _ = try CatalogueFile.decode(Data(json.utf8))
            return []
        } catch let error as CatalogueFile.Invalid {
            return error.problems.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    func indicator(_ id: String, source: String = "manual", comparator: String = ">=", target: String = "1") -> String {
        #"{"id": "\#(id)", "plan_ref": "I.1", "source": "\#(source)", "comparator": "\#(comparator)", "target": \#(target), "name_vi": "v", "name_en": "e"}"#
    }

    @Test func namesEveryProblem() {
        let json = """
            {"indicators": [
              \(indicator("dossiers_on_time", source: "computed")),
              \(indicator("dossiers_on_time", source: "computed")),
              \(indicator("made_up", source: "computed")),
              \(indicator("bad_cmp", comparator: "=>")),
              \(indicator("too_high", target: "1.5")),
              \(indicator("negative", target: "-0.1"))
            ]}
            """
        #expect(
            problems(json) == [
                "catalogue: indicator bad_cmp: bad comparator '=>'; expected one of >, >=, <, <=",
                "catalogue: indicator dossiers_on_time: duplicate id",
                "catalogue: indicator made_up: unknown id for a computed indicator (known: \(ComputedIndicator.allCases.map(\.rawValue).joined(separator: ", ")))",
                "catalogue: indicator too_high: target 1.5 is out of range 0..1",
                "catalogue: indicator negative: target -0.1 is out of range 0..1",
            ])
    }

    @Test func malformedJSONIsOneProblem() {
        #expect(problems("{\"indicators\": [") == ["catalogue: not a valid catalogue JSON document: malformed JSON"])
        #expect(problems("{}") == ["catalogue: not a valid catalogue JSON document: missing key 'indicators' at top level"])
    }

    @Test func aCommuneCanChangeATargetInData() throws {
        let catalogue = try CatalogueFile.decode(
            Data(
                """
                {"plan": "KH 2027", "default_warning_margin": 0.1, "indicators": [\(indicator("documents_signed", source: "computed", comparator: ">", target: "0.8"))]}
                """.utf8))
        #expect(catalogue.plan == "KH 2027")
        #expect(catalogue.definition("documents_signed")?.target == Decimal(string: "0.8"))
        #expect(catalogue.margin(for: catalogue.indicators[0]) == Decimal(string: "0.1"))
    }
}

extension CatalogueTests {
    func problems(entry extra: String) -> [String] {
        problems(
            #"{"indicators": [{"id": "x_y", "plan_ref": "I.1", "source": "manual", "comparator": ">=", "target": 1, "name_vi": "v", "name_en": "e", \#(extra)}]}"#
        )
    }

    @Test func theLeadUnitAndTheClosingPhrasesAreChecked() {
        #expect(problems(entry: #""closes_by": "later""#) == ["catalogue: indicator x_y: closes_by 'later'; expected existing or new"])
        #expect(
            problems(entry: #""close_vi": "cần thêm văn bản""#) == [
                "catalogue: indicator x_y: close_vi has no {n} for the amount: 'cần thêm văn bản'"
            ])
        #expect(problems(entry: #""lead_unit": """#) == ["catalogue: indicator x_y: lead_unit is empty"])
        #expect(problems(entry: #""lead_unit": "Phòng Kinh tế", "closes_by": "new", "close_vi": "cần {n} hồ sơ", "miss_en": "{n} late""#).isEmpty)
    }

    /// Every computed target of the plan says who leads it and how its gap is closed.
    @Test func theBuiltInCatalogueNamesLeadsAndAmounts() {
        for definition in Catalogue.builtIn.indicators {
            #expect(definition.leadUnit != nil, "\(definition.id) has no lead_unit")
            if definition.source == .computed {
                #expect(definition.closeVI != nil && definition.closeEN != nil && definition.closesBy != nil, "\(definition.id)")
                if definition.closesBy == .new && definition.target == 1 { #expect(definition.missVI != nil, "\(definition.id)") }
            }
        }
        #expect(Catalogue.builtIn.definition("late_dossiers_apologised")?.closesBy == .existing)
        #expect(Catalogue.builtIn.definition("dossiers_on_time")?.closesBy == .new)
    }
}

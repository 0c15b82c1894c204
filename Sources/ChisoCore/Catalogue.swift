import Foundation

/// How an indicator's value is compared with its target.
public enum TargetComparator: String, Sendable, Codable, CaseIterable {
    case greaterThan = ">"
    case greaterOrEqual = ">="
    case lessThan = "<"
    case lessOrEqual = "<="

    /// The sign as printed on the page (`≥ 98 %`).
    public var symbol: String {
        switch self {
        case .greaterThan: ">"
        case .greaterOrEqual: "≥"
        case .lessThan: "<"
        case .lessOrEqual: "≤"
        }
    }

    /// Whether a bigger value is better; decides on which side of the target the warning margin lies.
    public var higherIsBetter: Bool { self == .greaterThan || self == .greaterOrEqual }
}

/// Where an indicator's figures come from.
public enum IndicatorSource: String, Sendable, Codable {
    /// Counted by chiso from the input tables; the formula is code (see `ComputedIndicator`).
    case computed
    /// Entered by hand in `manual_values`.
    case manual
}

/// One line of the catalogue: what is measured, against which target.
///
/// The catalogue is data, not code: a commune edits targets, names or margins in a JSON file
/// and restarts chiso; only the formulas of computed indicators are compiled in.
public struct IndicatorDefinition: Sendable, Equatable, Codable {
    public var id: String
    public var planRef: String
    public var source: IndicatorSource
    public var comparator: TargetComparator
    public var target: Decimal
    public var nameVI: String
    public var nameEN: String
    /// Percentage points (as a fraction, 0.05 = 5 pp) below a `>=` target, or above a `<=` one,
    /// that still count as `at_risk` rather than `missed`. Nil: the catalogue's default.
    public var warningMargin: Decimal?
    /// A short name for narrow places (column headers of the units table); the full name when absent.
    public var shortVI: String?
    public var shortEN: String?
    /// The unit that leads the work behind the figure, as the plan's appendix names it
    /// ("Trung tâm Phục vụ hành chính công"): a name, not an id, so that one catalogue serves every
    /// commune of a province (each has its own centre); a page links it when one unit below bears it.
    public var leadUnit: String?
    /// How a shortfall is made up (cases already counted, or only new ones); nil: `existing`.
    public var closesBy: GapClosing?
    /// What closes the gap, with `{n}` for the amount ("cần thêm {n} văn bản xin lỗi").
    public var closeVI: String?
    public var closeEN: String?
    /// For a `new` target that the period can no longer reach: the misses, with `{n}` ("{n} hồ sơ đã trễ hạn").
    public var missVI: String?
    public var missEN: String?

    public init(
        id: String, planRef: String, source: IndicatorSource, comparator: TargetComparator, target: Decimal,
        nameVI: String, nameEN: String, warningMargin: Decimal? = nil, shortVI: String? = nil, shortEN: String? = nil
    ) {
        self.shortVI = shortVI
        self.shortEN = shortEN
        self.id = id
        self.planRef = planRef
        self.source = source
        self.comparator = comparator
        self.target = target
        self.nameVI = nameVI
        self.nameEN = nameEN
        self.warningMargin = warningMargin
    }

    enum CodingKeys: String, CodingKey {
        case id, source, comparator, target
        case planRef = "plan_ref"
        case nameVI = "name_vi"
        case nameEN = "name_en"
        case warningMargin = "warning_margin"
        case shortVI = "short_vi"
        case shortEN = "short_en"
        case leadUnit = "lead_unit"
        case closesBy = "closes_by"
        case closeVI = "close_vi"
        case closeEN = "close_en"
        case missVI = "miss_vi"
        case missEN = "miss_en"
    }
}

/// A section of the plan (`I.2` "Cải cách thủ tục hành chính"): the page groups indicators by it.
public struct PlanSection: Sendable, Equatable, Codable {
    public var ref: String
    public var nameVI: String
    public var nameEN: String

    public init(ref: String, nameVI: String, nameEN: String) {
        self.ref = ref
        self.nameVI = nameVI
        self.nameEN = nameEN
    }

    /// Whether an indicator's plan reference (`II.1`) falls under this section (`II`).
    public func contains(planRef: String) -> Bool {
        planRef == ref || planRef.hasPrefix(ref + ".")
    }

    enum CodingKeys: String, CodingKey {
        case ref
        case nameVI = "name_vi"
        case nameEN = "name_en"
    }
}

/// The indicator catalogue in force.
public struct Catalogue: Sendable, Equatable {
    public var plan: String
    /// The plan's name in English (`plan_en`), for the English page; nil: the Vietnamese one.
    public var planEN: String?
    public var defaultWarningMargin: Decimal
    /// The plan's sections, in plan order; indicators outside every section get a group of their own.
    public var sections: [PlanSection]
    public var indicators: [IndicatorDefinition]
    /// The sections of the plan's appendix of tasks (I … VII), in order: a task's `plan_ref` starts
    /// with one ("II.10"); the periodic report groups tasks by them.
    public var taskSections: [PlanSection] = []

    public init(
        plan: String, defaultWarningMargin: Decimal = Decimal(string: "0.05")!, sections: [PlanSection] = [], indicators: [IndicatorDefinition]
    ) {
        self.plan = plan
        self.defaultWarningMargin = defaultWarningMargin
        self.sections = sections
        self.indicators = indicators
    }

    /// The indicators grouped by plan section, sections in plan order, indicators in catalogue order.
    public func grouped() -> [(section: PlanSection, indicators: [IndicatorDefinition])] {
        var groups: [(section: PlanSection, indicators: [IndicatorDefinition])] = sections.map { ($0, []) }
        for indicator in indicators {
            if let index = groups.firstIndex(where: { $0.section.contains(planRef: indicator.planRef) }) {
                groups[index].indicators.append(indicator)
            } else {
                groups.append((PlanSection(ref: indicator.planRef, nameVI: indicator.planRef, nameEN: indicator.planRef), [indicator]))
            }
        }
        return groups.filter { !$0.indicators.isEmpty }
    }

    public func margin(for indicator: IndicatorDefinition) -> Decimal {
        indicator.warningMargin ?? defaultWarningMargin
    }

    public func definition(_ id: String) -> IndicatorDefinition? {
        indicators.first { $0.id == id }
    }

    /// The catalogue of xã Bắc Bình's 2026 plan, compiled in from `Catalogue/catalogue-2026.json`.
    public static let builtIn: Catalogue = {
        do {
            return try CatalogueFile.decode(Data(PackageResources.catalogue_2026_json))
        } catch {
            preconditionFailure("the built-in catalogue does not decode: \(error)")
        }
    }()
}

/// A problem found in a catalogue; `check-config` prints each on its own line.
public struct CatalogueProblem: Sendable, Equatable, CustomStringConvertible {
    public var indicator: String?
    public var message: String

    public init(indicator: String?, message: String) {
        self.indicator = indicator
        self.message = message
    }

    public var description: String {
        if let indicator { return "catalogue: indicator \(indicator): \(message)" }
        return "catalogue: \(message)"
    }
}

extension Catalogue {
    /// Every problem of this catalogue, in file order; empty when it is sound.
    public func problems() -> [CatalogueProblem] {
        var problems: [CatalogueProblem] = []
        var seen: Set<String> = []
        let idPattern = /^[a-z][a-z0-9_]*$/
        if defaultWarningMargin < 0 || defaultWarningMargin > 1 {
            problems.append(.init(indicator: nil, message: "default_warning_margin \(defaultWarningMargin) is outside 0..1"))
        }
        for indicator in indicators {
            let id = indicator.id
            if !seen.insert(id).inserted {
                problems.append(.init(indicator: id, message: "duplicate id"))
            }
            if (try? idPattern.wholeMatch(in: id)) == nil || id.isEmpty {
                problems.append(.init(indicator: id, message: "id must be lower-case letters, digits and underscores"))
            }
            if indicator.source == .computed, ComputedIndicator(rawValue: id) == nil {
                problems.append(
                    .init(
                        indicator: id,
                        message: "unknown id for a computed indicator (known: \(ComputedIndicator.allCases.map(\.rawValue).joined(separator: ", ")))")
                )
            }
            if indicator.source == .manual, ComputedIndicator(rawValue: id) != nil {
                problems.append(.init(indicator: id, message: "is a computed indicator but declared with source manual"))
            }
            // A ratio target: 0..1, except that a ceiling (`<`, `<=`) may sit a little above 1 (spending growth, quotas).
            let upper: Decimal = indicator.comparator.higherIsBetter ? 1 : 10
            if indicator.target < 0 || indicator.target > upper {
                problems.append(.init(indicator: id, message: "target \(indicator.target) is out of range 0..\(upper)"))
            }
            if let margin = indicator.warningMargin, margin < 0 || margin > 1 {
                problems.append(.init(indicator: id, message: "warning_margin \(margin) is outside 0..1"))
            }
            if indicator.nameVI.isEmpty { problems.append(.init(indicator: id, message: "name_vi is empty")) }
            if indicator.nameEN.isEmpty { problems.append(.init(indicator: id, message: "name_en is empty")) }
            if indicator.planRef.isEmpty { problems.append(.init(indicator: id, message: "plan_ref is empty")) }
            if indicator.leadUnit?.isEmpty == true { problems.append(.init(indicator: id, message: "lead_unit is empty")) }
            for (key, phrase) in [
                ("close_vi", indicator.closeVI), ("close_en", indicator.closeEN), ("miss_vi", indicator.missVI), ("miss_en", indicator.missEN),
            ] {
                if let phrase, !phrase.contains("{n}") {
                    problems.append(.init(indicator: id, message: "\(key) has no {n} for the amount: '\(phrase)'"))
                }
            }
        }
        return problems
    }
}

/// The JSON form of a catalogue file (the built-in one, or one named by `catalogue` in the config).
public enum CatalogueFile {
    struct Document: Codable {
        var version: Int?
        var plan: String?
        var planEN: String?
        var defaultWarningMargin: Decimal?
        var sections: [PlanSection]?
        var taskSections: [PlanSection]?
        var indicators: [RawIndicator]

        enum CodingKeys: String, CodingKey {
            case version, plan, indicators, sections
            case taskSections = "task_sections"
            case planEN = "plan_en"
            case defaultWarningMargin = "default_warning_margin"
        }
    }

    /// Decoded leniently (strings for enums) so that a bad comparator is reported by name, not as a decoding error.
    struct RawIndicator: Codable {
        var id: String
        var planRef: String?
        var source: String?
        var comparator: String?
        var target: Decimal?
        var nameVI: String?
        var nameEN: String?
        var warningMargin: Decimal?
        var shortVI: String?
        var shortEN: String?
        var leadUnit: String?
        var closesBy: String?
        var closeVI: String?
        var closeEN: String?
        var missVI: String?
        var missEN: String?

        /// The same keys as the definition's.
        typealias CodingKeys = IndicatorDefinition.CodingKeys
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var problems: [CatalogueProblem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// Decodes a catalogue and checks it; throws `Invalid` listing every problem.
    public static func decode(_ data: Data) throws -> Catalogue {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw Invalid(problems: [.init(indicator: nil, message: "not a valid catalogue JSON document: \(describe(error))")])
        }
        var problems: [CatalogueProblem] = []
        var indicators: [IndicatorDefinition] = []
        for raw in document.indicators {
            let source = raw.source.flatMap(IndicatorSource.init(rawValue:))
            let comparator = raw.comparator.flatMap(TargetComparator.init(rawValue:))
            if source == nil {
                problems.append(
                    .init(indicator: raw.id, message: "source \(raw.source.map { "'\($0)'" } ?? "is missing"); expected computed or manual"))
            }
            if comparator == nil {
                problems.append(
                    .init(
                        indicator: raw.id, message: "bad comparator \(raw.comparator.map { "'\($0)'" } ?? "(missing)"); expected one of >, >=, <, <=")
                )
            }
            if raw.target == nil { problems.append(.init(indicator: raw.id, message: "target is missing")) }
            let closesBy = raw.closesBy.flatMap(GapClosing.init(rawValue:))
            if let given = raw.closesBy, closesBy == nil {
                problems.append(.init(indicator: raw.id, message: "closes_by '\(given)'; expected existing or new"))
            }
            guard let source, let comparator, let target = raw.target else { continue }
            var definition = IndicatorDefinition(
                id: raw.id, planRef: raw.planRef ?? "", source: source, comparator: comparator, target: target,
                nameVI: raw.nameVI ?? "", nameEN: raw.nameEN ?? "", warningMargin: raw.warningMargin,
                shortVI: raw.shortVI, shortEN: raw.shortEN)
            definition.leadUnit = raw.leadUnit
            definition.closesBy = closesBy
            (definition.closeVI, definition.closeEN) = (raw.closeVI, raw.closeEN)
            (definition.missVI, definition.missEN) = (raw.missVI, raw.missEN)
            indicators.append(definition)
        }
        var catalogue = Catalogue(
            plan: document.plan ?? "",
            defaultWarningMargin: document.defaultWarningMargin ?? Decimal(string: "0.05")!,
            sections: document.sections ?? [],
            indicators: indicators)
        catalogue.planEN = document.planEN
        catalogue.taskSections = document.taskSections ?? []
        problems += catalogue.problems()
        if !problems.isEmpty { throw Invalid(problems: problems) }
        return catalogue
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath))"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "malformed JSON" : "bad value at \(path(context.codingPath))"
        default:
            return "\(error)"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.isEmpty ? "top level" : String(text.drop { $0 == "." })
    }
}

import Foundation

/// The QĐ 766 scoring table (`qd766.md`): six groups, their sub-indicators with maxima, rules,
/// "no data" points and where chiso takes each figure from, and the bands on the total.
///
/// Data, like the catalogue: the portal has changed thresholds over the years, so a commune edits
/// `qd766-2026.json` (or names its own file with the `qd766` setting) without a rebuild.
public struct QD766Table: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        /// `CKMB`, `TDGQ`, `CLGQ`, `TTTT`, `MDSH`, `MDHL`.
        public var id: String
        public var nameVI: String
        public var nameEN: String
        public var max: Decimal
    }

    public enum Rule: Sendable, Equatable {
        /// points = M × r.
        case linear
        /// points = M × min(1, r / T): full points from the threshold T up.
        case threshold(Decimal)
    }

    public enum Source: Sendable, Equatable {
        /// Only from `manual_values` rows; `inherited`: a unit without its own row takes its
        /// nearest ancestor's (figures the province sets for every commune).
        case manual(inherited: Bool)
        /// A figure chiso computes (`= dossiers_on_time` in qd766.md); a manual row still wins.
        case figure(ComputedIndicator)
    }

    public struct SubIndicator: Sendable, Equatable {
        /// `qd766.dossier_sync`: also the `manual_values.indicator` that overrides it.
        public var id: String
        public var group: String
        /// The portal's numbering (`1.4`, `3.5a`).
        public var ref: String
        public var nameVI: String
        public var nameEN: String
        public var max: Decimal
        public var rule: Rule
        /// The points given when the denominator is 0.
        public var noDataPoints: Decimal
        public var source: Source
        /// Another sub-indicator whose ratio multiplies this one's computed ratio (3.3 × the sync ratio of 1.4).
        public var times: String?
        /// What raises it, with `{n}` for the amount ("đồng bộ thêm {n} hồ sơ lên Cổng DVCQG").
        public var actionVI: String = ""
        public var actionEN: String = ""

        /// The id without `qd766.` (the metrics' `indicator` label).
        public var shortID: String { id.hasPrefix("qd766.") ? String(id.dropFirst(6)) : id }
    }

    public struct Band: Sendable, Equatable {
        /// `xuat_sac`, `tot`, `kha`, `trung_binh`, `yeu`.
        public var id: String
        public var minimum: Decimal
        public var nameVI: String
        public var nameEN: String
    }

    public var decision: String
    public var groups: [Group]
    public var indicators: [SubIndicator]
    /// Highest minimum first.
    public var bands: [Band]

    public init(decision: String, groups: [Group], indicators: [SubIndicator], bands: [Band]) {
        self.decision = decision
        self.groups = groups
        self.indicators = indicators
        self.bands = bands.sorted { $0.minimum > $1.minimum }
    }

    /// The band a total falls in: the first whose minimum it reaches.
    public func band(for score: Decimal) -> Band? {
        bands.first { score >= $0.minimum } ?? bands.last
    }

    public func group(_ id: String) -> Group? { groups.first { $0.id == id } }

    /// The table of `qd766.md` (2026), compiled in from `Catalogue/qd766-2026.json`.
    public static let builtIn: QD766Table = {
        do {
            return try QD766TableFile.decode(Data(PackageResources.qd766_2026_json))
        } catch {
            preconditionFailure("the built-in QĐ 766 table does not decode: \(error)")
        }
    }()

    /// Every problem of the table, in file order; empty when it is sound.
    public func problems() -> [String] {
        var problems: [String] = []
        var seen: Set<String> = []
        for indicator in indicators {
            let at = "indicator \(indicator.id)"
            if !seen.insert(indicator.id).inserted { problems.append("\(at): duplicate id") }
            if !indicator.id.hasPrefix("qd766.") { problems.append("\(at): the id must start with qd766.") }
            if group(indicator.group) == nil { problems.append("\(at): unknown group \(indicator.group)") }
            if indicator.max <= 0 { problems.append("\(at): max must be above 0") }
            if indicator.noDataPoints < 0 || indicator.noDataPoints > indicator.max {
                problems.append("\(at): no_data \(indicator.noDataPoints) is outside 0..\(indicator.max)")
            }
            if case .threshold(let threshold) = indicator.rule, threshold <= 0 || threshold > 1 {
                problems.append("\(at): threshold \(threshold) is outside (0, 1]")
            }
            if let times = indicator.times,
                !indicators.prefix(while: { $0.id != indicator.id }).contains(where: { $0.id == times && $0.times == nil })
            {
                problems.append("\(at): times names \(times), which is not an earlier sub-indicator without a times of its own")
            }
        }
        for group in groups {
            let sum = indicators.filter { $0.group == group.id }.reduce(Decimal(0)) { $0 + $1.max }
            if sum != group.max { problems.append("group \(group.id): max \(group.max) but its sub-indicators' maxima add up to \(sum)") }
        }
        if bands.isEmpty { problems.append("bands: at least one band is needed") }
        if Set(bands.map(\.id)).count != bands.count { problems.append("bands: duplicate band") }
        return problems
    }
}

/// The JSON form of a QĐ 766 table (the built-in one, or the file named by the `qd766` setting).
public enum QD766TableFile {
    struct Document: Decodable {
        var decision: String?
        var groups: [RawGroup]
        var bands: [RawBand]
        var indicators: [RawIndicator]
    }

    struct RawGroup: Decodable {
        var group: String
        var nameVI: String?
        var nameEN: String?
        var max: Decimal
        enum CodingKeys: String, CodingKey {
            case group, max
            case nameVI = "name_vi"
            case nameEN = "name_en"
        }
    }

    struct RawBand: Decodable {
        var band: String
        var min: Decimal
        var nameVI: String?
        var nameEN: String?
        enum CodingKeys: String, CodingKey {
            case band, min
            case nameVI = "name_vi"
            case nameEN = "name_en"
        }
    }

    struct RawIndicator: Decodable {
        var id: String
        var group: String
        var ref: String?
        var nameVI: String?
        var nameEN: String?
        var max: Decimal
        var rule: String
        var threshold: Decimal?
        var noData: Decimal?
        var source: String
        var inherited: Bool?
        var times: String?
        var actionVI: String?
        var actionEN: String?
        enum CodingKeys: String, CodingKey {
            case id, group, ref, max, rule, threshold, source, inherited, times
            case nameVI = "name_vi"
            case nameEN = "name_en"
            case noData = "no_data"
            case actionVI = "action_vi"
            case actionEN = "action_en"
        }
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var problems: [String]
        public var description: String { problems.map { "qd766 table: \($0)" }.joined(separator: "\n") }
    }

    /// Decodes a table and checks it; throws `Invalid` listing every problem.
    public static func decode(_ data: Data) throws(Invalid) -> QD766Table {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw Invalid(problems: ["not a valid QĐ 766 table JSON document: \(error)"])
        }
        var problems: [String] = []
        var indicators: [QD766Table.SubIndicator] = []
        for raw in document.indicators {
            let rule: QD766Table.Rule
            switch (raw.rule, raw.threshold) {
            case ("linear", nil): rule = .linear
            case ("threshold", let threshold?): rule = .threshold(threshold)
            default:
                problems.append("indicator \(raw.id): rule '\(raw.rule)' (expected linear, or threshold with a threshold)")
                continue
            }
            let source: QD766Table.Source
            if raw.source == "manual" {
                source = .manual(inherited: raw.inherited ?? false)
            } else if let figure = ComputedIndicator(rawValue: raw.source) {
                source = .figure(figure)
            } else {
                problems.append("indicator \(raw.id): source '\(raw.source)' is neither manual nor a computed figure")
                continue
            }
            var indicator = QD766Table.SubIndicator(
                id: raw.id, group: raw.group, ref: raw.ref ?? "", nameVI: raw.nameVI ?? raw.id, nameEN: raw.nameEN ?? raw.id, max: raw.max,
                rule: rule, noDataPoints: raw.noData ?? 0, source: source, times: raw.times)
            indicator.actionVI = raw.actionVI ?? ""
            indicator.actionEN = raw.actionEN ?? ""
            indicators.append(indicator)
        }
        let table = QD766Table(
            decision: document.decision ?? "",
            groups: document.groups.map { .init(id: $0.group, nameVI: $0.nameVI ?? $0.group, nameEN: $0.nameEN ?? $0.group, max: $0.max) },
            indicators: indicators,
            bands: document.bands.map { .init(id: $0.band, minimum: $0.min, nameVI: $0.nameVI ?? $0.band, nameEN: $0.nameEN ?? $0.band) })
        problems += table.problems()
        if !problems.isEmpty { throw Invalid(problems: problems) }
        return table
    }
}

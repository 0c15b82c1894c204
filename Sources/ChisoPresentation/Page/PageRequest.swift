import ChisoCore
import Foundation

/// Which page: the language, the period of the figures and the unit (nil: the root, the commune).
public struct PageRequest: Sendable, Hashable {
    public var language: Format.Language
    public var period: PeriodKind
    public var unitID: String?

    public init(language: Format.Language = .vi, period: PeriodKind = .year, unitID: String? = nil) {
        self.language = language
        self.period = period
        self.unitID = unitID
    }
}

/// How pages link to each other: served by chiso (`/?lang=en&period=quarter`) or as files in the
/// output directory (`en/quarter.html`), so that the copy on disk works opened from a folder.
public enum PageLinks: Sendable {
    case query
    case files
}

/// Why the page warns that its figures may be out of date.
public struct Staleness: Sendable, Equatable {
    /// When refreshing started to fail (or, for a silent daemon, the last success).
    public var since: Date?
    public init(since: Date?) { self.since = since }
}

/// Where each page of the static site lives, relative to the output directory.
///
/// `index.html`, `quarter.html`, `month.html`; the same under `en/`; a unit's pages under
/// `units/<slug>.html`, `units/<slug>.quarter.html`, `units/<slug>.month.html`.
public struct SiteLayout: Sendable {
    /// File-name-safe, unique names for the units (ids may hold `/` or other characters).
    public let slugs: [String: String]
    /// The tree and the names, made once per snapshot rather than once per page.
    public let tree: UnitTree
    public let names: [String: String]

    public init(units: [ChisoCore.Unit]) {
        tree = UnitTree(units)
        names = Dictionary(units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var slugs: [String: String] = [:]
        var taken: Set<String> = []
        for unit in units {
            let base = String(unit.id.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
            var slug = base.isEmpty ? "unit" : base
            var counter = 2
            while !taken.insert(slug).inserted {
                slug = "\(base)-\(counter)"
                counter += 1
            }
            slugs[unit.id] = slug
        }
        self.slugs = slugs
    }

    /// The page's path relative to the output directory; nil for an unknown unit.
    public func path(_ request: PageRequest, rootID: String?) -> String? {
        var path = request.language == .en ? "en/" : ""
        let suffix = request.period == .year ? "" : ".\(request.period.rawValue)"
        if let unit = request.unitID, unit != rootID {
            guard let slug = slugs[unit] else { return nil }
            path += "units/\(slug)\(suffix).html"
        } else {
            path += request.period == .year ? "index.html" : "\(request.period.rawValue).html"
        }
        return path
    }

    /// A link from the page at `from` to the page at `to`, both relative to the output directory.
    public static func relative(from: String, to: String) -> String {
        let depth = from.split(separator: "/").count - 1
        return String(repeating: "../", count: depth) + to
    }
}

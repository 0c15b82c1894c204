import ChisoCore
import ChisoPresentation
import Foundation

/// Writes the status pages as files into the output directory at every successful refresh, for
/// nginx, for opening from disk and for attaching to a mail. Each file is written to a temporary
/// name and renamed over the old one, so a reader never sees half a page.
///
/// Layout (`SiteLayout`): `index.html`, `quarter.html`, `month.html`, the same under `en/`, and
/// each unit's pages under `units/`. Unit pages are written for every unit up to
/// `unitPageLimit` units (a commune); above that (a province) only for the root's direct children,
/// and the others are served on demand at `/?unit=ID`.
public struct StaticSite: Sendable {
    public let directory: URL
    public let unitPageLimit: Int

    public init(directory: URL, unitPageLimit: Int = 300) {
        self.directory = directory
        self.unitPageLimit = unitPageLimit
    }

    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write the status page \(path): \(reason)" }
    }

    /// The pages written for a snapshot: every language and period, for the root and the units in scope.
    public func requests(for snapshot: Snapshot) -> [PageRequest] {
        let root = snapshot.units.first
        let below: [String] =
            snapshot.units.count <= unitPageLimit
            ? snapshot.units.dropFirst().map(\.id)
            : snapshot.units.filter { $0.parentID != nil && $0.parentID == root?.id }.map(\.id)
        let units: [String?] = [nil] + below.map { Optional($0) }
        var out: [PageRequest] = []
        for language in [Format.Language.vi, .en] {
            for unit in units {
                for period in PeriodKind.allCases {
                    out.append(PageRequest(language: language, period: period, unitID: unit))
                }
            }
        }
        return out
    }

    /// What a write did.
    public struct Written: Sendable, Equatable {
        /// Pages written, and pages left as they were (their figures unchanged since `previous`).
        public var pages = 0, unchanged = 0
        /// The size of the Vietnamese year page, when it was written.
        public var indexBytes = 0
    }

    /// Renders and writes the pages. With `previous`, the snapshot the files were last written
    /// from (all of them, without a stale banner), a unit's pages are written only when what they
    /// read changed (`PageInputs`); the others stay as they are, with their figures and their time.
    @discardableResult
    public func write(_ published: PublishedSnapshot, staleness: Staleness?, previous: PublishedSnapshot? = nil) throws -> Written {
        let snapshot = published.snapshot
        let layout = published.layout
        let rootID = snapshot.units.first?.id
        let children = PageInputs.children(snapshot.units)
        // The same figures as when the files were written (a carried-over snapshot): nothing to write.
        if let previous, staleness == nil, previous.figuresTag == published.figuresTag {
            return Written(unchanged: requests(for: snapshot).count)
        }
        let comparable = previous.flatMap { previous in
            staleness == nil && PageInputs.sameFrame(previous.snapshot, alerts: previous.alerts, snapshot, alerts: published.alerts) ? previous : nil
        }
        var unchangedUnits: [String: Bool] = [:]
        var written = Written()
        for request in requests(for: snapshot) {
            guard let path = layout.path(request, rootID: rootID), let unit = request.unitID ?? rootID else { continue }
            if let comparable {
                let unchanged =
                    unchangedUnits[unit]
                    ?? PageInputs.sameFigures(
                        unit: unit, children: children[unit] ?? [], comparable.snapshot, history: comparable.history, snapshot,
                        history: published.history)
                unchangedUnits[unit] = unchanged
                if unchanged {
                    written.unchanged += 1
                    continue
                }
            }
            let html = try StatusPage.render(
                snapshot, history: published.history, request: request, links: .files, staleness: staleness, layout: layout,
                alerts: published.alerts)
            let data = Data(html.utf8)
            if path == "index.html" { written.indexBytes = data.count }
            try writeAtomically(data, to: path)
            written.pages += 1
        }
        return written
    }

    /// Writes a page saying there are no figures yet (the daemon's first start), unless pages exist.
    public func writeWaitingIfEmpty(lastError: Bool) throws {
        let index = directory.appendingPathComponent("index.html")
        guard !FileManager.default.fileExists(atPath: index.path) else { return }
        try writeAtomically(Data(StatusPage.waiting(english: false, lastError: lastError).utf8), to: "index.html")
        try writeAtomically(Data(StatusPage.waiting(english: true, lastError: lastError).utf8), to: "en/index.html")
    }

    func writeAtomically(_ data: Data, to relativePath: String) throws {
        let target = directory.appendingPathComponent(relativePath)
        let folder = target.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: temporary)
            // rename(2) replaces the old file in one step.
            guard rename(temporary.path, target.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw WriteError(path: target.path, reason: reason)
            }
        } catch let error as WriteError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw WriteError(path: target.path, reason: "\(error.localizedDescription)")
        }
    }
}

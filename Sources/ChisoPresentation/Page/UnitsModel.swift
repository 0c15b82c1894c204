import ChisoCore
import Foundation

/// The units directly below this one, worst first, shown twice by the stylesheet:
/// - on desktop and in print, tables of at most `columnsPerTable` indicators, one plan section
///   after another (so every indicator of every unit is on screen and on paper, with no sideways
///   scrolling);
/// - on a phone, one compact block per unit: its worst figures and what it has overdue.
/// One column per computed indicator that rolls up (catalogue-wide figures are the same for
/// every unit, so not shown).
enum UnitsModel {
    /// Indicator columns of one table at most: with the unit's name, fits 1280 px and A4 portrait.
    static let columnsPerTable = 6
    /// Figures listed in a unit's phone block at most.
    static let worstPerBlock = 3

    static func columns(_ page: PageContext) -> [IndicatorDefinition] {
        page.snapshot.catalogue.indicators.filter {
            $0.source == .computed && ComputedIndicator(rawValue: $0.id).map { $0.rollup != .catalogue } == true
        }
    }

    /// One child's figures, in column order, with its counts for sorting.
    struct Ranked {
        var unit: ChisoCore.Unit
        var figures: [IndicatorResult?]
        var missed: Int
        var atRisk: Int
    }

    static func ranked(_ columns: [IndicatorDefinition], _ page: PageContext) -> [Ranked] {
        var rows = page.children.map { child -> Ranked in
            var byIndicator: [String: IndicatorResult] = [:]
            for figure in page.snapshot.results(of: child.id) where figure.period == page.request.period {
                byIndicator[figure.indicator] = figure
            }
            let figures = columns.map { byIndicator[$0.id] }
            return Ranked(
                unit: child, figures: figures, missed: figures.filter { $0?.status == .missed }.count,
                atRisk: figures.filter { $0?.status == .atRisk }.count)
        }
        rows.sort { ($1.missed, $1.atRisk, $0.unit.name) < ($0.missed, $0.atRisk, $1.unit.name) }
        return rows
    }

    static func tables(_ columns: [IndicatorDefinition], _ rows: [Ranked], _ page: PageContext) -> [StatusPageView.UnitTable] {
        guard !rows.isEmpty else { return [] }
        let lang = page.lang, vi = lang == .vi
        var tables: [StatusPageView.UnitTable] = []
        for group in page.snapshot.catalogue.grouped() {
            let indices = columns.indices.filter { index in group.indicators.contains { $0.id == columns[index].id } }
            let chunks = stride(from: 0, to: indices.count, by: columnsPerTable).map { Array(indices[$0..<min($0 + columnsPerTable, indices.count)]) }
            for (number, chunk) in chunks.enumerated() {
                let title = vi ? group.section.nameVI : group.section.nameEN
                let part = chunks.count > 1 ? " (\(number + 1)/\(chunks.count))" : ""
                let first = tables.isEmpty
                tables.append(
                    .init(
                        caption: "\(group.section.ref) \(title)\(part)",
                        headings: chunk.map { columnView(columns[$0], vi) },
                        rows: rows.map { row in
                            .init(
                                name: row.unit.name, href: page.href(unit: row.unit.id),
                                tasksCell: first ? Format.integer(page.snapshot.tasksOverdueByUnit[row.unit.id] ?? 0, lang) : nil,
                                cells: chunk.map { cell(row.figures[$0], lang) })
                        }, withTasks: first))
            }
        }
        return tables
    }

    static func blocks(_ columns: [IndicatorDefinition], _ rows: [Ranked], _ page: PageContext) -> [StatusPageView.UnitBlock] {
        let lang = page.lang, vi = lang == .vi
        return rows.map { row in
            let worst = row.figures.indices
                .compactMap { index in row.figures[index].map { (index, $0) } }
                .filter { $0.1.status == .missed || $0.1.status == .atRisk }
                .sorted { (rank($0.1.status), $0.0) < (rank($1.1.status), $1.0) }
                .prefix(worstPerBlock)
                .map { index, figure in
                    StatusPageView.BlockFigure(
                        name: columnView(columns[index], vi).short, text: figure.value.map { Format.percent($0, lang) } ?? "—",
                        mark: figure.status.mark, statusClass: figure.status.cssClass, statusLabel: figure.status.label(lang))
                }
            let tasks = Format.integer(page.snapshot.tasksOverdueByUnit[row.unit.id] ?? 0, lang)
            let dossiers = Format.integer(page.snapshot.dossiersOverdueByUnit[row.unit.id] ?? 0, lang)
            let counts =
                vi
                ? "\(Format.integer(row.missed, lang)) chưa đạt · \(Format.integer(row.atRisk, lang)) có nguy cơ"
                : "\(Format.integer(row.missed, lang)) missed · \(Format.integer(row.atRisk, lang)) at risk"
            let overdue = vi ? "Nhiệm vụ quá hạn: \(tasks) · Hồ sơ quá hạn: \(dossiers)" : "Overdue tasks: \(tasks) · Overdue dossiers: \(dossiers)"
            let status: IndicatorStatus = row.missed > 0 ? .missed : (row.atRisk > 0 ? .atRisk : .met)
            return .init(
                name: row.unit.name, href: page.href(unit: row.unit.id), counts: counts, worst: worst, overdue: overdue,
                statusClass: status.cssClass)
        }
    }

    static func rank(_ status: IndicatorStatus) -> Int { status == .missed ? 0 : 1 }

    static func columnView(_ definition: IndicatorDefinition, _ vi: Bool) -> StatusPageView.Column {
        .init(
            short: (vi ? definition.shortVI : definition.shortEN) ?? (vi ? definition.nameVI : definition.nameEN),
            name: vi ? definition.nameVI : definition.nameEN)
    }

    static func cell(_ figure: IndicatorResult?, _ lang: Format.Language) -> StatusPageView.Cell {
        guard let figure else {
            return .init(text: "—", mark: "", statusClass: IndicatorStatus.noData.cssClass, statusLabel: IndicatorStatus.noData.label(lang))
        }
        return .init(
            text: figure.value.map { Format.percent($0, lang) } ?? "—", mark: figure.status.mark,
            statusClass: figure.status.cssClass, statusLabel: figure.status.label(lang))
    }
}

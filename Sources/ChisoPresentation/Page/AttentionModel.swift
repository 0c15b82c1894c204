import ChisoCore
import Foundation

/// The "Cần chỉ đạo" block right under the summary tiles: the lines `AttentionList` chose, each
/// with its lead unit and the concrete amount that would close it.
enum AttentionModel {
    static func block(_ page: PageContext) -> StatusPageView.Attention {
        let results = page.snapshot.results(of: page.unitID ?? "").filter { $0.period == page.request.period }
        let tasks = page.snapshot.overdueTasks.filter { page.subtree.contains($0.task.leadUnitID) }
        let list = AttentionList.choose(results: results, catalogue: page.snapshot.catalogue, overdueTasks: tasks)
        let lines = list.lines.compactMap { line -> StatusPageView.AttentionLine? in
            switch line {
            case .target(let figure): page.snapshot.catalogue.definition(figure.indicator).map { target(figure, $0, page) }
            case .task(let entry): task(entry, page)
            }
        }
        return .init(lines: lines, more: more(list, page.lang), empty: lines.isEmpty)
    }

    static func target(_ figure: IndicatorResult, _ definition: IndicatorDefinition, _ page: PageContext) -> StatusPageView.AttentionLine {
        let lang = page.lang
        let value = figure.value.map { Format.percent($0, lang) } ?? "—"
        let figureText =
            lang == .vi
            ? "\(value), mục tiêu \(Format.target(definition, lang))"
            : "\(value), target \(Format.target(definition, lang))"
        var parts: [String] = []
        if let amount = amountText(figure, definition, lang) { parts.append(amount) }
        if let worst = worstChild(figure, definition, page) { parts.append(worst) }
        let lead = definition.leadUnit.map { leadLink($0, page) }
        return .init(
            statusClass: figure.status.cssClass, badge: figure.status.label(lang), ref: definition.planRef,
            title: lang == .vi ? definition.nameVI : definition.nameEN, href: "#chi-tieu-\(definition.id)",
            figure: figureText, action: parts.isEmpty ? nil : parts.joined(separator: "; "),
            lead: lead?.name, leadHref: lead?.href)
    }

    /// "cần thêm 134 văn bản xin lỗi" from the catalogue's phrase; without one, the gap in
    /// percentage points ("thiếu 5,2 điểm %").
    static func amountText(_ figure: IndicatorResult, _ definition: IndicatorDefinition, _ lang: Format.Language) -> String? {
        let vi = lang == .vi
        let amount = AmountToTarget.of(
            figure.tally, comparator: definition.comparator, target: definition.target, closing: definition.closesBy ?? .existing)
        switch amount {
        case .more(let count)?:
            if let phrase = vi ? definition.closeVI : definition.closeEN {
                return phrase.replacingOccurrences(of: "{n}", with: Format.integer(count, lang))
            }
        case .unreachable(let misses)?:
            let said = (vi ? definition.missVI : definition.missEN)?.replacingOccurrences(of: "{n}", with: Format.integer(misses, lang))
            let head = vi ? "không còn đạt được trong kỳ" : "can no longer be met this period"
            return said.map { "\(head): \($0)" } ?? head
        case nil:
            break
        }
        guard let ratio = figure.value else { return nil }
        let gap = Format.gap(ratio, target: definition.target, lang).dropFirst()
        return vi ? "còn thiếu \(gap)" : "\(gap) short"
    }

    /// Where it is worst below this unit: for the on-time figure, the unit with the most overdue
    /// dossiers still open ("còn 12 hồ sơ quá hạn tại Phòng Kinh tế"); otherwise the unit with the
    /// most cases on the wrong side ("nhiều nhất ở Phòng Kinh tế: 40").
    static func worstChild(_ figure: IndicatorResult, _ definition: IndicatorDefinition, _ page: PageContext) -> String? {
        let lang = page.lang, vi = lang == .vi
        if definition.id == ComputedIndicator.dossiersOnTime.rawValue {
            let own = page.snapshot.dossiersOverdueByUnit[page.unitID ?? ""] ?? 0
            guard own > 0 else { return nil }
            let worst = page.children.map { ($0, page.snapshot.dossiersOverdueByUnit[$0.id] ?? 0) }.max { ($0.1, $1.0.name) < ($1.1, $0.0.name) }
            if let (unit, count) = worst, count > 0 {
                return vi
                    ? "còn \(Format.integer(count, lang)) hồ sơ quá hạn tại \(unit.name)"
                    : "\(Format.integer(count, lang)) dossiers overdue at \(unit.name)"
            }
            return vi ? "còn \(Format.integer(own, lang)) hồ sơ quá hạn chưa giải quyết" : "\(Format.integer(own, lang)) dossiers overdue and open"
        }
        guard page.children.count > 1 else { return nil }
        let misses = page.children.compactMap { child -> (ChisoCore.Unit, Decimal)? in
            guard let own = page.snapshot.result(definition.id, unit: child.id, period: page.request.period), own.tally.denominator > 0 else {
                return nil
            }
            return (child, own.tally.denominator - own.tally.numerator)
        }
        guard let (unit, count) = misses.max(by: { ($0.1, $1.0.name) < ($1.1, $0.0.name) }), count > 0 else { return nil }
        return vi ? "nhiều nhất ở \(unit.name): \(Format.count(count, lang))" : "most at \(unit.name): \(Format.count(count, lang))"
    }

    static func task(_ entry: OverdueTaskEntry, _ page: PageContext) -> StatusPageView.AttentionLine {
        let lang = page.lang
        let days = Format.integer(entry.daysOverdue, lang)
        let lead = leadLink(page.name(entry.task.leadUnitID), page, id: entry.task.leadUnitID)
        return .init(
            statusClass: IndicatorStatus.missed.cssClass, badge: lang == .vi ? "Quá hạn \(days) ngày" : "\(days) days overdue",
            ref: entry.task.planRef.flatMap { $0.isEmpty ? nil : $0 }, title: shortTitle(entry.task.title), href: "#nhiem-vu",
            figure: lang == .vi ? "hạn \(Format.date(entry.task.dueDate, lang))" : "due \(Format.date(entry.task.dueDate, lang))",
            action: nil, lead: lead.name, leadHref: lead.href)
    }

    /// The lead unit's name, linked to its page when exactly one unit of this subtree bears it
    /// (a province page names the role: every commune has its own centre).
    static func leadLink(_ name: String, _ page: PageContext, id: String? = nil) -> (name: String, href: String?) {
        if let id, id != page.unitID, page.subtree.contains(id) { return (name, page.href(unit: id)) }
        let matches = page.snapshot.units.filter { $0.name == name && page.subtree.contains($0.id) && $0.id != page.unitID }
        return (name, matches.count == 1 ? page.href(unit: matches[0].id) : nil)
    }

    /// A task title cut at a word boundary to about 90 characters (the full title is in the task table).
    static func shortTitle(_ title: String, limit: Int = 90) -> String {
        guard title.count > limit else { return title }
        let head = title.prefix(limit)
        let cut = head.lastIndex(of: " ").map { head[..<$0] } ?? head
        return cut.trimmingCharacters(in: CharacterSet(charactersIn: " ,.;:")) + "…"
    }

    static func more(_ list: AttentionList, _ lang: Format.Language) -> String? {
        guard list.moreTargets > 0 || list.moreTasks > 0 else { return nil }
        let targets = Format.integer(list.moreTargets, lang), tasks = Format.integer(list.moreTasks, lang)
        switch (list.moreTargets > 0, list.moreTasks > 0, lang) {
        case (true, true, .vi): return "Còn \(targets) chỉ tiêu và \(tasks) nhiệm vụ quá hạn khác, xem bên dưới."
        case (true, false, .vi): return "Còn \(targets) chỉ tiêu chưa đạt hoặc có nguy cơ khác, xem bên dưới."
        case (false, _, .vi): return "Còn \(tasks) nhiệm vụ quá hạn khác, xem bảng nhiệm vụ."
        case (true, true, .en): return "\(targets) more targets and \(tasks) more overdue tasks below."
        case (true, false, .en): return "\(targets) more targets missed or at risk below."
        case (false, _, .en): return "\(tasks) more overdue tasks in the task table."
        }
    }
}

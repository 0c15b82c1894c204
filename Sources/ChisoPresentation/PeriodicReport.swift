import ChisoCore
import Foundation

/// The periodic report the plan asks of the Culture–Society office (section IV.1.c: "định kỳ tổng
/// hợp, báo cáo kết quả thực hiện cho UBND xã, Sở Nội vụ"), from one snapshot: in the form
/// Vietnamese offices use (committee header and national motto, number and date line, title,
/// tables, recipients and signature), and the same tables as CSV. Pure.
public struct PeriodicReportView: Sendable, Encodable {
    public struct TargetRow: Sendable, Encodable {
        public var number, ref, name, target, result, counts, verdict, verdictClass: String
    }
    public struct TargetGroup: Sendable, Encodable {
        public var ref, title, met: String
        public var rows: [TargetRow]
    }
    public struct TaskRow: Sendable, Encodable {
        public var section, lead, due, onTime, late, overdue: String
        public var total: Bool
    }
    public struct DossierRow: Sendable, Encodable {
        public var unit, received, processed, onTime, late, apologised, overdueNow: String
        public var total: Bool
    }

    public var lang: String
    /// "ỦY BAN NHÂN DÂN" over "XÃ BẮC BÌNH".
    public var committee: String, unitName: String
    public var numberLine: String, placeDate: String
    public var title: String, subtitle: String, periodLine: String
    /// "Đạt 15 trên 42 chỉ tiêu; 9 có nguy cơ; 14 chưa đạt; 4 chưa có số liệu."
    public var summary: String
    public var targetGroups: [TargetGroup]
    public var tasks: [TaskRow]
    public var hasTasks: Bool
    public var dossiers: [DossierRow]
    public var recipients: [String]
    public var signer: String
    public var labels: PeriodicReportLabels
}

/// The report's fixed words in one language (typed, like `PageLabels`: a missing word does not compile).
public struct PeriodicReportLabels: Sendable, Encodable {
    public var motto, mottoSub, part1, part2, part3, number, indicator, target, result, counts, verdict: String
    public var section, lead, due, onTime, late, overdue, noTasks, unit, received, processed, apologised, overdueNow: String
    public var recipientsTitle, signature, generated, total: String

    public static let vi = PeriodicReportLabels(
        motto: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", mottoSub: "Độc lập - Tự do - Hạnh phúc",
        part1: "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", part2: "II. THỰC HIỆN NHIỆM VỤ CỦA KẾ HOẠCH",
        part3: "III. GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH", number: "STT", indicator: "Chỉ tiêu", target: "Mục tiêu",
        result: "Kết quả", counts: "Số lượng", verdict: "Đánh giá", section: "Nội dung (Phụ lục)", lead: "Chủ trì",
        due: "Đến hạn trong kỳ", onTime: "Hoàn thành đúng hạn", late: "Hoàn thành trễ hạn", overdue: "Quá hạn chưa hoàn thành",
        noTasks: "Không có nhiệm vụ của Kế hoạch đến hạn trong kỳ.", unit: "Đơn vị", received: "Tiếp nhận trong kỳ",
        processed: "Giải quyết trong kỳ", apologised: "Trễ hạn có văn bản xin lỗi", overdueNow: "Đang quá hạn",
        recipientsTitle: "Nơi nhận:", signature: "(Ký, ghi rõ họ tên)",
        generated: "Số liệu do chiso tổng hợp tự động từ cơ sở dữ liệu tại thời điểm nêu trên.", total: "Tổng")

    public static let en = PeriodicReportLabels(
        motto: "SOCIALIST REPUBLIC OF VIETNAM", mottoSub: "Independence - Freedom - Happiness",
        part1: "I. TARGETS", part2: "II. PLAN TASKS", part3: "III. ADMINISTRATIVE DOSSIERS", number: "No.", indicator: "Target",
        target: "Goal", result: "Result", counts: "Count", verdict: "Assessment", section: "Area (appendix)", lead: "Lead unit",
        due: "Due in the period", onTime: "Done on time", late: "Done late", overdue: "Overdue, not done",
        noTasks: "No plan task fell due in the period.", unit: "Unit", received: "Received", processed: "Handled",
        apologised: "Late with an apology letter", overdueNow: "Overdue now", recipientsTitle: "Recipients:",
        signature: "(Signature, full name)", generated: "Figures compiled by chiso from the database at the time stated above.",
        total: "Total")

    public static func of(_ language: Format.Language) -> PeriodicReportLabels { language == .vi ? vi : en }
}

public enum PeriodicReport {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownUnit(String)
        public var description: String {
            switch self {
            case .unknownUnit(let id): "no unit '\(id)'"
            }
        }
    }

    public static func view(_ snapshot: Snapshot, period: PeriodKind, unitID: String? = nil, _ lang: Format.Language) throws -> PeriodicReportView {
        let vi = lang == .vi
        let (unit, calendar, start) = try resolve(snapshot, unitID: unitID, period: period)
        let today = calendar.localDate(of: snapshot.asOf)
        let results = snapshot.results(of: unit.id).filter { $0.period == period }
        let place = placeName(unit.name)
        let tasks = taskRows(snapshot, unit: unit.id, period: period, lang)
        return PeriodicReportView(
            lang: lang.rawValue,
            committee: vi ? "ỦY BAN NHÂN DÂN" : "PEOPLE'S COMMITTEE",
            unitName: unit.name.uppercased(with: Locale(identifier: "vi")),
            numberLine: vi
                ? "Số:\u{00A0}\u{00A0}\u{00A0}\u{00A0}\u{00A0}\u{00A0}/BC-UBND" : "No.\u{00A0}\u{00A0}\u{00A0}\u{00A0}\u{00A0}\u{00A0}/BC-UBND",
            placeDate: vi
                ? "\(place), ngày \(LocalDate.pad(today.day, 2)) tháng \(LocalDate.pad(today.month, 2)) năm \(today.year)"
                : "\(place), \(Format.date(today, lang))",
            title: vi ? "BÁO CÁO" : "REPORT",
            subtitle: (vi ? "Kết quả thực hiện công tác cải cách hành chính " : "Administrative reform results, ") + periodName(period, today, vi),
            periodLine: vi
                ? "Số liệu từ ngày \(Format.date(start, lang)) đến \(Format.dateTime(snapshot.asOf, calendar: calendar, lang))"
                : "Figures from \(Format.date(start, lang)) to \(Format.dateTime(snapshot.asOf, calendar: calendar, lang))",
            summary: summary(results, lang),
            targetGroups: targetGroups(snapshot, results, lang),
            tasks: tasks, hasTasks: !tasks.isEmpty,
            dossiers: dossierRows(snapshot, unit: unit, period: period, lang),
            recipients: vi
                ? ["- Sở Nội vụ tỉnh;", "- Thường trực Đảng ủy, HĐND xã;", "- Chủ tịch, các Phó Chủ tịch UBND xã;", "- Lưu: VT, VX."]
                : ["- Provincial Department of Home Affairs;", "- Standing committees of the commune;", "- Chairman and deputies;", "- Archive."],
            signer: vi ? "CHỦ TỊCH" : "CHAIRMAN",
            labels: .of(lang))
    }

    /// "quý 4 năm 2026", "năm 2026", "tháng 11 năm 2026".
    static func periodName(_ period: PeriodKind, _ today: LocalDate, _ vi: Bool) -> String {
        switch period {
        case .year: return vi ? "năm \(today.year)" : "\(today.year)"
        case .quarter: return vi ? "quý \((today.month - 1) / 3 + 1) năm \(today.year)" : "Q\((today.month - 1) / 3 + 1) \(today.year)"
        case .month: return vi ? "tháng \(today.month) năm \(today.year)" : "\(LocalDate.pad(today.month, 2))/\(today.year)"
        }
    }

    /// "Bắc Bình" of "Xã Bắc Bình" (the date line names the place, not its rank).
    static func placeName(_ name: String) -> String {
        for prefix in ["Xã ", "Phường ", "Đặc khu ", "Thị trấn ", "Tỉnh ", "Thành phố "] where name.hasPrefix(prefix) {
            return String(name.dropFirst(prefix.count))
        }
        return name
    }

    static func summary(_ results: [IndicatorResult], _ lang: Format.Language) -> String {
        let count = { (status: IndicatorStatus) in Format.integer(results.filter { $0.status == status }.count, lang) }
        let total = Format.integer(results.count, lang)
        return lang == .vi
            ? "Đạt \(count(.met)) trên \(total) chỉ tiêu; \(count(.atRisk)) có nguy cơ không đạt; \(count(.missed)) chưa đạt; \(count(.noData)) chưa có số liệu."
            : "\(count(.met)) of \(total) targets met; \(count(.atRisk)) at risk; \(count(.missed)) missed; \(count(.noData)) without data."
    }

    static func targetGroups(_ snapshot: Snapshot, _ results: [IndicatorResult], _ lang: Format.Language) -> [PeriodicReportView.TargetGroup] {
        let byID = Dictionary(results.map { ($0.indicator, $0) }) { a, _ in a }
        var number = 0
        return snapshot.catalogue.grouped().compactMap { group in
            let rows = group.indicators.compactMap { definition -> PeriodicReportView.TargetRow? in
                guard let figure = byID[definition.id] else { return nil }
                number += 1
                return .init(
                    number: Format.integer(number, lang), ref: definition.planRef, name: lang == .vi ? definition.nameVI : definition.nameEN,
                    target: Format.target(definition, lang), result: figure.value.map { Format.percent($0, lang) } ?? "—",
                    counts: figure.status == .noData
                        ? "—" : "\(Format.count(figure.tally.numerator, lang))\u{00A0}/\u{00A0}\(Format.count(figure.tally.denominator, lang))",
                    verdict: figure.status.label(lang), verdictClass: figure.status.cssClass)
            }
            guard !rows.isEmpty else { return nil }
            let met = rows.filter { $0.verdictClass == IndicatorStatus.met.cssClass }.count
            return .init(
                ref: group.section.ref, title: lang == .vi ? group.section.nameVI : group.section.nameEN,
                met: lang == .vi
                    ? "đạt \(Format.integer(met, lang))/\(Format.integer(rows.count, lang))"
                    : "\(Format.integer(met, lang)) of \(Format.integer(rows.count, lang)) met",
                rows: rows)
        }
    }

    /// The unit (the root when none is named), the calendar and the period's first day.
    static func resolve(
        _ snapshot: Snapshot, unitID: String?, period: PeriodKind
    ) throws -> (unit: ChisoCore.Unit, calendar: PlanCalendar, start: LocalDate) {
        guard let unit = (unitID ?? snapshot.units.first?.id).flatMap({ id in snapshot.units.first { $0.id == id } }) else {
            throw Failure.unknownUnit(unitID ?? "")
        }
        let calendar = PlanCalendar(timeZone: snapshot.timeZone)
        let start = calendar.periods(asOf: snapshot.asOf)[period == .year ? 0 : (period == .quarter ? 1 : 2)].startDate
        return (unit, calendar, start)
    }

    /// Plan tasks due in the period per appendix section and lead unit of this subtree, in the
    /// appendix's order, then by the lead unit's name: the rows of the HTML table and of the CSV.
    static func taskCounts(_ snapshot: Snapshot, unit: String, period: PeriodKind) -> [PlanTaskCount] {
        let subtree = Set(UnitTree(snapshot.units).subtree(of: unit).map(\.id))
        let names = Dictionary(snapshot.units.map { ($0.id, $0.name) }) { a, _ in a }
        var sums: [String: PlanTaskCount] = [:]
        for count in snapshot.planTasks where count.period == period && subtree.contains(count.unitID) {
            sums["\(count.section)|\(count.unitID)", default: PlanTaskCount(unitID: count.unitID, period: period, section: count.section)]
                .add(count)
        }
        let order = Dictionary(snapshot.catalogue.taskSections.enumerated().map { ($0.element.ref, $0.offset) }) { a, _ in a }
        return sums.values.sorted {
            (order[$0.section] ?? Int.max, $0.section, names[$0.unitID] ?? $0.unitID) < (
                order[$1.section] ?? Int.max, $1.section, names[$1.unitID] ?? $1.unitID
            )
        }
    }

    /// The task table's rows, then the total.
    static func taskRows(_ snapshot: Snapshot, unit: String, period: PeriodKind, _ lang: Format.Language) -> [PeriodicReportView.TaskRow] {
        let names = Dictionary(snapshot.units.map { ($0.id, $0.name) }) { a, _ in a }
        let sorted = taskCounts(snapshot, unit: unit, period: period)
        let sections = Dictionary(snapshot.catalogue.taskSections.map { ($0.ref, $0) }) { a, _ in a }
        var rows = sorted.map { count in
            let named = sections[count.section].map { "\($0.ref). \(lang == .vi ? $0.nameVI : $0.nameEN)" }
            return row(
                section: named ?? (count.section.isEmpty ? (lang == .vi ? "Khác" : "Other") : count.section),
                lead: names[count.unitID] ?? count.unitID, count, total: false, lang)
        }
        if rows.count > 1 {
            var total = PlanTaskCount(unitID: unit, period: period, section: "")
            for count in sorted { total.add(count) }
            rows.append(row(section: PeriodicReportLabels.of(lang).total, lead: "", total, total: true, lang))
        }
        return rows
    }

    static func row(section: String, lead: String, _ count: PlanTaskCount, total: Bool, _ lang: Format.Language) -> PeriodicReportView.TaskRow {
        .init(
            section: section, lead: lead, due: Format.integer(count.due, lang), onTime: Format.integer(count.doneOnTime, lang),
            late: Format.integer(count.doneLate, lang), overdue: Format.integer(count.overdue, lang), total: total)
    }

    /// The unit's dossiers and those of each unit below: received in the period (the synced
    /// figure's denominator), handled (active in the period: the on-time figure's), on time, late,
    /// late with an apology letter, and overdue now.
    static func dossierRows(
        _ snapshot: Snapshot, unit: ChisoCore.Unit, period: PeriodKind, _ lang: Format.Language
    ) -> [PeriodicReportView.DossierRow] {
        let children = snapshot.units.filter { $0.parentID == unit.id }
        return (children + [unit]).map { member in
            let figures = DossierFigures(snapshot, unit: member.id, period: period)
            return .init(
                unit: member.id == unit.id && !children.isEmpty ? PeriodicReportLabels.of(lang).total : member.name,
                received: Format.integer(figures.received, lang), processed: Format.integer(figures.processed, lang),
                onTime: Format.integer(figures.onTime, lang), late: Format.integer(figures.processed - figures.onTime, lang),
                apologised: Format.integer(figures.apologised, lang), overdueNow: Format.integer(figures.overdueNow, lang),
                total: member.id == unit.id && !children.isEmpty)
        }
    }

    struct DossierFigures {
        var received = 0, processed = 0, onTime = 0, apologised = 0, overdueNow = 0

        init(_ snapshot: Snapshot, unit: String, period: PeriodKind) {
            func tally(_ indicator: ComputedIndicator) -> Tally {
                snapshot.result(indicator.rawValue, unit: unit, period: period)?.tally ?? Tally()
            }
            let whole = { (value: Decimal) in NSDecimalNumber(decimal: value).intValue }
            received = whole(tally(.dossiersSyncedNational).denominator)
            processed = whole(tally(.dossiersOnTime).denominator)
            onTime = whole(tally(.dossiersOnTime).numerator)
            apologised = whole(tally(.lateDossiersApologised).numerator)
            overdueNow = snapshot.dossiersOverdueByUnit[unit] ?? 0
        }
    }
}

extension PeriodicReport {
    public enum Numbers: String, Sendable { case plain, vi }

    /// The report's tables as CSV for Excel: UTF-8 with a byte-order mark, `;` between fields, one
    /// block per table with its header row. Numbers are machine-readable (a decimal point) unless
    /// `numbers` is `vi`: then decimals take a comma, as Excel set to Vietnamese reads them.
    public static func csv(_ snapshot: Snapshot, period: PeriodKind, unitID: String? = nil, numbers: Numbers = .plain) throws -> String {
        let (unit, calendar, start) = try resolve(snapshot, unitID: unitID, period: period)
        func number(_ value: Decimal) -> String { numbers == .vi ? "\(value)".replacingOccurrences(of: ".", with: ",") : "\(value)" }
        func ratio(_ value: Double?) -> String {
            guard let value else { return "" }
            let text = String(format: "%.4f", value)
            return numbers == .vi ? text.replacingOccurrences(of: ".", with: ",") : text
        }
        var lines: [[String]] = [["unit_id", "unit", "period", "from", "as_of"]]
        lines.append([unit.id, unit.name, period.rawValue, start.description, calendar.rfc3339(snapshot.asOf)])
        lines.append([])
        lines.append(["plan_ref", "indicator", "name", "comparator", "target", "numerator", "denominator", "value", "status"])
        let definitions = Dictionary(snapshot.catalogue.indicators.map { ($0.id, $0) }) { a, _ in a }
        for figure in snapshot.results(of: unit.id) where figure.period == period {
            guard let definition = definitions[figure.indicator] else { continue }
            lines.append([
                definition.planRef, definition.id, definition.nameVI, definition.comparator.rawValue, number(definition.target),
                number(figure.tally.numerator), number(figure.tally.denominator), ratio(figure.value), figure.status.rawValue,
            ])
        }
        lines.append([])
        lines.append(["section", "lead_unit_id", "lead_unit", "due", "done_on_time", "done_late", "overdue"])
        let names = Dictionary(snapshot.units.map { ($0.id, $0.name) }) { a, _ in a }
        for count in taskCounts(snapshot, unit: unit.id, period: period) {
            lines.append([
                count.section, count.unitID, names[count.unitID] ?? "", "\(count.due)", "\(count.doneOnTime)", "\(count.doneLate)",
                "\(count.overdue)",
            ])
        }
        lines.append([])
        lines.append(["unit_id", "unit", "received", "processed", "on_time", "late", "apologised", "overdue_now"])
        for member in snapshot.units.filter({ $0.parentID == unit.id }) + [unit] {
            let figures = DossierFigures(snapshot, unit: member.id, period: period)
            lines.append([
                member.id, member.name, "\(figures.received)", "\(figures.processed)", "\(figures.onTime)",
                "\(figures.processed - figures.onTime)", "\(figures.apologised)", "\(figures.overdueNow)",
            ])
        }
        return "\u{FEFF}" + lines.map { $0.map(QD766Report.field).joined(separator: ";") }.joined(separator: "\r\n") + "\r\n"
    }
}

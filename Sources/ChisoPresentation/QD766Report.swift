import ChisoCore
import Foundation

/// The monthly QĐ 766 publication in words: the view its HTML template shows (A4, Vietnamese
/// first) and its CSV for spreadsheets. Pure.
public struct QD766ReportView: Sendable, Encodable {
    public struct GroupRow: Sendable, Encodable {
        public var code, name, max, score, previous, change: String
        /// chiso's own estimate where the published figures replaced some of its own ("—" otherwise).
        public var estimate: String
    }
    public struct IndicatorRow: Sendable, Encodable { public var ref, name, counts, ratio, points, max, source: String }
    public struct UnitRow: Sendable, Encodable { public var name, lateDossiers, pointsLost, overdueTasks: String }
    public struct OfficialRow: Sendable, Encodable { public var official, unit, lateDossiers: String }

    public var lang: String
    public var title: String
    public var unitName: String
    public var monthName: String
    /// "Số liệu đến hết ngày 31/05/2026" or "Số liệu tháng đến 10:00 ngày 15/06/2026 (tháng chưa kết thúc)".
    public var asOfLine: String
    public var score: String, band: String, previousScore: String?, change: String?
    public var groups: [GroupRow]
    /// Whether the table shows chiso's own estimate beside the published figures.
    public var hasEstimates: Bool
    public var indicators: [IndicatorRow]
    public var units: [UnitRow]
    public var hasUnits: Bool
    public var officials: [OfficialRow]
    public var hasOfficials: Bool
    public var labels: QD766ReportLabels
}

/// The publication's fixed words in one language (typed, like `PageLabels` and
/// `PeriodicReportLabels`: a word missing in one language does not compile).
public struct QD766ReportLabels: Sendable, Encodable {
    public var estimate, score, band, previous, change, of, groups, ownEstimate, group, max, thisMonth: String
    public var indicators, ref, indicator, counts, ratio, points, source: String
    public var delays, unit, lateDossiers, pointsLost, overdueTasks, noDelays, officials, official, noOfficials: String
    public var header, motto, mottoSub: String

    public static let vi = QD766ReportLabels(
        estimate: "Ước tính của chiso từ số liệu của hệ thống; điểm chính thức do Cổng Dịch vụ công quốc gia công bố.",
        score: "Tổng điểm", band: "Xếp loại", previous: "Tháng trước", change: "Thay đổi", of: "trên 100 điểm",
        groups: "Điểm theo nhóm chỉ số", ownEstimate: "chiso ước tính", group: "Nhóm", max: "Tối đa", thisMonth: "Tháng này",
        indicators: "Chi tiết các chỉ số thành phần", ref: "Mã", indicator: "Chỉ số", counts: "Số lượng", ratio: "Tỷ lệ",
        points: "Điểm", source: "Nguồn",
        delays: "Đơn vị để xảy ra chậm trễ", unit: "Đơn vị", lateDossiers: "Hồ sơ trễ hạn", pointsLost: "Điểm bị trừ (2.1)",
        overdueTasks: "Nhiệm vụ quá hạn", noDelays: "Không có đơn vị nào để xảy ra chậm trễ trong tháng.",
        officials: "Cán bộ, công chức để xảy ra chậm trễ", official: "Cán bộ, công chức",
        noOfficials: "Dữ liệu hồ sơ chưa ghi tên cán bộ để xảy ra chậm trễ; danh sách trên tính theo đơn vị.",
        header: "ỦY BAN NHÂN DÂN", motto: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", mottoSub: "Độc lập - Tự do - Hạnh phúc")

    public static let en = QD766ReportLabels(
        estimate: "chiso's estimate from the system's figures; the official score is published by the National Public Service Portal.",
        score: "Total", band: "Band", previous: "Previous month", change: "Change", of: "out of 100 points",
        groups: "Points by group", ownEstimate: "chiso's estimate", group: "Group", max: "Maximum", thisMonth: "This month",
        indicators: "Sub-indicators", ref: "Ref", indicator: "Sub-indicator", counts: "Count", ratio: "Ratio",
        points: "Points", source: "Source",
        delays: "Units that caused delays", unit: "Unit", lateDossiers: "Late dossiers", pointsLost: "Points lost (2.1)",
        overdueTasks: "Overdue tasks", noDelays: "No unit caused a delay in the month.",
        officials: "Officials who caused delays", official: "Official",
        noOfficials: "The dossiers do not name the officials who held them when late; the list above is by unit.",
        header: "PEOPLE'S COMMITTEE", motto: "SOCIALIST REPUBLIC OF VIETNAM", mottoSub: "Independence - Freedom - Happiness")

    public static func of(_ language: Format.Language) -> QD766ReportLabels { language == .vi ? vi : en }
}

public enum QD766Report {
    public static func view(_ publication: QD766Publication, _ lang: Format.Language) -> QD766ReportView {
        let vi = lang == .vi, table = publication.table
        let month = "\(LocalDate.pad(publication.month.month, 2))/\(publication.month.year)"
        let previousGroups = Dictionary(
            (publication.previous?.groups ?? []).map { ($0.group, $0.score) }, uniquingKeysWith: { a, _ in a })
        let groups = publication.result.groups.map { group in
            let before = previousGroups[group.group]
            return QD766ReportView.GroupRow(
                code: group.group, name: table.group(group.group).map { vi ? $0.nameVI : $0.nameEN } ?? group.group,
                max: Format.count(group.max, lang), score: Format.count(group.score, lang),
                previous: before.map { Format.count($0, lang) } ?? "—", change: before.map { signed(group.score - $0, lang) } ?? "—",
                estimate: group.estimate.map { Format.count($0, lang) } ?? "—")
        }
        let indicators = zip(table.indicators, publication.result.indicators).map { indicator, entry in
            QD766ReportView.IndicatorRow(
                ref: indicator.ref, name: vi ? indicator.nameVI : indicator.nameEN,
                counts: entry.noData ? "—" : "\(Format.count(entry.numerator, lang))\u{00A0}/\u{00A0}\(Format.count(entry.denominator, lang))",
                ratio: entry.ratio.map { Format.percent($0.double, lang) } ?? "—",
                points: Format.count(entry.points, lang), max: Format.count(entry.max, lang),
                source: source(entry, lang))
        }
        let band = table.bands.first { $0.id == publication.result.band }
        let previousScore = publication.previous.map { Format.count($0.score, lang) }
        return QD766ReportView(
            lang: lang.rawValue,
            title: vi
                ? "Kết quả đánh giá Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg) tháng \(month)"
                : "Service quality index (Decision 766/QĐ-TTg), \(month)",
            unitName: publication.unitName, monthName: month,
            asOfLine: asOfLine(publication, lang),
            score: Format.count(publication.result.score, lang), band: band.map { vi ? $0.nameVI : $0.nameEN } ?? publication.result.band,
            previousScore: previousScore, change: publication.previous.map { signed(publication.result.score - $0.score, lang) },
            groups: groups, hasEstimates: publication.result.groups.contains { $0.estimate != nil }, indicators: indicators,
            units: publication.units.map {
                .init(
                    name: $0.name, lateDossiers: Format.integer($0.lateDossiers, lang), pointsLost: Format.count($0.pointsLost, lang),
                    overdueTasks: Format.integer($0.overdueTasks, lang))
            },
            hasUnits: !publication.units.isEmpty,
            officials: publication.officials.map {
                .init(official: $0.official, unit: $0.unitName, lateDossiers: Format.integer($0.lateDossiers, lang))
            },
            hasOfficials: !publication.officials.isEmpty,
            labels: .of(lang))
    }

    static func asOfLine(_ publication: QD766Publication, _ lang: Format.Language) -> String {
        let calendar = PlanCalendar(timeZone: publication.timeZone)
        let day = Format.date(calendar.localDate(of: publication.asOf), lang)
        if publication.complete { return lang == .vi ? "Số liệu đến hết ngày \(day)." : "Figures to the end of \(day)." }
        let at = Format.dateTime(publication.asOf, calendar: calendar, lang)
        return lang == .vi ? "Số liệu đến \(at) (tháng chưa kết thúc)." : "Figures to \(at) (the month is not over)."
    }

    static func source(_ entry: QD766Entry, _ lang: Format.Language) -> String {
        let vi = lang == .vi
        if entry.source == .computed { return vi ? "tính từ dữ liệu" : "computed" }
        if entry.noData { return vi ? "chưa có số liệu" : "missing" }
        if entry.inheritedFrom != nil { return vi ? "kế thừa" : "inherited" }
        return vi ? "nhập tay" : "entered"
    }

    /// "+1,25", "−0,5", "±0".
    static func signed(_ value: Decimal, _ lang: Format.Language) -> String {
        if value == 0 { return "±0" }
        return (value > 0 ? "+" : "−") + Format.count(value > 0 ? value : -value, lang)
    }

    /// The same tables as CSV for spreadsheets: UTF-8 with a byte-order mark (Excel reads the
    /// accents), `;` between fields, numbers with a decimal point; one block per table.
    public static func csv(_ publication: QD766Publication) -> String {
        var lines: [[String]] = []
        let table = publication.table
        lines.append(["unit", "month", "score", "band", "previous_score"])
        lines.append([
            publication.unitID, "\(publication.month.year)-\(LocalDate.pad(publication.month.month, 2))", "\(publication.result.score)",
            publication.result.band, publication.previous.map { "\($0.score)" } ?? "",
        ])
        lines.append([])
        lines.append(["group", "max", "score", "previous_score", "estimate"])
        let before = Dictionary((publication.previous?.groups ?? []).map { ($0.group, $0.score) }, uniquingKeysWith: { a, _ in a })
        for group in publication.result.groups {
            lines.append([
                group.group, "\(group.max)", "\(group.score)", before[group.group].map { "\($0)" } ?? "", group.estimate.map { "\($0)" } ?? "",
            ])
        }
        lines.append([])
        lines.append(["indicator", "ref", "group", "numerator", "denominator", "points", "max", "source", "inherited_from"])
        for (indicator, entry) in zip(table.indicators, publication.result.indicators) {
            lines.append([
                entry.id, indicator.ref, entry.group, "\(entry.numerator)", "\(entry.denominator)", "\(entry.points)", "\(entry.max)",
                entry.noData && entry.source == .manual ? "missing" : entry.source.rawValue, entry.inheritedFrom ?? "",
            ])
        }
        lines.append([])
        lines.append(["unit_id", "unit", "late_dossiers", "points_lost", "overdue_tasks"])
        for unit in publication.units {
            lines.append([unit.unitID, unit.name, "\(unit.lateDossiers)", "\(unit.pointsLost)", "\(unit.overdueTasks)"])
        }
        lines.append([])
        lines.append(["official", "unit_id", "late_dossiers"])
        for official in publication.officials { lines.append([official.official, official.unitID, "\(official.lateDossiers)"]) }
        return "\u{FEFF}" + lines.map { $0.map(field).joined(separator: ";") }.joined(separator: "\r\n") + "\r\n"
    }

    /// A CSV field: quoted when it holds `;`, a quote or a line break (quotes doubled); a leading
    /// `=`, `+`, `-` or `@` is prefixed with `'` so that a spreadsheet never runs it as a formula.
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@".contains(first), Double(value) == nil { value = "'" + value }
        guard value.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

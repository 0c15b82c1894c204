import ChisoCore
import Foundation

/// A deterministic, believable year of xã Bắc Bình for the demo (`chiso demo --seed N`): its
/// units, ~400 procedures, ~15 000 dossiers with weekday, hour and month seasonality (carry-over
/// from the last quarter of 2025), payments, documents, feedback, report forms, the plan's real
/// tasks and province tasks, and manual figures. Rates differ by unit and by indicator so the page
/// shows targets met, at risk and missed. Pure: the same seed and as-of give the same rows.
public enum DemoYear {
    /// The rows to load, table by table in foreign-key order.
    public static func generate(seed: UInt64, asOf: Date, calendar: PlanCalendar, plan: [PlanTask]) -> [PreparedImport] {
        // Each table draws from one random stream, in this order: the order is part of the result.
        var demo = DemoGenerator(seed: seed, asOf: asOf, calendar: calendar)
        demo.addUnits()
        demo.addProcedures()
        demo.addDossiersAndPayments()
        demo.addDocuments()
        demo.addFeedback()
        demo.addReportForms()
        demo.addTasks(plan)
        demo.addManualValues()
        return demo.tables
    }

    /// The embedded plan file (`plan/ke-hoach-cchc-2026.tsv`).
    public static var planFile: Data { Data(PackageResources.ke_hoach_cchc_2026_tsv) }
}

/// One unit of the demo, with its own rates (so the page shows targets met, at risk and missed).
struct DemoUnit { let id, name, kind: String; let alert: String?; let onTime, apology, atCenter, online: Double }

/// One procedure of the demo catalogue.
struct DemoProcedure {
    let code, name: String; let unit: String; let level: String;
    let eligible, fee, onlinePayment, requiresResult, published, independent, isInternal: Bool; let days: Int; let weight: Double
}

/// The demo year being generated: the random stream, what later tables draw on, the rows so far.
struct DemoGenerator {
    typealias Procedure = DemoProcedure
    var random: SplitMix64
    let today: LocalDate
    let year: Int
    let offset: Int
    let asOfEpoch: Int64
    private(set) var tables: [PreparedImport] = []
    private(set) var units: [DemoUnit] = []
    private(set) var unitByID: [String: DemoUnit] = [:]
    private(set) var procedures: [Procedure] = []
    private(set) var publicProcedures: [Procedure] = []
    private var cumulative: [Double] = []
    private var weightSum = 0.0

    init(seed: UInt64, asOf: Date, calendar: PlanCalendar) {
        random = SplitMix64(seed: seed)
        today = calendar.localDate(of: asOf)
        year = today.year
        offset = calendar.timeZone.secondsFromGMT(for: asOf)
        asOfEpoch = Int64(asOf.timeIntervalSince1970)
    }

    func instant(_ day: LocalDate, minute: Int) -> (text: String, epoch: Int64) {
        let epoch = Int64(day.dayNumber) * 86_400 + Int64(minute * 60) - Int64(offset)
        return (TimestampParser.Instant(Date(timeIntervalSince1970: TimeInterval(epoch))).text, epoch)
    }

    mutating func table(_ name: String, _ columns: [String], _ rows: [[ParsedValue]]) {
        tables.append(
            PreparedImport(
                table: InputTable.named(name)!, columns: columns,
                copyLines: rows.map { $0.map(\.copyText).joined(separator: "\t") },
                fileLines: Array(1...max(rows.count, 1)).prefix(rows.count).map { $0 }))
    }

    func t(_ s: String?) -> ParsedValue { s.map { .text($0) } ?? .null }
    func b(_ v: Bool) -> ParsedValue { .text(v ? "t" : "f") }
    func ts(_ v: (text: String, epoch: Int64)?) -> ParsedValue {
        v.map { .instant(.init(text: $0.text, epoch: $0.epoch), original: $0.text) } ?? .null
    }

    /// The commune and the six units of the plan.
    mutating func addUnits() {
        units = [
            DemoUnit(
                id: "bac-binh", name: "Xã Bắc Bình", kind: "commune", alert: "ubnd@bacbinh.lamdong.gov.vn", onTime: 0.97, apology: 0.6,
                atCenter: 0.97, online: 0.78),
            DemoUnit(
                id: "bac-binh/vp", name: "Văn phòng HĐND và UBND xã", kind: "department", alert: "vanphong@bacbinh.lamdong.gov.vn", onTime: 0.985,
                apology: 0.8, atCenter: 0.96, online: 0.8),
            DemoUnit(
                id: "bac-binh/kt", name: "Phòng Kinh tế", kind: "department", alert: "kinhte@bacbinh.lamdong.gov.vn", onTime: 0.955, apology: 0.55,
                atCenter: 0.93, online: 0.7),
            DemoUnit(
                id: "bac-binh/vh-xh", name: "Phòng Văn hóa – Xã hội", kind: "department", alert: "vhxh@bacbinh.lamdong.gov.vn", onTime: 0.982,
                apology: 0.7, atCenter: 0.97, online: 0.76),
            DemoUnit(
                id: "bac-binh/tt-phvhcc", name: "Trung tâm Phục vụ hành chính công", kind: "center", alert: "tthcc@bacbinh.lamdong.gov.vn",
                onTime: 0.988, apology: 0.75, atCenter: 1.0, online: 0.83),
            DemoUnit(id: "bac-binh/ca", name: "Công an xã", kind: "other", alert: nil, onTime: 0.93, apology: 0.35, atCenter: 0.9, online: 0.72),
            DemoUnit(
                id: "bac-binh/tt-dvth", name: "Trung tâm Dịch vụ tổng hợp xã", kind: "center", alert: nil, onTime: 0.975, apology: 0.5,
                atCenter: 0.95, online: 0.6),
        ]
        table(
            "units", ["id", "parent_id", "name", "kind", "alert_email", "head_email"],
            units.map { unit in
                [
                    t(unit.id), t(unit.id == "bac-binh" ? nil : "bac-binh"), t(unit.name), t(unit.kind), t(unit.alert),
                    t(unit.id == "bac-binh" ? "chutich@bacbinh.lamdong.gov.vn" : nil),
                ]
            })
        unitByID = Dictionary(uniqueKeysWithValues: units.map { ($0.id, $0) })
    }

    static let fields: [(name: String, unit: String, names: [String], fee: Double, days: [Int])] = [
        (
            "Hộ tịch", "bac-binh/tt-phvhcc",
            [
                "Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử", "Trích lục hộ tịch", "Xác nhận tình trạng hôn nhân",
                "Đăng ký nhận cha, mẹ, con", "Thay đổi, cải chính hộ tịch",
            ], 0.3, [1, 3, 5]
        ),
        (
            "Chứng thực", "bac-binh/tt-phvhcc",
            ["Chứng thực bản sao từ bản chính", "Chứng thực chữ ký", "Chứng thực hợp đồng, giao dịch", "Chứng thực di chúc"], 0.9, [1, 2]
        ),
        (
            "Đất đai", "bac-binh/kt",
            [
                "Đăng ký biến động đất đai", "Cấp giấy chứng nhận quyền sử dụng đất", "Chuyển mục đích sử dụng đất", "Tách thửa, hợp thửa",
                "Đính chính giấy chứng nhận",
            ], 0.8, [10, 15, 20]
        ),
        (
            "Xây dựng", "bac-binh/kt", ["Cấp giấy phép xây dựng nhà ở riêng lẻ", "Điều chỉnh giấy phép xây dựng", "Gia hạn giấy phép xây dựng"],
            0.7, [10, 15]
        ),
        (
            "Kinh doanh", "bac-binh/kt",
            [
                "Đăng ký hộ kinh doanh", "Thay đổi nội dung đăng ký hộ kinh doanh", "Tạm ngừng kinh doanh",
                "Cấp giấy chứng nhận an toàn thực phẩm",
            ], 0.6, [3, 5, 10]
        ),
        (
            "Lao động – Thương binh và Xã hội", "bac-binh/vh-xh",
            ["Trợ cấp xã hội hằng tháng", "Hỗ trợ chi phí mai táng", "Xác nhận hộ nghèo, hộ cận nghèo", "Trợ cấp người có công"], 0.0,
            [5, 10, 15]
        ),
        (
            "Văn hóa – Giáo dục – Y tế", "bac-binh/vh-xh",
            ["Đăng ký hoạt động thư viện", "Cấp phép lễ hội", "Xét tặng danh hiệu gia đình văn hóa", "Chuyển trường học sinh"], 0.1, [5, 7]
        ),
        (
            "Cư trú", "bac-binh/ca", ["Đăng ký thường trú", "Đăng ký tạm trú", "Xóa đăng ký thường trú", "Xác nhận thông tin cư trú"], 0.4,
            [3, 5, 7]
        ),
        ("Nội vụ", "bac-binh/vp", ["Công nhận tổ trưởng tổ dân phố", "Đăng ký hoạt động tín ngưỡng", "Thi đua, khen thưởng"], 0.0, [5, 10, 20]),
        (
            "Nông nghiệp", "bac-binh/tt-dvth",
            ["Hỗ trợ giống cây trồng", "Xác nhận nguồn gốc lâm sản", "Cấp giấy chứng nhận kinh tế trang trại"], 0.3, [5, 10]
        ),
    ]

    /// Procedures: fields, each handled by one unit; a few common ones get most dossiers.
    mutating func addProcedures() {
        var counter = 0
        for field in Self.fields {
            let variants = 40
            for index in 0..<variants {
                counter += 1
                let base = field.names[index % field.names.count]
                let name = index < field.names.count ? base : "\(base) (trường hợp \(index / field.names.count + 1))"
                let level = random.chance(0.62) ? "full" : (random.chance(0.75) ? "partial" : "none")
                let fee = random.chance(field.fee)
                procedures.append(
                    Procedure(
                        code: "1.\(String(format: "%06d", 10_000 + counter * 37)).000.00.00.H36", name: name, unit: field.unit, level: level,
                        eligible: level == "full" ? true : random.chance(0.35), fee: fee, onlinePayment: fee && random.chance(0.85),
                        requiresResult: random.chance(0.92), published: random.chance(0.965), independent: random.chance(0.86),
                        isInternal: random.chance(0.04), days: field.days[random.int(field.days.count)],
                        // Zipf-like: the first variants of a field are the common ones.
                        weight: 1.0 / Double(index + 1) * (field.name == "Hộ tịch" || field.name == "Chứng thực" ? 3 : 1)))
            }
        }
        table(
            "procedures",
            [
                "code", "name", "field", "service_level", "full_online_eligible", "has_fee", "online_payment_enabled",
                "requires_result_document", "published", "location_independent", "internal",
            ],
            procedures.enumerated().map { index, p in
                [
                    t(p.code), t(p.name), t(Self.fields[index / 40].name), t(p.level), b(p.eligible), b(p.fee), b(p.onlinePayment),
                    b(p.requiresResult),
                    b(p.published), b(p.independent), b(p.isInternal),
                ]
            })
        publicProcedures = procedures.filter { !$0.isInternal }
        for p in publicProcedures { weightSum += p.weight; cumulative.append(weightSum) }
    }

    /// A procedure, the common ones more often.
    mutating func pickProcedure() -> Procedure {
        let target = random.double() * weightSum
        var low = 0, high = cumulative.count - 1
        while low < high { let mid = (low + high) / 2; if cumulative[mid] < target { low = mid + 1 } else { high = mid } }
        return publicProcedures[low]
    }

    /// The working day `count` working days after `day` (a procedure's legal time limit).
    static func addWorkingDays(_ day: LocalDate, _ count: Int) -> LocalDate {
        var current = day, left = count
        while left > 0 { current = current.adding(days: 1); if current.isoWeekday <= 5 { left -= 1 } }
        return current
    }

    /// Dossiers from 1 October of last year to T: ~50 a working day, fewer around Tết, a peak in spring.
    mutating func addDossiersAndPayments() {
        let monthFactor: [Double] = [0.9, 0.6, 1.15, 1.2, 1.15, 1.05, 1.0, 0.95, 1.0, 1.05, 1.0, 0.95]
        var dossierRows: [[ParsedValue]] = []
        var paymentRows: [[ParsedValue]] = []
        var number = 0
        var day = LocalDate(year: year - 1, month: 10, day: 1)
        while day <= today {
            let weekday = day.isoWeekday
            let base = weekday <= 5 ? 46.0 : (weekday == 6 ? 8.0 : 0)
            let count = Int((base * monthFactor[day.month - 1] * (0.8 + 0.4 * random.double())).rounded())
            for _ in 0..<count {
                // Hours: 07:30–11:30 and 13:30–17:00, busier in the morning; online dossiers any time.
                let procedure = pickProcedure()
                let unit = unitByID[procedure.unit]!
                let online: Bool
                switch procedure.level {
                case "full": online = random.chance(unit.online)
                case "partial": online = random.chance(0.4)
                default: online = false
                }
                let minute = online ? random.int(24 * 60) : (random.chance(0.62) ? 450 + random.int(240) : 810 + random.int(210))
                let received = instant(day, minute: minute)
                guard received.epoch <= asOfEpoch else { continue }
                number += 1
                let code = "H36.\(String(day.year).suffix(2))\(LocalDate.pad(day.month, 2)).\(String(format: "%05d", number))"
                let due = instant(Self.addWorkingDays(day, procedure.days), minute: 17 * 60)
                var status = "finished"
                var finished: (text: String, epoch: Int64)?
                var apologised: (text: String, epoch: Int64)?
                let roll = random.double()
                if roll < 0.012 { status = "withdrawn" } else if roll < 0.02 { status = "rejected" }
                if status == "finished" {
                    let late = !random.chance(unit.onTime)
                    let finishEpoch: Int64 =
                        late
                        ? due.epoch + Int64(3600 * (6 + random.int(24 * 9)))
                        : received.epoch + Int64(Double(due.epoch - received.epoch) * (0.25 + 0.7 * random.double()))
                    if finishEpoch <= asOfEpoch {
                        finished = (TimestampParser.Instant(Date(timeIntervalSince1970: TimeInterval(finishEpoch))).text, finishEpoch)
                    } else {
                        status = "processing"
                    }
                    if late && random.chance(unit.apology) {
                        let apologyEpoch = due.epoch + Int64(3600 * (2 + random.int(72)))
                        if apologyEpoch <= asOfEpoch {
                            apologised = (TimestampParser.Instant(Date(timeIntervalSince1970: TimeInterval(apologyEpoch))).text, apologyEpoch)
                        }
                    }
                }
                let done = finished != nil
                dossierRows.append([
                    t(code), t(procedure.code), t(procedure.unit), t(online ? "online" : (random.chance(0.04) ? "postal" : "in_person")), t(status),
                    ts(received), ts(due), ts(finished), b(online || random.chance(unit.atCenter)), b(random.chance(0.86)), b(random.chance(0.53)),
                    b(done && procedure.requiresResult && random.chance(0.79)), b(random.chance(0.993)), ts(apologised),
                ])
                if procedure.fee, status != "withdrawn" {
                    let method: String
                    if online && procedure.onlinePayment {
                        method = random.chance(0.9) ? "national_portal" : "provincial_gateway"
                    } else {
                        method = random.chance(0.72) ? "national_portal" : (random.chance(0.8) ? "cash" : "bank_transfer")
                    }
                    let paid = (received.text, received.epoch + Int64(random.int(3600)))
                    if paid.1 <= asOfEpoch {
                        let amount = [15_000, 20_000, 30_000, 50_000, 100_000, 200_000, 500_000][random.int(7)]
                        paymentRows.append([
                            t("TT-\(code)"), t(code), ts((TimestampParser.Instant(Date(timeIntervalSince1970: TimeInterval(paid.1))).text, paid.1)),
                            .text(String(amount)), t(method),
                        ])
                    }
                }
            }
            day = day.adding(days: 1)
        }
        table(
            "dossiers",
            [
                "code", "procedure_code", "unit_id", "channel", "status", "received_at", "due_at", "finished_at",
                "received_at_center", "digitised", "reused_data", "e_result", "synced_national", "apologised_at",
            ], dossierRows)
        table("payments", ["id", "dossier_code", "paid_at", "amount", "method"], paymentRows)
    }

    /// Documents: ~16 a working day; most outgoing ones signed, most handled electronically.
    mutating func addDocuments() {
        var documentRows: [[ParsedValue]] = []
        var day = LocalDate(year: year, month: 1, day: 1)
        var documentNumber = 0
        while day <= today {
            if day.isoWeekday <= 5 {
                for _ in 0..<(12 + random.int(9)) {
                    let registered = instant(day, minute: 450 + random.int(570))
                    guard registered.epoch <= asOfEpoch else { continue }
                    documentNumber += 1
                    let unit = units[1 + random.int(units.count - 1)]
                    let outgoing = random.chance(0.42)
                    documentRows.append([
                        t("VB-\(year)-\(String(format: "%05d", documentNumber))"), t(unit.id), t(outgoing ? "outgoing" : "incoming"), ts(registered),
                        b(outgoing && random.chance(unit.id == "bac-binh/ca" ? 0.55 : 0.78)), b(random.chance(0.955)),
                        t(random.chance(0.015) ? "confidential" : "normal"),
                    ])
                }
            }
            day = day.adding(days: 1)
        }
        table(
            "documents", ["id", "unit_id", "direction", "registered_at", "digitally_signed", "processed_electronically", "security_level"],
            documentRows)
    }

    /// Feedback: about one a week.
    mutating func addFeedback() {
        var feedbackRows: [[ParsedValue]] = []
        var day = LocalDate(year: year, month: 1, day: 2)
        var feedbackNumber = 0
        while day <= today {
            feedbackNumber += 1
            let received = instant(day, minute: 480 + random.int(480))
            let resolvedEpoch = received.epoch + Int64(86_400 * (2 + random.int(20)))
            let resolved = random.chance(0.93) && resolvedEpoch <= asOfEpoch
            feedbackRows.append([
                t("PA-\(year)-\(String(format: "%03d", feedbackNumber))"), t(units[1 + random.int(units.count - 1)].id), ts(received),
                ts(resolved ? (TimestampParser.Instant(Date(timeIntervalSince1970: TimeInterval(resolvedEpoch))).text, resolvedEpoch) : nil),
                b(resolved && random.chance(0.9)),
            ])
            day = day.adding(days: 5 + random.int(5))
        }
        table("feedback", ["id", "unit_id", "received_at", "resolved_at", "result_published"], feedbackRows)
    }

    /// Report forms: a handful per unit.
    mutating func addReportForms() {
        var formRows: [[ParsedValue]] = []
        let formNames = ["Báo cáo tháng", "Báo cáo quý", "Báo cáo 6 tháng", "Báo cáo năm", "Báo cáo chuyên đề"]
        for unit in units.dropFirst() {
            for (index, name) in formNames.enumerated() {
                formRows.append([
                    t("BM-\(unit.id.split(separator: "/").last!)-\(index + 1)"), t(unit.id), t("\(name) — \(unit.name)"),
                    b(index < 4), b(random.chance(0.85)), b(random.chance(0.88)),
                ])
            }
        }
        table("report_forms", ["id", "unit_id", "name", "periodic", "eform", "connected_provincial"], formRows)
    }

    /// Tasks: the plan's, with a believable progress; and tasks assigned by the province.
    mutating func addTasks(_ plan: [PlanTask]) {
        var taskRows: [[ParsedValue]] = []
        for task in plan {
            var status = "open"
            var done: (text: String, epoch: Int64)?
            if let due = task.dueDate {
                if due < today {
                    // Most past milestones are done, some late, a few still open (overdue).
                    if random.chance(0.82) { done = doneTime(due, lateChance: 0.2); status = done == nil ? "open" : "done" }
                } else if due.dayNumber - today.dayNumber < 30, random.chance(0.25) {
                    done = doneTime(today.adding(days: -1), lateChance: 0); status = done == nil ? "open" : "done"
                }
            }
            taskRows.append([
                t(task.id), t(task.planRef), t("plan"), t(task.title), t(task.product), t(task.leadUnitID), t(task.coordinating),
                t(task.monitoringUnitID), task.dueDate.map { .date($0) } ?? .null, t(status), ts(done), b(true),
            ])
        }
        let provinceTitles = [
            "Báo cáo tình hình triển khai dịch vụ công trực tuyến", "Rà soát dữ liệu dân cư phục vụ cấp căn cước",
            "Cập nhật cơ sở dữ liệu đất đai", "Báo cáo kết quả giải ngân vốn đầu tư công", "Tổng hợp ý kiến góp ý dự thảo nghị quyết",
            "Kiểm tra an toàn thực phẩm dịp Tết", "Báo cáo công tác phòng chống thiên tai", "Rà soát hộ nghèo, hộ cận nghèo",
        ]
        for index in 0..<36 {
            let due = LocalDate(year: year, month: 1, day: 15).adding(days: index * 9 + random.int(6))
            let lead = units[1 + random.int(units.count - 1)].id
            var status = "open"
            var done: (text: String, epoch: Int64)?
            if due < today, random.chance(0.85) { done = doneTime(due, lateChance: 0.15); status = done == nil ? "open" : "done" }
            taskRows.append([
                t("TINH-\(year)-\(String(format: "%03d", index + 1))"), .null, t("province"),
                t(provinceTitles[index % provinceTitles.count]), .null, t(lead), .null, t("bac-binh/vp"), .date(due), t(status), ts(done),
                b(random.chance(0.94)),
            ])
        }
        table(
            "tasks",
            [
                "id", "plan_ref", "source", "title", "product", "lead_unit_id", "coordinating", "monitoring_unit_id", "due_date",
                "status", "done_at", "tracked_electronically",
            ], taskRows)
    }

    /// When a task due on `due` was done (late with `lateChance`), if by T.
    mutating func doneTime(_ due: LocalDate?, lateChance: Double) -> (text: String, epoch: Int64)? {
        guard let due else { return nil }
        let late = random.chance(lateChance)
        let doneDay = late ? due.adding(days: 1 + random.int(20)) : due.adding(days: -random.int(15))
        let done = instant(doneDay, minute: 480 + random.int(540))
        return done.epoch <= asOfEpoch ? done : nil
    }

    /// Manual figures, entered at the end of each month: (indicator, final share, denominator).
    mutating func addManualValues() {
        let manual: [(String, Double, Int)] = [
            ("legal_docs_published", 1.0, 24), ("expired_docs_announced", 1.0, 6), ("legal_docs_checked", 0.92, 36),
            ("internal_procedures_published", 1.0, 18), ("interlinked_procedures_compliant", 0.96, 25),
            ("units_functions_defined", 1.0, 6), ("leadership_arrangement", 0.83, 6), ("staff_within_quota", 0.96, 150),
            ("civil_servants_in_position", 1.0, 75), ("public_employees_in_position", 0.97, 60), ("leaders_appointed_properly", 1.0, 12),
            ("training_completed", 0.9, 60), ("investment_disbursed", 0.64, 300), ("audit_recommendations_done", 0.88, 8),
            ("public_assets_compliant", 1.0, 18), ("budget_use_compliant", 1.0, 18), ("dx_plan_completed", 0.78, 27),
            ("cloud_systems_compliant", 1.0, 3),
            // QĐ 766 figures chiso cannot count: the procedures' publication as the province judged it, and the
            // satisfaction ratings from the national portal.
            ("qd766.publish_on_time", 1.0, 52), ("qd766.public_update_on_time", 0.96, 52), ("qd766.public_content_full", 1.0, 52),
            ("qd766.petitions_satisfaction", 0.95, 40), ("qd766.dossier_satisfaction", 0.93, 420),
        ]
        var manualRows: [[ParsedValue]] = []
        for month in 1...12 {
            let end = LocalDate(year: year, month: month, day: LocalDate.daysIn(month: month, year: year))
            let entered = instant(end.adding(days: 2), minute: 540)
            guard entered.epoch <= asOfEpoch else { break }
            let progress = Double(month) / 12
            for (indicator, share, denominator) in manual {
                // Disbursement ramps up through the year; the others hold their level.
                let value = indicator == "investment_disbursed" ? share * progress * 1.1 : share
                let n = min(Double(denominator), (value * Double(denominator)).rounded())
                manualRows.append([
                    t(indicator), t("bac-binh"), .date(end), .text(String(Int(n))), .text(String(denominator)), ts(entered),
                    t("Số liệu tháng \(month)/\(year)"),
                ])
            }
        }
        table("manual_values", ["indicator", "unit_id", "period_end", "numerator", "denominator", "recorded_at", "note"], manualRows)
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same demo everywhere.
public struct SplitMix64: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func double() -> Double { Double(next() >> 11) / Double(1 << 53) }
    public mutating func int(_ upperBound: Int) -> Int { Int(next() % UInt64(max(upperBound, 1))) }
    public mutating func chance(_ p: Double) -> Bool { double() < p }
}

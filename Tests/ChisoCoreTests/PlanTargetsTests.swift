import ChisoCore
import Foundation
import Testing

/// Every measurable target of the plan (section I, "a) Mục tiêu") has its indicator in the
/// catalogue, with the plan's own figure and comparator; and every indicator comes from the plan.
@Suite struct PlanTargetsTests {
    /// A phrase of the target sentence → the indicators that measure it.
    static let mapping: [(phrase: String, indicators: [String])] = [
        ("cập nhật trên cơ sở dữ liệu quốc gia về pháp luật", ["legal_docs_published"]),
        ("hết hiệu lực, tạm ngưng hiệu lực được công bố", ["expired_docs_announced"]),
        ("văn bản quy phạm pháp luật được kiểm tra", ["legal_docs_checked"]),
        ("văn bản trái pháp luật", ["unlawful_docs_handled"]),
        ("thuộc phạm vi quản lý được công bố, công khai", ["procedures_published"]),
        ("thủ tục hành chính nội bộ", ["internal_procedures_published"]),
        ("không phụ thuộc địa giới hành chính", ["procedures_location_independent"]),
        ("tiếp nhận và trả kết quả tại Trung tâm Phục vụ hành chính công", ["dossiers_received_at_center"]),
        ("thủ tục hành chính liên thông", ["interlinked_procedures_compliant"]),
        ("đồng bộ đầy đủ, kịp thời trên Cổng dịch vụ công quốc gia", ["dossiers_synced_national"]),
        ("giải quyết trước và đúng hạn", ["dossiers_on_time"]),
        ("trễ hạn thực hiện việc xin lỗi", ["late_dossiers_apologised"]),
        ("phản ánh, kiến nghị", ["feedback_handled_published"]),
        ("hoàn thiện quy định chức năng", ["units_functions_defined"]),
        ("sắp xếp lãnh đạo", ["leadership_arrangement"]),
        ("không vượt quá số lượng biên chế", ["staff_within_quota"]),
        ("phân cấp, phân quyền", ["decentralisation_issues_handled"]),
        ("bố trí công chức", ["civil_servants_in_position"]),
        ("bố trí viên chức", ["public_employees_in_position"]),
        ("được bổ nhiệm đúng quy định", ["leaders_appointed_properly"]),
        ("đào tạo, bồi dưỡng", ["training_completed"]),
        ("giải ngân kế hoạch đầu tư", ["investment_disbursed"]),
        ("kiến nghị sau thanh tra", ["audit_recommendations_done"]),
        ("quản lý, sử dụng tài sản công", ["public_assets_compliant"]),
        ("sử dụng kinh phí nguồn từ ngân sách", ["budget_use_compliant"]),
        ("giảm so với năm trước", ["public_unit_spending_change"]),
        ("kế hoạch chuyển đổi số", ["dx_plan_completed"]),
        ("e-form", ["report_forms_eform"]),
        ("điện toán đám mây", ["cloud_systems_compliant"]),
        ("(NDXP)", ["ndxp_services_in_use"]),
        ("văn bản được ký số", ["documents_signed"]),
        ("xử lý toàn trình trên môi trường điện tử", ["documents_electronic"]),
        ("Ủy ban nhân dân tỉnh giao", ["province_tasks_tracked"]),
        ("kết nối với Hệ thống thông tin báo cáo tỉnh", ["report_forms_connected"]),
        ("Tỷ lệ số hóa hồ sơ, kết quả", ["dossiers_digitised", "results_digitised"]),
        ("khai thác, sử dụng lại", ["dossiers_data_reused"]),
        ("dịch vụ công đủ điều kiện", ["services_full_online"]),
        ("hồ sơ trực tuyến toàn trình", ["dossiers_full_online"]),
        ("có giao dịch thanh toán trực tuyến", ["procedures_paid_online"]),
        ("Tỷ lệ thanh toán trực tuyến trên Cổng", ["payments_online_national"]),
    ]
    /// Indicators that measure the plan but not a line of "Mục tiêu": II.1 is the appendix's tasks.
    static let fromElsewhere: Set<String> = ["plan_tasks_on_time"]

    /// The measurable sentences of the "a) Mục tiêu" parts: a percentage, or a ceiling or a decrease.
    static func targetSentences() throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/seed/ke-hoach-cchc-2026-xa-bac-binh.txt").standardized
        let text = try String(contentsOf: url, encoding: .utf8)
        var inTargets = false
        var out: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("a) Mục tiêu") { inTargets = true; continue }
            if line.hasPrefix("b) ") { inTargets = false; continue }
            guard inTargets, line.hasPrefix("- ") else { continue }
            for sentence in line.dropFirst(2).components(separatedBy: ". ") {
                if sentence.contains("%") || sentence.contains("không vượt quá") || sentence.contains("giảm so với") {
                    out.append(sentence)
                }
            }
        }
        return out
    }

    @Test func everyMeasurableTargetHasItsIndicatorWithThePlansFigure() throws {
        let sentences = try Self.targetSentences()
        #expect(sentences.count >= 40)
        let catalogue = Catalogue.builtIn
        for sentence in sentences {
            let matches = Self.mapping.filter { sentence.contains($0.phrase) }
            guard matches.count == 1, let match = matches.first else {
                Issue.record("target '\(sentence)' maps to \(matches.count) catalogue entries, expected 1")
                continue
            }
            for id in match.indicators {
                guard let indicator = catalogue.definition(id) else {
                    Issue.record("'\(sentence)': indicator \(id) is not in the catalogue")
                    continue
                }
                // The plan's figure and comparator.
                if let percent = sentence.firstMatch(of: /(\d+)%/).flatMap({ Decimal(string: String($0.1)) }) {
                    #expect(indicator.target * 100 == percent, "\(id): target \(indicator.target) but the plan says \(percent)%")
                } else {
                    #expect(indicator.target == 1, "\(id): a ceiling or a decrease relative to the allotted or last year's figure")
                }
                // "trên 90%" is strictly over; "tối thiểu 98%", "100%" at least; a ceiling; a decrease.
                let expected: TargetComparator =
                    sentence.contains(/trên \d+%/)
                    ? .greaterThan
                    : sentence.contains("không vượt quá")
                        ? .lessOrEqual
                        : sentence.contains("giảm so với") ? .lessThan : .greaterOrEqual
                #expect(indicator.comparator == expected, "\(id): comparator \(indicator.comparator.rawValue), the plan reads '\(sentence)'")
            }
        }
    }

    @Test func everyIndicatorComesFromThePlan() {
        let mapped = Set(Self.mapping.flatMap(\.indicators)).union(Self.fromElsewhere)
        for indicator in Catalogue.builtIn.indicators {
            #expect(mapped.contains(indicator.id), "\(indicator.id) measures no target of the plan")
        }
    }
}

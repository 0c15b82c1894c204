-- A small, deterministic demo of xã Bắc Bình for 2026 (README command 1). Run with search_path set
-- to the chiso schema, in one transaction; it replaces whatever demo data is there.
-- Random-looking but fixed: setseed() makes random() repeat the same sequence on every load.
-- The full plan (every task of the appendix) and a realistic year come with `chiso import` / `chiso demo`.

SELECT setseed(0.2026);

TRUNCATE manual_values, tasks, report_forms, feedback, documents, payments, dossiers, procedures, units CASCADE;

INSERT INTO units (id, parent_id, name, kind, alert_email, head_email) VALUES
  ('bac-binh', NULL, 'Xã Bắc Bình', 'commune', 'ubnd@bacbinh.lamdong.gov.vn', 'chutich@bacbinh.lamdong.gov.vn'),
  ('bac-binh/vp', 'bac-binh', 'Văn phòng HĐND và UBND xã', 'department', 'vanphong@bacbinh.lamdong.gov.vn', NULL),
  ('bac-binh/kt', 'bac-binh', 'Phòng Kinh tế', 'department', 'kinhte@bacbinh.lamdong.gov.vn', NULL),
  ('bac-binh/vh-xh', 'bac-binh', 'Phòng Văn hóa – Xã hội', 'department', 'vhxh@bacbinh.lamdong.gov.vn', NULL),
  ('bac-binh/tt-phvhcc', 'bac-binh', 'Trung tâm Phục vụ hành chính công', 'center', 'tthcc@bacbinh.lamdong.gov.vn', NULL),
  ('bac-binh/ca', 'bac-binh', 'Công an xã', 'other', NULL, NULL),
  ('bac-binh/tt-dvth', 'bac-binh', 'Trung tâm Dịch vụ tổng hợp', 'center', NULL, NULL);

-- 40 procedures: most fully online and eligible, a few partial or offline, some with fees.
INSERT INTO procedures (code, name, field, service_level, full_online_eligible, has_fee, online_payment_enabled,
                        requires_result_document, published, location_independent, internal)
SELECT format('1.%s.000.00.00.H36', lpad(i::text, 6, '0')),
       (ARRAY['Đăng ký khai sinh', 'Chứng thực bản sao từ bản chính', 'Đăng ký kết hôn', 'Cấp giấy phép xây dựng',
              'Đăng ký hộ kinh doanh', 'Xác nhận tình trạng hôn nhân', 'Đăng ký thường trú', 'Trợ cấp xã hội'])[1 + (i % 8)]
         || CASE WHEN i > 8 THEN format(' (mẫu %s)', i) ELSE '' END,
       (ARRAY['Hộ tịch', 'Chứng thực', 'Xây dựng', 'Kinh tế', 'Bảo trợ xã hội'])[1 + (i % 5)],
       CASE WHEN i % 10 IN (0, 7) THEN 'partial' WHEN i % 13 = 0 THEN 'none' ELSE 'full' END,
       i % 13 <> 0,
       i % 3 = 0,
       i % 3 = 0 AND i % 9 <> 0,
       i % 11 <> 0,
       i % 17 <> 0,
       i % 4 <> 0,
       i > 38
FROM generate_series(1, 40) AS i;

-- 600 dossiers received from October 2025 to November 2026 (working hours), mostly handled on time.
INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, due_at, finished_at,
                      received_at_center, digitised, reused_data, e_result, synced_national, apologised_at)
SELECT code, procedure_code, unit_id, channel, status, received_at, due_at,
       CASE WHEN status = 'finished' THEN finished_at END,
       received_at_center, digitised, reused_data, e_result AND status = 'finished', synced_national,
       CASE WHEN status = 'finished' AND finished_at > due_at AND apologise THEN finished_at + interval '1 day' END
FROM (
SELECT *,
       -- about 3 % finish late (by 2 hours to 4 days); the rest somewhere before the due time
       CASE WHEN late_draw < 0.03 THEN due_at + make_interval(hours => 2 + (pace * 94)::int)
            ELSE received_at + (due_at - received_at) * (0.15 + pace * 0.8) END AS finished_at
FROM (
  SELECT format('BB-%s', lpad(i::text, 6, '0')) AS code,
         format('1.%s.000.00.00.H36', lpad((1 + (i * 7) % 38)::text, 6, '0')) AS procedure_code,
         (ARRAY['bac-binh/tt-phvhcc', 'bac-binh/tt-phvhcc', 'bac-binh/tt-phvhcc', 'bac-binh/kt', 'bac-binh/vh-xh', 'bac-binh/ca'])[1 + (i % 6)] AS unit_id,
         CASE WHEN random() < 0.72 THEN 'online' WHEN random() < 0.9 THEN 'in_person' ELSE 'postal' END AS channel,
         received_at,
         received_at + make_interval(days => 3 + (i % 5)) AS due_at,
         random() AS late_draw,
         random() AS pace,
         CASE WHEN received_at > timestamptz '2026-11-20 00:00+07' AND random() < 0.6 THEN 'processing'
              WHEN random() < 0.02 THEN 'withdrawn' WHEN random() < 0.02 THEN 'rejected'
              WHEN received_at > timestamptz '2026-11-10 00:00+07' AND random() < 0.15 THEN 'processing'
              ELSE 'finished' END AS status,
         random() < 0.97 AS received_at_center,
         random() < 0.84 AS digitised,
         random() < 0.46 AS reused_data,
         random() < 0.82 AS e_result,
         random() < 0.99 AS synced_national,
         random() < 0.7 AS apologise
  FROM (
    SELECT i, timestamptz '2025-10-01 07:30+07'
              + make_interval(days => (i * 427 / 600)) + make_interval(mins => (i * 37) % 540) AS received_at
    FROM generate_series(1, 600) AS i
  ) AS base
) AS drawn
) AS d;

-- A payment for dossiers of fee-charging procedures; most through the national portal.
INSERT INTO payments (id, dossier_code, paid_at, amount, method)
SELECT 'PAY-' || d.code, d.code, d.received_at + interval '2 hours', (1 + (random() * 9)::int) * 10000,
       CASE WHEN random() < 0.86 THEN 'national_portal' WHEN random() < 0.5 THEN 'provincial_gateway'
            WHEN random() < 0.5 THEN 'cash' ELSE 'bank_transfer' END
FROM dossiers d JOIN procedures p ON p.code = d.procedure_code
WHERE p.has_fee AND d.status IN ('processing', 'finished');

-- 700 documents, both directions; a few state secrets (excluded from the ratios).
INSERT INTO documents (id, unit_id, direction, registered_at, digitally_signed, processed_electronically, security_level)
SELECT format('VB-%s', lpad(i::text, 5, '0')),
       (ARRAY['bac-binh/vp', 'bac-binh/kt', 'bac-binh/vh-xh', 'bac-binh/tt-phvhcc', 'bac-binh/ca', 'bac-binh/tt-dvth'])[1 + (i % 6)],
       CASE WHEN i % 5 < 3 THEN 'outgoing' ELSE 'incoming' END,
       timestamptz '2026-01-02 08:00+07' + make_interval(days => i * 330 / 700, mins => (i * 13) % 480),
       random() < 0.74, random() < 0.95,
       CASE WHEN i % 97 = 0 THEN 'confidential' ELSE 'normal' END
FROM generate_series(1, 700) AS i;

INSERT INTO feedback (id, unit_id, received_at, resolved_at, result_published)
SELECT format('PAKN-%s', lpad(i::text, 4, '0')),
       (ARRAY['bac-binh/tt-phvhcc', 'bac-binh/kt', 'bac-binh/vh-xh'])[1 + (i % 3)],
       timestamptz '2026-01-05 09:00+07' + make_interval(days => i * 9),
       CASE WHEN i % 8 <> 0 THEN timestamptz '2026-01-05 09:00+07' + make_interval(days => i * 9 + 3) END,
       i % 6 <> 0
FROM generate_series(1, 36) AS i;

INSERT INTO report_forms (id, unit_id, name, periodic, eform, connected_provincial)
SELECT format('BM-%s', lpad(i::text, 3, '0')),
       (ARRAY['bac-binh/vp', 'bac-binh/kt', 'bac-binh/vh-xh', 'bac-binh/tt-phvhcc'])[1 + (i % 4)],
       format('Biểu mẫu báo cáo định kỳ số %s', i), i % 10 <> 0, i % 5 <> 0, i % 7 <> 0
FROM generate_series(1, 30) AS i;

-- A few tasks of the plan's appendix (the full appendix is loaded by `chiso import plan`), and
-- tasks assigned by the province.
INSERT INTO tasks (id, plan_ref, source, title, product, lead_unit_id, coordinating, monitoring_unit_id, due_date, status, done_at, tracked_electronically) VALUES
  ('KH2026-I.1', 'I.1', 'plan', 'Định kỳ thực hiện việc công bố danh mục văn bản quy phạm pháp luật hết hiệu lực, tạm ngưng hiệu lực theo thẩm quyền.', 'Danh mục văn bản quy phạm pháp luật hết hiệu lực, tạm ngưng hiệu lực', 'bac-binh/vp', NULL, 'bac-binh/vp', '2026-01-31', 'done', '2026-01-29 16:00+07', true),
  ('KH2026-I.3', 'I.3', 'plan', 'Tham mưu UBND tỉnh triển khai ứng dụng AI, tờ rơi, tờ gấp, infographic trong công tác phổ biến, giáo dục pháp luật trên địa bàn xã.', 'Ứng dụng AI, tờ rơi, tờ gấp, infographic trong công tác phổ biến, giáo dục pháp luật', 'bac-binh/vp', 'Phòng Văn hóa – Xã hội', 'bac-binh/vp', '2026-12-31', 'open', NULL, true),
  ('KH2026-II.10-09', 'II.10', 'plan', 'Công khai trên Trang thông tin điện tử kết quả đánh giá Bộ chỉ số theo Quyết định số 766/QĐ-TTg (tháng 9)', 'Kết quả công khai', 'bac-binh/tt-phvhcc', NULL, 'bac-binh/tt-phvhcc', '2026-09-30', 'done', '2026-10-02 10:00+07', true),
  ('KH2026-II.10-10', 'II.10', 'plan', 'Công khai trên Trang thông tin điện tử kết quả đánh giá Bộ chỉ số theo Quyết định số 766/QĐ-TTg (tháng 10)', 'Kết quả công khai', 'bac-binh/tt-phvhcc', NULL, 'bac-binh/tt-phvhcc', '2026-10-31', 'done', '2026-10-30 10:00+07', true),
  ('KH2026-II.10-11', 'II.10', 'plan', 'Công khai trên Trang thông tin điện tử kết quả đánh giá Bộ chỉ số theo Quyết định số 766/QĐ-TTg (tháng 11)', 'Kết quả công khai', 'bac-binh/tt-phvhcc', NULL, 'bac-binh/tt-phvhcc', '2026-11-30', 'open', NULL, true),
  ('KH2026-III.1', 'III.1', 'plan', 'Rà soát, hoàn thiện quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của các cơ quan chuyên môn.', 'Quyết định quy định chức năng, nhiệm vụ', 'bac-binh/vh-xh', 'Các cơ quan, đơn vị', 'bac-binh/vh-xh', '2026-03-31', 'done', '2026-03-27 15:00+07', true),
  ('KH2026-IV.3', 'IV.3', 'plan', 'Xây dựng và triển khai kế hoạch đào tạo, bồi dưỡng cán bộ, công chức, viên chức năm 2026.', 'Kế hoạch đào tạo, bồi dưỡng', 'bac-binh/vh-xh', NULL, 'bac-binh/vh-xh', '2026-02-28', 'done', '2026-03-06 09:00+07', true),
  ('KH2026-V.1', 'V.1', 'plan', 'Đẩy nhanh tiến độ giải ngân kế hoạch đầu tư vốn ngân sách nhà nước năm 2026.', 'Báo cáo tiến độ giải ngân', 'bac-binh/kt', NULL, 'bac-binh/kt', '2026-09-30', 'open', NULL, true),
  ('KH2026-VI.2', 'VI.2', 'plan', 'Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực.', 'Dữ liệu số hóa', 'bac-binh/tt-phvhcc', 'Công an xã', 'bac-binh/tt-phvhcc', '2026-10-31', 'open', NULL, true),
  ('KH2026-VI.5', 'VI.5', 'plan', 'Kết nối 100% chế độ báo cáo của xã với Hệ thống thông tin báo cáo tỉnh.', 'Chế độ báo cáo được kết nối', 'bac-binh/vp', NULL, 'bac-binh/vp', '2026-11-25', 'open', NULL, true),
  ('KH2026-VII.1', 'VII.1', 'plan', 'Báo cáo kết quả cải cách hành chính năm 2026.', 'Báo cáo năm', 'bac-binh/vh-xh', 'Các cơ quan, đơn vị', 'bac-binh', '2026-12-05', 'open', NULL, true),
  ('KH2026-II.6', 'II.6', 'plan', 'Có giải pháp giảm tỷ lệ trễ hẹn trong giải quyết hồ sơ; thực hiện đầy đủ, kịp thời việc xin lỗi người dân, tổ chức khi để xảy ra trễ hẹn.', 'Kết quả giải quyết thủ tục hành chính', 'bac-binh', NULL, 'bac-binh/tt-phvhcc', NULL, 'open', NULL, true),
  ('TINH-2026-014', NULL, 'province', 'Báo cáo tình hình triển khai Đề án 06 quý III/2026', NULL, 'bac-binh/ca', NULL, 'bac-binh/vp', '2026-10-10', 'done', '2026-10-09 10:00+07', true),
  ('TINH-2026-021', NULL, 'province', 'Rà soát dữ liệu dân cư phục vụ cấp căn cước', NULL, 'bac-binh/ca', NULL, 'bac-binh/vp', '2026-11-15', 'open', NULL, false),
  ('TINH-2026-030', NULL, 'province', 'Triển khai thanh toán trực tuyến phí, lệ phí TTHC', NULL, 'bac-binh/tt-phvhcc', NULL, 'bac-binh/vp', '2026-12-15', 'open', NULL, true);

-- Figures entered by hand at the end of each quarter (cumulative), for the commune.
INSERT INTO manual_values (indicator, unit_id, period_end, numerator, denominator, recorded_at, note)
SELECT m.indicator, 'bac-binh', q.period_end, m.numerator * q.share, m.denominator * q.share,
       q.period_end + time '09:00' + interval '5 days', 'nhập tay'
FROM (VALUES ('legal_docs_published', 12, 12), ('legal_docs_checked', 11, 12), ('training_completed', 18, 20),
             ('civil_servants_in_position', 25, 25), ('staff_within_quota', 48, 50), ('investment_disbursed', 62, 100),
             ('dx_plan_completed', 7, 9), ('public_assets_compliant', 6, 6)) AS m (indicator, numerator, denominator)
CROSS JOIN (VALUES (date '2026-03-31', 1), (date '2026-06-30', 2), (date '2026-09-30', 3)) AS q (period_end, share);

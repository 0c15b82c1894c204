-- The hand-computed fixture. T = 2026-06-15T10:00:00+07:00 in Asia/Ho_Chi_Minh.
-- Periods: year from 2026-01-01 00:00+07, quarter from 2026-04-01 00:00+07, month from 2026-06-01 00:00+07.
-- Every expected figure is derived in FixtureExpectations.swift, row by row, from the comments here.

INSERT INTO units (id, parent_id, name, kind, alert_email, head_email) VALUES
  ('bac-binh', NULL, 'Xã Bắc Bình', 'commune', 'ubnd@bacbinh.example', 'chutich@bacbinh.example'),
  ('bac-binh/vp', 'bac-binh', 'Văn phòng HĐND và UBND', 'department', 'vp@bacbinh.example', NULL),
  ('bac-binh/tthc', 'bac-binh', 'Trung tâm Phục vụ hành chính công', 'center', NULL, NULL),
  ('bac-binh/tthc/quay-1', 'bac-binh/tthc', 'Quầy 1 <"tiếp nhận"> & trả kết quả', 'other', NULL, NULL),
  ('xa-khac', NULL, 'Xã Khác', 'commune', NULL, NULL);

-- P1 full, eligible, online payment; P2 partial, eligible, online payment, no result document, unpublished;
-- P3 internal; P4 full, eligible, no online payment.
INSERT INTO procedures (code, name, service_level, full_online_eligible, has_fee, online_payment_enabled,
                        requires_result_document, published, location_independent, internal) VALUES
  ('P1', 'Chứng thực bản sao', 'full', true, true, true, true, true, true, false),
  ('P2', 'Đăng ký hộ kinh doanh', 'partial', true, true, true, false, false, false, false),
  ('P3', 'Thủ tục nội bộ', 'none', false, false, false, true, false, false, true),
  ('P4', 'Đăng ký khai sinh', 'full', true, false, false, true, true, false, false);

INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, due_at, finished_at,
                      received_at_center, digitised, reused_data, e_result, synced_national, apologised_at) VALUES
  -- first instant of the year; finished exactly at due_at: on time
  ('D01', 'P1', 'bac-binh/tthc', 'online', 'finished', '2026-01-01 00:00:00+07', '2026-01-05 17:00:00+07', '2026-01-05 17:00:00+07', true, true, true, true, true, NULL),
  -- last instant of 2025, finished this year one second after due_at: late, apologised
  ('D02', 'P1', 'bac-binh/tthc', 'in_person', 'finished', '2025-12-31 23:59:59+07', '2026-01-03 17:00:00+07', '2026-01-03 17:00:01+07', true, false, false, false, true, '2026-01-04 08:00:00+07'),
  -- carried over from 2025, still open, past due: late and overdue, no apology
  ('D03', 'P2', 'bac-binh/vp', 'in_person', 'processing', '2025-11-10 09:00:00+07', '2025-12-10 17:00:00+07', NULL, true, false, false, false, false, NULL),
  -- finished last year: counted nowhere
  ('D04', 'P2', 'bac-binh/vp', 'online', 'finished', '2025-10-01 09:00:00+07', '2025-10-15 17:00:00+07', '2025-12-20 10:00:00+07', true, true, true, true, true, NULL),
  -- due_at == T: on time, not overdue
  ('D05', 'P4', 'bac-binh/tthc/quay-1', 'online', 'processing', '2026-06-10 08:00:00+07', '2026-06-15 10:00:00+07', NULL, true, true, false, false, false, NULL),
  -- withdrawn and rejected: excluded everywhere
  ('D06', 'P1', 'bac-binh/tthc/quay-1', 'in_person', 'withdrawn', '2026-02-01 08:00:00+07', '2026-02-05 17:00:00+07', NULL, true, true, true, true, true, NULL),
  ('D07', 'P1', 'bac-binh/tthc/quay-1', 'in_person', 'rejected', '2026-03-01 08:00:00+07', '2026-03-05 17:00:00+07', NULL, true, true, true, true, true, NULL),
  -- received one second after T: does not exist yet
  ('D08', 'P1', 'bac-binh/tthc', 'online', 'processing', '2026-06-15 10:00:01+07', '2026-06-20 17:00:00+07', NULL, true, true, true, true, true, NULL),
  -- first instant of Q2, finished in June after due_at: late; apology dated after T does not count
  ('D09', 'P4', 'bac-binh/tthc', 'in_person', 'finished', '2026-04-01 00:00:00+07', '2026-04-10 17:00:00+07', '2026-06-14 09:00:00+07', true, false, false, true, true, '2026-06-16 08:00:00+07'),
  -- last instant of May; finished_at after T, so still processing as of T, due later: on time
  ('D10', 'P1', 'bac-binh/vp', 'online', 'finished', '2026-05-31 23:59:59+07', '2026-06-20 17:00:00+07', '2026-06-15 10:30:00+07', true, false, true, false, false, NULL),
  -- last instant of Q1, no deadline: on time, open
  ('D11', 'P2', 'bac-binh/vp', 'in_person', 'processing', '2026-03-31 23:59:59+07', NULL, NULL, false, true, false, false, true, NULL),
  -- first instant of June, finished before due
  ('D12', 'P1', 'bac-binh/tthc', 'online', 'finished', '2026-06-01 00:00:00+07', '2026-06-05 17:00:00+07', '2026-06-03 10:00:00+07', false, true, false, true, true, NULL),
  -- February, on time; P2 issues no result document
  ('D13', 'P2', 'bac-binh/vp', 'in_person', 'finished', '2026-02-01 08:00:00+07', '2026-02-10 17:00:00+07', '2026-02-05 10:00:00+07', true, false, false, false, false, NULL);

INSERT INTO payments (id, dossier_code, paid_at, amount, method) VALUES
  ('PAY1', 'D01', '2026-01-02 10:00:00+07', 50000, 'national_portal'),
  ('PAY2', 'D12', '2026-06-03 10:00:00+07', 50000, 'provincial_gateway'),
  ('PAY3', 'D10', '2026-06-10 10:00:00+07', 50000, 'cash'),
  ('PAY4', 'D05', '2026-06-11 10:00:00+07', 20000, 'national_portal'),
  ('PAY5', 'D13', '2026-02-02 10:00:00+07', 100000, 'bank_transfer'),
  ('PAY6', 'D12', '2026-06-15 10:00:01+07', 50000, 'national_portal');

INSERT INTO documents (id, unit_id, direction, registered_at, digitally_signed, processed_electronically, security_level) VALUES
  ('DOC1', 'bac-binh/tthc', 'outgoing', '2026-01-01 00:00:00+07', true, true, 'normal'),
  ('DOC2', 'bac-binh/tthc', 'outgoing', '2026-03-15 09:00:00+07', true, false, 'normal'),
  ('DOC3', 'bac-binh/vp', 'outgoing', '2026-06-01 00:00:00+07', false, true, 'normal'),
  ('DOC4', 'bac-binh/vp', 'incoming', '2026-06-05 09:00:00+07', false, true, 'normal'),
  ('DOC5', 'bac-binh/vp', 'outgoing', '2026-05-10 09:00:00+07', true, true, 'secret'),
  ('DOC6', 'bac-binh/tthc', 'outgoing', '2025-12-31 23:59:59+07', true, true, 'normal'),
  ('DOC7', 'bac-binh/tthc', 'outgoing', '2026-06-15 10:00:01+07', true, true, 'normal'),
  ('DOC8', 'bac-binh/tthc/quay-1', 'outgoing', '2026-04-20 09:00:00+07', false, false, 'normal'),
  ('DOC9', 'bac-binh/vp', 'outgoing', '2026-02-02 09:00:00+07', true, false, 'normal'),
  ('DOC10', 'bac-binh/vp', 'outgoing', '2026-02-03 09:00:00+07', true, false, 'normal'),
  ('DOC11', 'bac-binh/vp', 'outgoing', '2026-02-04 09:00:00+07', true, false, 'normal'),
  ('DOC12', 'bac-binh/vp', 'outgoing', '2026-02-05 09:00:00+07', true, false, 'normal'),
  ('DOC13', 'bac-binh/vp', 'outgoing', '2026-02-06 09:00:00+07', true, false, 'normal'),
  ('DOC14', 'bac-binh/vp', 'outgoing', '2026-02-07 09:00:00+07', false, false, 'normal');

INSERT INTO feedback (id, unit_id, received_at, resolved_at, result_published) VALUES
  ('FB1', 'bac-binh/tthc', '2026-02-01 09:00:00+07', '2026-02-03 09:00:00+07', true),
  ('FB2', 'bac-binh/tthc', '2026-06-02 09:00:00+07', '2026-06-16 09:00:00+07', true),
  ('FB3', 'bac-binh/vp', '2026-05-01 09:00:00+07', '2026-05-02 09:00:00+07', false),
  ('FB4', 'bac-binh/vp', '2026-06-15 10:00:01+07', NULL, false),
  -- QĐ 766 5.2 (15 working days after the receiving day): received Mon 2 March, due by the end of Mon 23 March,
  -- resolved 1 April: late. Received Mon 4 May, due by the end of Mon 25 May, still open at T: late.
  -- (FB2, received Tue 2 June, is due by the end of Tue 23 June: open at T and still on time.)
  ('FB5', 'bac-binh/vp', '2026-03-02 09:00:00+07', '2026-04-01 09:00:00+07', false),
  ('FB6', 'bac-binh/vp', '2026-05-04 09:00:00+07', NULL, false);

INSERT INTO report_forms (id, unit_id, name, periodic, eform, connected_provincial) VALUES
  ('RF1', 'bac-binh/tthc', 'Báo cáo tháng', true, true, true),
  ('RF2', 'bac-binh/tthc', 'Báo cáo quý', true, false, true),
  ('RF3', 'bac-binh/vp', 'Báo cáo năm', true, true, false),
  ('RF4', 'bac-binh/vp', 'Báo cáo đột xuất', false, true, true);

INSERT INTO tasks (id, plan_ref, source, title, lead_unit_id, monitoring_unit_id, due_date, status, done_at, tracked_electronically) VALUES
  -- done 23:30 local on the due day (16:30 UTC): on time
  ('T1', 'I.1', 'plan', 'Rà soát văn bản', 'bac-binh/vp', 'bac-binh', '2026-01-15', 'done', '2026-01-15 23:30:00+07', true),
  -- done 00:30 local the next day (still the due day in UTC): late
  ('T2', 'I.2', 'plan', 'Công bố TTHC', 'bac-binh/vp', 'bac-binh', '2026-01-15', 'done', '2026-01-16 00:30:00+07', true),
  ('T3', 'II.3', 'plan', 'Số hóa hồ sơ <tồn đọng> & "cũ"', 'bac-binh/tthc', 'bac-binh/vp', '2026-06-14', 'open', NULL, true),
  -- due today: neither counted as due yet nor overdue
  ('T4', 'II.4', 'plan', 'Báo cáo quý II', 'bac-binh/tthc', 'bac-binh/vp', '2026-06-15', 'open', NULL, true),
  -- done after T: open and overdue as of T
  ('T5', 'II.5', 'plan', 'Niêm yết TTHC', 'bac-binh/tthc/quay-1', 'bac-binh/vp', '2026-04-30', 'done', '2026-06-15 10:30:00+07', true),
  ('T6', 'II.6', 'plan', 'Nhiệm vụ đã hủy', 'bac-binh/vp', NULL, '2026-03-10', 'cancelled', NULL, true),
  ('T7', 'II.7', 'plan', 'Thường xuyên trong năm', 'bac-binh/vp', NULL, NULL, 'open', NULL, true),
  -- due in 2025, still open: overdue, but outside the year's plan_tasks_on_time
  ('T8', 'II.8', 'plan', 'Kế hoạch năm trước', 'bac-binh/tthc', 'bac-binh/vp', '2025-12-31', 'open', NULL, true),
  ('PT1', NULL, 'province', 'Nhiệm vụ tỉnh giao 1', 'bac-binh/vp', NULL, '2026-02-01', 'done', '2026-01-30 10:00:00+07', true),
  ('PT2', NULL, 'province', 'Nhiệm vụ tỉnh giao 2', 'bac-binh/tthc', NULL, NULL, 'open', NULL, false),
  ('PT3', NULL, 'province', 'Nhiệm vụ tỉnh giao 3', 'bac-binh/vp', NULL, '2025-12-01', 'done', '2025-11-30 10:00:00+07', false),
  ('PT4', NULL, 'province', 'Nhiệm vụ tỉnh giao 4', 'bac-binh/tthc/quay-1', NULL, '2026-05-20', 'done', '2026-05-19 10:00:00+07', true);

INSERT INTO manual_values (indicator, unit_id, period_end, numerator, denominator, recorded_at, note) VALUES
  ('legal_docs_published', 'bac-binh', '2026-03-31', 8, 10, '2026-04-02 09:00:00+07', NULL),
  ('legal_docs_published', 'bac-binh', '2026-05-31', 9, 10, '2026-06-01 09:00:00+07', 'first entry'),
  ('legal_docs_published', 'bac-binh', '2026-05-31', 10, 10, '2026-06-02 09:00:00+07', 'corrected'),
  ('legal_docs_published', 'bac-binh', '2026-06-10', 5, 10, '2026-06-15 10:00:01+07', 'recorded after T'),
  ('legal_docs_published', 'bac-binh', '2026-06-30', 1, 10, '2026-06-01 09:00:00+07', 'period_end after date(T)'),
  ('staff_within_quota', 'bac-binh/vp', '2026-06-01', 21, 20, '2026-06-01 09:00:00+07', NULL),
  ('investment_disbursed', 'bac-binh', '2026-01-31', 9, 10, '2026-02-01 09:00:00+07', NULL);

-- QĐ 766 publication: the officials holding late dossiers (D03 open past due, D09 finished late in June);
-- D12 names one too but was on time: not listed.
UPDATE dossiers SET late_official = 'Nguyễn Văn An' WHERE code = 'D03';
UPDATE dossiers SET late_official = 'Trần Thị <Bình>' WHERE code = 'D09';
UPDATE dossiers SET late_official = 'Lê Văn Cường' WHERE code = 'D12';

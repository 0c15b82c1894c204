-- Alert fixture, read as of Monday 2026-06-15 08:00 +07 (digests due at 07:30 on working days).
-- Expected digests (hand-worked):
--   c/kt  To kinhte@; K1 5 days, K5 3 days, K2 14 days overdue → K2 escalated: Cc truongphong.kt@ (its head)
--         and vhxh@ (K2's monitoring unit); K3 due in 2 days (warn 3); K4 in 10 days: not listed.
--         K5 is done on Monday 14:00: Tuesday's digest lists it as completed.
--   c/ca  no address of its own → To ubnd@ (the commune's); A1 3 days overdue, not escalated.
--   c/bad its alert_email carries a header injection → invalid → To ubnd@; B1 1 day overdue.
--   c/vh  no task; V1 unfinished past due (overdue, late, no apology), V2 finished late without
--         apology, V3 finished late with apology → 1 overdue dossier, 2 late without apology.
--   lonely (a second root) no address anywhere → undeliverable.
INSERT INTO units (id, parent_id, name, kind, alert_email, head_email) VALUES
  ('c', NULL, 'Xã Bắc Bình', 'commune', 'ubnd@bacbinh.example', 'chutich@bacbinh.example'),
  ('c/kt', 'c', 'Phòng Kinh tế', 'department', 'kinhte@bacbinh.example', 'truongphong.kt@bacbinh.example'),
  ('c/vh', 'c', 'Phòng Văn hóa – Xã hội', 'department', 'vhxh@bacbinh.example', NULL),
  ('c/ca', 'c', 'Công an xã', 'other', NULL, NULL),
  ('c/bad', 'c', E'Tổ <x> & "y"\r\nX-Injected: yes', 'other', E'evil@example.com\r\nBcc: attacker@example.com', NULL),
  ('lonely', NULL, 'Xã Khác', 'commune', NULL, NULL);

INSERT INTO procedures (code, name, service_level) VALUES ('P1', 'Đăng ký khai sinh', 'full');

INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, due_at, finished_at, apologised_at) VALUES
  ('V1', 'P1', 'c/vh', 'online', 'processing', '2026-06-01 09:00+07', '2026-06-10 17:00+07', NULL, NULL),
  ('V2', 'P1', 'c/vh', 'online', 'finished', '2026-05-01 09:00+07', '2026-05-05 17:00+07', '2026-05-06 10:00+07', NULL),
  ('V3', 'P1', 'c/vh', 'online', 'finished', '2026-05-01 09:00+07', '2026-05-05 17:00+07', '2026-05-06 10:00+07', '2026-05-07 10:00+07'),
  ('V4', 'P1', 'c/vh', 'online', 'finished', '2026-05-01 09:00+07', '2026-05-05 17:00+07', '2026-05-04 10:00+07', NULL);

INSERT INTO tasks (id, plan_ref, source, title, lead_unit_id, monitoring_unit_id, due_date, status, done_at) VALUES
  ('K1', 'II.1', 'plan', 'Rà soát quy trình nội bộ', 'c/kt', 'c/vh', '2026-06-10', 'open', NULL),
  ('K2', 'II.2', 'plan', E'x\r\nBcc: attacker@example.com', 'c/kt', 'c/vh', '2026-06-01', 'open', NULL),
  ('K3', 'II.3', 'plan', 'Báo cáo giải ngân', 'c/kt', NULL, '2026-06-17', 'open', NULL),
  ('K4', 'II.4', 'plan', 'Kế hoạch quý III', 'c/kt', NULL, '2026-06-25', 'open', NULL),
  ('K5', 'II.5', 'plan', 'Hoàn thành sau lần nhắc đầu', 'c/kt', NULL, '2026-06-12', 'done', '2026-06-15 14:00+07'),
  ('A1', 'III.1', 'plan', 'Rà soát dữ liệu dân cư', 'c/ca', 'c/vh', '2026-06-12', 'open', NULL),
  ('B1', 'III.2', 'plan', 'Nhiệm vụ của tổ', 'c/bad', NULL, '2026-06-14', 'open', NULL),
  ('L1', 'IV.1', 'plan', 'Nhiệm vụ xã khác', 'lonely', NULL, '2026-06-01', 'open', NULL);

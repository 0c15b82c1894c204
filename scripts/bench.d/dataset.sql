-- A synthetic province for scripts/bench: 1 province, :communes communes × 6 departments, and
-- :dossiers dossiers over two years (2025-01-01 .. 2026-11-30), with payments, documents,
-- feedback, tasks and report forms in proportion (defaults: 5 M dossiers, 1.5 M payments,
-- 2 M documents, 100 k feedback, 5 k tasks). Deterministic (setseed). psql variables:
--   communes, dossiers, payments, documents, feedback, tasks
SELECT setseed(0.124);
TRUNCATE manual_values, tasks, report_forms, feedback, documents, payments, dossiers, procedures, units CASCADE;

INSERT INTO units (id, parent_id, name, kind)
SELECT 'lam-dong', NULL, 'Tỉnh Lâm Đồng', 'province';
INSERT INTO units (id, parent_id, name, kind)
SELECT format('lam-dong/c%s', lpad(c::text, 3, '0')), 'lam-dong', format('Xã %s', c), 'commune'
FROM generate_series(1, :communes) AS c;
INSERT INTO units (id, parent_id, name, kind)
SELECT format('lam-dong/c%s/d%s', lpad(c::text, 3, '0'), d), format('lam-dong/c%s', lpad(c::text, 3, '0')),
       format('Phòng %s xã %s', d, c), CASE WHEN d = 1 THEN 'center' ELSE 'department' END
FROM generate_series(1, :communes) AS c, generate_series(1, 6) AS d;

INSERT INTO procedures (code, name, service_level, full_online_eligible, has_fee, online_payment_enabled,
                        requires_result_document, published, location_independent, internal)
SELECT format('P%s', lpad(i::text, 4, '0')), format('Thủ tục %s', i),
       CASE WHEN i % 10 = 0 THEN 'partial' WHEN i % 13 = 0 THEN 'none' ELSE 'full' END,
       i % 13 <> 0, i % 3 = 0, i % 3 = 0 AND i % 9 <> 0, i % 11 <> 0, i % 17 <> 0, i % 4 <> 0, i % 50 = 0
FROM generate_series(1, 400) AS i;

-- Dossiers: spread evenly over 699 days; about 3 % late; the last weeks partly still processing.
INSERT INTO dossiers (code, procedure_code, unit_id, channel, status, received_at, due_at, finished_at,
                      received_at_center, digitised, reused_data, e_result, synced_national, apologised_at)
SELECT code, procedure_code, unit_id, channel, status, received_at, due_at,
       CASE WHEN status = 'finished' THEN finished_at END,
       random() < 0.97, random() < 0.84, random() < 0.5, status = 'finished' AND random() < 0.82, random() < 0.99,
       CASE WHEN status = 'finished' AND finished_at > due_at AND random() < 0.7 THEN finished_at + interval '1 day' END
FROM (
  SELECT *, CASE WHEN late < 0.03 THEN due_at + interval '30 hours' ELSE received_at + (due_at - received_at) * pace END AS finished_at
  FROM (
    SELECT format('D%s', i) AS code,
           format('P%s', lpad((1 + i % 400)::text, 4, '0')) AS procedure_code,
           format('lam-dong/c%s/d%s', lpad((1 + i % :communes)::text, 3, '0'), 1 + (i / :communes) % 6) AS unit_id,
           CASE WHEN i % 10 < 7 THEN 'online' WHEN i % 10 < 9 THEN 'in_person' ELSE 'postal' END AS channel,
           CASE WHEN i > :dossiers * 0.985 AND i % 3 <> 0 THEN 'processing'
                WHEN i % 97 = 0 THEN 'withdrawn' WHEN i % 89 = 0 THEN 'rejected' ELSE 'finished' END AS status,
           r AS received_at, r + make_interval(days => 3 + i % 5) AS due_at,
           random() AS late, 0.15 + random() * 0.8 AS pace
    FROM (SELECT i, timestamptz '2025-01-01 07:30+07' + (i::float8 / :dossiers) * interval '699 days' AS r
          FROM generate_series(1, :dossiers) AS i) AS base
  ) AS drawn
) AS d;

INSERT INTO payments (id, dossier_code, paid_at, amount, method)
SELECT format('PAY%s', i), format('D%s', 1 + (i::bigint * 7919) % :dossiers),
       timestamptz '2025-01-01 09:00+07' + (i::float8 / :payments) * interval '699 days', 10000 + (i % 9) * 10000,
       CASE WHEN i % 10 < 8 THEN 'national_portal' WHEN i % 10 = 8 THEN 'provincial_gateway' ELSE 'cash' END
FROM generate_series(1, :payments) AS i;

INSERT INTO documents (id, unit_id, direction, registered_at, digitally_signed, processed_electronically, security_level)
SELECT format('DOC%s', i), format('lam-dong/c%s/d%s', lpad((1 + i % :communes)::text, 3, '0'), 1 + (i / :communes) % 6),
       CASE WHEN i % 5 < 3 THEN 'outgoing' ELSE 'incoming' END,
       timestamptz '2025-01-01 08:00+07' + (i::float8 / :documents) * interval '699 days',
       random() < 0.74, random() < 0.95, CASE WHEN i % 101 = 0 THEN 'confidential' ELSE 'normal' END
FROM generate_series(1, :documents) AS i;

INSERT INTO feedback (id, unit_id, received_at, resolved_at, result_published)
SELECT format('FB%s', i), format('lam-dong/c%s/d%s', lpad((1 + i % :communes)::text, 3, '0'), 1 + (i / :communes) % 6),
       timestamptz '2025-01-01 08:00+07' + (i::float8 / :feedback) * interval '699 days',
       CASE WHEN i % 8 <> 0 THEN timestamptz '2025-01-03 08:00+07' + (i::float8 / :feedback) * interval '699 days' END,
       i % 6 <> 0
FROM generate_series(1, :feedback) AS i;

INSERT INTO report_forms (id, unit_id, name, periodic, eform, connected_provincial)
SELECT format('RF%s', i), format('lam-dong/c%s/d%s', lpad((1 + i % :communes)::text, 3, '0'), 1 + (i / :communes) % 6),
       format('Biểu mẫu %s', i), i % 10 <> 0, i % 5 <> 0, i % 7 <> 0
FROM generate_series(1, :communes * 30) AS i;

INSERT INTO tasks (id, plan_ref, source, title, lead_unit_id, monitoring_unit_id, due_date, status, done_at, tracked_electronically)
SELECT format('T%s', i), format('II.%s', i % 12), CASE WHEN i % 4 = 0 THEN 'province' ELSE 'plan' END, format('Nhiệm vụ %s', i),
       format('lam-dong/c%s/d%s', lpad((1 + i % :communes)::text, 3, '0'), 1 + (i / :communes) % 6), format('lam-dong/c%s', lpad((1 + i % :communes)::text, 3, '0')),
       date '2026-01-15' + (i % 340), CASE WHEN i % 3 = 0 THEN 'open' ELSE 'done' END,
       CASE WHEN i % 3 <> 0 THEN timestamptz '2026-01-14 10:00+07' + make_interval(days => i % 342) END, i % 5 <> 0
FROM generate_series(1, :tasks) AS i;

ANALYZE;

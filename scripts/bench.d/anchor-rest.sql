-- The rest of the catalogue for scripts/bench's whole-catalogue anchor (with anchor.sql, the
-- dossier indicators): payments, the distinct procedures paid online, documents, feedback,
-- report forms, tasks and the overdue dossiers now, for every unit over its subtree and the
-- year, quarter and month to date, written as a careful analyst would in plain SQL: the unit
-- tree's closure once, then one pass per table with FILTERed counts per period, summed up the
-- tree (distinct procedures: per ancestor and procedure). psql variables: t (T), ys, qs, ms
-- (period starts); local dates in Asia/Ho_Chi_Minh.
CREATE TEMP TABLE closure AS
WITH RECURSIVE c (ancestor, descendant) AS (
    SELECT id, id FROM units
    UNION ALL
    SELECT c.ancestor, u.id FROM c JOIN units u ON u.parent_id = c.descendant
)
SELECT * FROM c;

-- payments_online_national; a payment's unit is its dossier's.
CREATE TEMP TABLE pay AS
SELECT d.unit_id, d.procedure_code, p.paid_at, p.method, pr.online_payment_enabled
FROM payments p JOIN dossiers d ON d.code = p.dossier_code JOIN procedures pr ON pr.code = d.procedure_code
WHERE p.paid_at >= :'ys' AND p.paid_at <= :'t';

SELECT c.ancestor,
       sum(y), sum(y_national), sum(q), sum(q_national), sum(m), sum(m_national)
FROM closure c JOIN (
    SELECT unit_id, count(*) AS y, count(*) FILTER (WHERE method = 'national_portal') AS y_national,
           count(*) FILTER (WHERE paid_at >= :'qs') AS q, count(*) FILTER (WHERE paid_at >= :'qs' AND method = 'national_portal') AS q_national,
           count(*) FILTER (WHERE paid_at >= :'ms') AS m, count(*) FILTER (WHERE paid_at >= :'ms' AND method = 'national_portal') AS m_national
    FROM pay GROUP BY unit_id) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- procedures_paid_online: distinct over the subtree.
SELECT c.ancestor,
       count(DISTINCT o.procedure_code) FILTER (WHERE y), count(DISTINCT o.procedure_code) FILTER (WHERE y_online),
       count(DISTINCT o.procedure_code) FILTER (WHERE q), count(DISTINCT o.procedure_code) FILTER (WHERE q_online),
       count(DISTINCT o.procedure_code) FILTER (WHERE m), count(DISTINCT o.procedure_code) FILTER (WHERE m_online)
FROM closure c JOIN (
    SELECT unit_id, procedure_code, true AS y, bool_or(method IN ('national_portal', 'provincial_gateway')) AS y_online,
           bool_or(paid_at >= :'qs') AS q, bool_or(paid_at >= :'qs' AND method IN ('national_portal', 'provincial_gateway')) AS q_online,
           bool_or(paid_at >= :'ms') AS m, bool_or(paid_at >= :'ms' AND method IN ('national_portal', 'provincial_gateway')) AS m_online
    FROM pay WHERE online_payment_enabled GROUP BY unit_id, procedure_code) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- documents_signed, documents_electronic.
SELECT c.ancestor, sum(out_y), sum(signed_y), sum(all_y), sum(electronic_y), sum(out_q), sum(signed_q), sum(all_q), sum(electronic_q),
       sum(out_m), sum(signed_m), sum(all_m), sum(electronic_m)
FROM closure c JOIN (
    SELECT unit_id,
           count(*) FILTER (WHERE direction = 'outgoing') AS out_y, count(*) FILTER (WHERE direction = 'outgoing' AND digitally_signed) AS signed_y,
           count(*) AS all_y, count(*) FILTER (WHERE processed_electronically) AS electronic_y,
           count(*) FILTER (WHERE registered_at >= :'qs' AND direction = 'outgoing') AS out_q,
           count(*) FILTER (WHERE registered_at >= :'qs' AND direction = 'outgoing' AND digitally_signed) AS signed_q,
           count(*) FILTER (WHERE registered_at >= :'qs') AS all_q, count(*) FILTER (WHERE registered_at >= :'qs' AND processed_electronically) AS electronic_q,
           count(*) FILTER (WHERE registered_at >= :'ms' AND direction = 'outgoing') AS out_m,
           count(*) FILTER (WHERE registered_at >= :'ms' AND direction = 'outgoing' AND digitally_signed) AS signed_m,
           count(*) FILTER (WHERE registered_at >= :'ms') AS all_m, count(*) FILTER (WHERE registered_at >= :'ms' AND processed_electronically) AS electronic_m
    FROM documents WHERE registered_at >= :'ys' AND registered_at <= :'t' AND security_level = 'normal' GROUP BY unit_id) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- feedback_handled_published.
SELECT c.ancestor, sum(y), sum(y_done), sum(q), sum(q_done), sum(m), sum(m_done)
FROM closure c JOIN (
    SELECT unit_id, count(*) AS y, count(*) FILTER (WHERE resolved_at <= :'t' AND result_published) AS y_done,
           count(*) FILTER (WHERE received_at >= :'qs') AS q, count(*) FILTER (WHERE received_at >= :'qs' AND resolved_at <= :'t' AND result_published) AS q_done,
           count(*) FILTER (WHERE received_at >= :'ms') AS m, count(*) FILTER (WHERE received_at >= :'ms' AND resolved_at <= :'t' AND result_published) AS m_done
    FROM feedback WHERE received_at >= :'ys' AND received_at <= :'t' GROUP BY unit_id) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- report_forms_eform, report_forms_connected (the same in every period).
SELECT c.ancestor, sum(forms), sum(eform), sum(connected)
FROM closure c JOIN (
    SELECT unit_id, count(*) AS forms, count(*) FILTER (WHERE eform) AS eform, count(*) FILTER (WHERE connected_provincial) AS connected
    FROM report_forms WHERE periodic GROUP BY unit_id) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- province_tasks_tracked, plan_tasks_on_time, and the tasks overdue now (by lead unit).
SELECT c.ancestor, sum(province_y), sum(tracked_y), sum(province_q), sum(tracked_q), sum(province_m), sum(tracked_m),
       sum(plan_y), sum(plan_on_time_y), sum(plan_q), sum(plan_on_time_q), sum(plan_m), sum(plan_on_time_m), sum(overdue)
FROM closure c JOIN (
    SELECT lead_unit_id AS unit_id,
           count(*) FILTER (WHERE source = 'province' AND (due_date IS NULL OR due_date >= l.ys)) AS province_y,
           count(*) FILTER (WHERE source = 'province' AND (due_date IS NULL OR due_date >= l.ys) AND tracked_electronically) AS tracked_y,
           count(*) FILTER (WHERE source = 'province' AND (due_date IS NULL OR due_date >= l.qs)) AS province_q,
           count(*) FILTER (WHERE source = 'province' AND (due_date IS NULL OR due_date >= l.qs) AND tracked_electronically) AS tracked_q,
           count(*) FILTER (WHERE source = 'province' AND (due_date IS NULL OR due_date >= l.ms)) AS province_m,
           count(*) FILTER (WHERE source = 'province' AND (due_date IS NULL OR due_date >= l.ms) AND tracked_electronically) AS tracked_m,
           count(*) FILTER (WHERE source = 'plan' AND due_date >= l.ys AND due_date < l.t) AS plan_y,
           count(*) FILTER (WHERE source = 'plan' AND due_date >= l.ys AND due_date < l.t AND done_on_time) AS plan_on_time_y,
           count(*) FILTER (WHERE source = 'plan' AND due_date >= l.qs AND due_date < l.t) AS plan_q,
           count(*) FILTER (WHERE source = 'plan' AND due_date >= l.qs AND due_date < l.t AND done_on_time) AS plan_on_time_q,
           count(*) FILTER (WHERE source = 'plan' AND due_date >= l.ms AND due_date < l.t) AS plan_m,
           count(*) FILTER (WHERE source = 'plan' AND due_date >= l.ms AND due_date < l.t AND done_on_time) AS plan_on_time_m,
           count(*) FILTER (WHERE (status = 'open' OR done_at > :'t') AND due_date < l.t) AS overdue
    FROM (SELECT *, status = 'done' AND done_at <= :'t' AND (done_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date <= due_date AS done_on_time
          FROM tasks WHERE status <> 'cancelled') k,
         (SELECT (timestamptz :'t' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS t, (timestamptz :'ys' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS ys,
                 (timestamptz :'qs' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS qs, (timestamptz :'ms' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS ms) l
    GROUP BY lead_unit_id) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- Unfinished dossiers past due now, per unit over its subtree.
SELECT c.ancestor, sum(o.overdue)
FROM closure c JOIN (
    SELECT unit_id, count(*) AS overdue FROM dossiers
    WHERE received_at <= :'t' AND due_at < :'t' AND (status = 'processing' OR (status = 'finished' AND finished_at > :'t'))
    GROUP BY unit_id) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

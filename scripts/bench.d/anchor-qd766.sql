-- The QĐ 766 figures for scripts/bench's whole-catalogue anchor (after anchor-rest.sql, whose
-- `closure` it reuses): dossiers received online (3.3), fee-charging dossiers paid online (3.6,
-- from the payments themselves, as an analyst without chiso's trigger-kept column would), the
-- distinct online services used (3.2) and fee-charging procedures paid online (3.5b) over each
-- subtree, and feedback handled within 15 working days (5.2, Monday to Friday: the bench
-- configures no holidays). Every unit, year, quarter and month to date. psql variables: t, ys,
-- qs, ms; local dates in Asia/Ho_Chi_Minh.

-- 3.3 and 3.6: one pass over the year's received dossiers, each with its first online payment.
SELECT c.ancestor, sum(received_y), sum(online_y), sum(fee_y), sum(fee_paid_y), sum(received_q), sum(online_q), sum(fee_q),
       sum(fee_paid_q), sum(received_m), sum(online_m), sum(fee_m), sum(fee_paid_m)
FROM closure c JOIN (
    SELECT d.unit_id,
           count(*) AS received_y, count(*) FILTER (WHERE d.channel = 'online') AS online_y,
           count(*) FILTER (WHERE pr.has_fee) AS fee_y, count(*) FILTER (WHERE pr.has_fee AND fp.first_paid <= :'t') AS fee_paid_y,
           count(*) FILTER (WHERE d.received_at >= :'qs') AS received_q,
           count(*) FILTER (WHERE d.received_at >= :'qs' AND d.channel = 'online') AS online_q,
           count(*) FILTER (WHERE d.received_at >= :'qs' AND pr.has_fee) AS fee_q,
           count(*) FILTER (WHERE d.received_at >= :'qs' AND pr.has_fee AND fp.first_paid <= :'t') AS fee_paid_q,
           count(*) FILTER (WHERE d.received_at >= :'ms') AS received_m,
           count(*) FILTER (WHERE d.received_at >= :'ms' AND d.channel = 'online') AS online_m,
           count(*) FILTER (WHERE d.received_at >= :'ms' AND pr.has_fee) AS fee_m,
           count(*) FILTER (WHERE d.received_at >= :'ms' AND pr.has_fee AND fp.first_paid <= :'t') AS fee_paid_m
    FROM dossiers d
    JOIN procedures pr ON pr.code = d.procedure_code
    LEFT JOIN (SELECT dossier_code, min(paid_at) AS first_paid FROM payments
               WHERE method IN ('national_portal', 'provincial_gateway') GROUP BY dossier_code) fp ON fp.dossier_code = d.code
    WHERE d.status IN ('processing', 'finished') AND d.received_at >= :'ys' AND d.received_at <= :'t'
    GROUP BY d.unit_id) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- 3.2: distinct non-internal online services (full or partial) with a dossier received online, over the subtree.
SELECT c.ancestor, count(DISTINCT o.procedure_code), count(DISTINCT o.procedure_code) FILTER (WHERE q),
       count(DISTINCT o.procedure_code) FILTER (WHERE m)
FROM closure c JOIN (
    SELECT d.unit_id, d.procedure_code, bool_or(d.received_at >= :'qs') AS q, bool_or(d.received_at >= :'ms') AS m
    FROM dossiers d JOIN procedures pr ON pr.code = d.procedure_code
    WHERE d.status IN ('processing', 'finished') AND d.channel = 'online' AND d.received_at >= :'ys' AND d.received_at <= :'t'
      AND NOT pr.internal AND pr.service_level IN ('full', 'partial')
    GROUP BY d.unit_id, d.procedure_code) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- 3.5b: distinct non-internal fee-charging procedures with an online payment, over the subtree
-- (the `pay` table of anchor-rest.sql holds the year's payments with their dossier's unit).
SELECT c.ancestor, count(DISTINCT o.procedure_code), count(DISTINCT o.procedure_code) FILTER (WHERE q),
       count(DISTINCT o.procedure_code) FILTER (WHERE m)
FROM closure c JOIN (
    SELECT p.unit_id, p.procedure_code, bool_or(p.paid_at >= :'qs') AS q, bool_or(p.paid_at >= :'ms') AS m
    FROM pay p JOIN procedures pr ON pr.code = p.procedure_code
    WHERE pr.has_fee AND NOT pr.internal AND p.method IN ('national_portal', 'provincial_gateway')
    GROUP BY p.unit_id, p.procedure_code) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- 5.2: per local receiving day, the first instant it is late (the end of the 15th working day after it).
CREATE TEMP TABLE working_day AS
SELECT day::date, row_number() OVER (ORDER BY day) AS n
FROM generate_series((timestamptz :'ys' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date - 7, (timestamptz :'t' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + 60, interval '1 day') AS day
WHERE extract(isodow FROM day) < 6;
CREATE TEMP TABLE deadline AS
SELECT r.day::date, ((SELECT w15.day FROM working_day w15 WHERE w15.n = before.n + 15) + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh' AS late_from
FROM generate_series((timestamptz :'ys' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, (timestamptz :'t' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, interval '1 day') AS r (day)
CROSS JOIN LATERAL (SELECT max(n) AS n FROM working_day w WHERE w.day <= r.day) AS before;

SELECT c.ancestor, sum(y), sum(y_on_time), sum(q), sum(q_on_time), sum(m), sum(m_on_time)
FROM closure c JOIN (
    SELECT f.unit_id, count(*) AS y, count(*) FILTER (WHERE on_time) AS y_on_time,
           count(*) FILTER (WHERE f.received_at >= :'qs') AS q, count(*) FILTER (WHERE f.received_at >= :'qs' AND on_time) AS q_on_time,
           count(*) FILTER (WHERE f.received_at >= :'ms') AS m, count(*) FILTER (WHERE f.received_at >= :'ms' AND on_time) AS m_on_time
    FROM (SELECT f.*, CASE WHEN f.resolved_at <= :'t' THEN f.resolved_at < dl.late_from ELSE timestamptz :'t' < dl.late_from END AS on_time
          FROM feedback f JOIN deadline dl ON dl.day = (f.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
          WHERE f.received_at >= :'ys' AND f.received_at <= :'t') f
    GROUP BY f.unit_id) o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

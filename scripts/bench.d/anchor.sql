-- The raw-SQL anchor of scripts/bench: the dossier indicators of indicators.md for every unit
-- (over its subtree) and the year, quarter and month to date, written as a careful analyst
-- would in plain SQL: a closure table of the unit tree, one pass over the year's active
-- dossiers, FILTERed counts per period. psql variables: t (T), ys, qs, ms (period starts).
WITH RECURSIVE closure (ancestor, descendant) AS (
    SELECT id, id FROM units
    UNION ALL
    SELECT c.ancestor, u.id FROM closure c JOIN units u ON u.parent_id = c.descendant
),
d AS (
    SELECT d.unit_id, d.received_at, d.finished_at, d.due_at, d.apologised_at, d.channel, d.synced_national,
           d.received_at_center, d.digitised, d.reused_data, d.e_result, p.service_level, p.requires_result_document,
           (d.status = 'finished' AND d.finished_at <= :'t') AS done
    FROM dossiers d JOIN procedures p ON p.code = d.procedure_code
    WHERE d.status IN ('processing', 'finished') AND d.received_at <= :'t'
      AND (d.received_at >= :'ys' OR d.status = 'processing' OR d.finished_at >= :'ys')
),
f AS (
    SELECT d.*, CASE WHEN done THEN due_at IS NULL OR finished_at <= due_at ELSE due_at IS NULL OR due_at >= :'t' END AS on_time,
           (received_at >= :'qs' OR NOT done OR finished_at >= :'qs') AS active_q,
           (received_at >= :'ms' OR NOT done OR finished_at >= :'ms') AS active_m
    FROM d
),
own AS (
    SELECT unit_id,
      count(*) AS active_y, count(*) FILTER (WHERE on_time) AS on_time_y,
      count(*) FILTER (WHERE NOT on_time) AS late_y, count(*) FILTER (WHERE NOT on_time AND apologised_at <= :'t') AS apologised_y,
      count(*) FILTER (WHERE received_at >= :'ys') AS received_y,
      count(*) FILTER (WHERE received_at >= :'ys' AND synced_national) AS synced_y,
      count(*) FILTER (WHERE received_at >= :'ys' AND received_at_center) AS center_y,
      count(*) FILTER (WHERE received_at >= :'ys' AND digitised) AS digitised_y,
      count(*) FILTER (WHERE received_at >= :'ys' AND reused_data) AS reused_y,
      count(*) FILTER (WHERE received_at >= :'ys' AND service_level = 'full') AS full_y,
      count(*) FILTER (WHERE received_at >= :'ys' AND service_level = 'full' AND channel = 'online') AS full_online_y,
      count(*) FILTER (WHERE done AND finished_at >= :'ys' AND requires_result_document) AS results_y,
      count(*) FILTER (WHERE done AND finished_at >= :'ys' AND requires_result_document AND e_result) AS e_results_y,
      count(*) FILTER (WHERE active_q) AS active_q, count(*) FILTER (WHERE active_q AND on_time) AS on_time_q,
      count(*) FILTER (WHERE active_q AND NOT on_time) AS late_q, count(*) FILTER (WHERE active_q AND NOT on_time AND apologised_at <= :'t') AS apologised_q,
      count(*) FILTER (WHERE received_at >= :'qs') AS received_q,
      count(*) FILTER (WHERE received_at >= :'qs' AND synced_national) AS synced_q,
      count(*) FILTER (WHERE received_at >= :'qs' AND received_at_center) AS center_q,
      count(*) FILTER (WHERE received_at >= :'qs' AND digitised) AS digitised_q,
      count(*) FILTER (WHERE received_at >= :'qs' AND reused_data) AS reused_q,
      count(*) FILTER (WHERE received_at >= :'qs' AND service_level = 'full') AS full_q,
      count(*) FILTER (WHERE received_at >= :'qs' AND service_level = 'full' AND channel = 'online') AS full_online_q,
      count(*) FILTER (WHERE done AND finished_at >= :'qs' AND requires_result_document) AS results_q,
      count(*) FILTER (WHERE done AND finished_at >= :'qs' AND requires_result_document AND e_result) AS e_results_q,
      count(*) FILTER (WHERE active_m) AS active_m, count(*) FILTER (WHERE active_m AND on_time) AS on_time_m,
      count(*) FILTER (WHERE active_m AND NOT on_time) AS late_m, count(*) FILTER (WHERE active_m AND NOT on_time AND apologised_at <= :'t') AS apologised_m,
      count(*) FILTER (WHERE received_at >= :'ms') AS received_m,
      count(*) FILTER (WHERE received_at >= :'ms' AND synced_national) AS synced_m,
      count(*) FILTER (WHERE received_at >= :'ms' AND received_at_center) AS center_m,
      count(*) FILTER (WHERE received_at >= :'ms' AND digitised) AS digitised_m,
      count(*) FILTER (WHERE received_at >= :'ms' AND reused_data) AS reused_m,
      count(*) FILTER (WHERE received_at >= :'ms' AND service_level = 'full') AS full_m,
      count(*) FILTER (WHERE received_at >= :'ms' AND service_level = 'full' AND channel = 'online') AS full_online_m,
      count(*) FILTER (WHERE done AND finished_at >= :'ms' AND requires_result_document) AS results_m,
      count(*) FILTER (WHERE done AND finished_at >= :'ms' AND requires_result_document AND e_result) AS e_results_m
    FROM f GROUP BY unit_id
)
SELECT c.ancestor AS unit,
       sum(active_y), sum(on_time_y), sum(late_y), sum(apologised_y), sum(received_y), sum(synced_y), sum(center_y),
       sum(digitised_y), sum(reused_y), sum(full_y), sum(full_online_y), sum(results_y), sum(e_results_y),
       sum(active_q), sum(on_time_q), sum(late_q), sum(apologised_q), sum(received_q), sum(synced_q), sum(center_q),
       sum(digitised_q), sum(reused_q), sum(full_q), sum(full_online_q), sum(results_q), sum(e_results_q),
       sum(active_m), sum(on_time_m), sum(late_m), sum(apologised_m), sum(received_m), sum(synced_m), sum(center_m),
       sum(digitised_m), sum(reused_m), sum(full_m), sum(full_online_m), sum(results_m), sum(e_results_m)
FROM closure c JOIN own o ON o.unit_id = c.descendant
GROUP BY c.ancestor;

-- QĐ 766 sub-indicator 3.6 (hồ sơ thanh toán trực tuyến): dossiers of a fee-charging procedure
-- with an online payment. Whether a dossier is paid online depends on another table (payments),
-- yet the incremental refresh keeps no per-dossier state (that would cost ~60–100 MB at province
-- scale): it subtracts a changed dossier's old image and adds its new one. So the fact is kept on
-- the dossier itself, in a chiso-owned column that a trigger on payments maintains: a payment
-- change rewrites its dossiers' column, that UPDATE is captured like any other (old image −1, new
-- image +1), and every refresh sees 3.6 move exactly when it moves.
--
-- Part of the input contract (README, "Getting data in"): writers never set this column (sql/roles.sql
-- grants chiso_writer every dossiers column but it); the trigger below is its only writer.
--
-- Concurrency: the trigger first locks its dossiers (FOR NO KEY UPDATE, in code order, so two
-- statements cannot deadlock on each other), then updates them in a new statement. In READ
-- COMMITTED that statement's snapshot sees every payment, and the column, as committed by whoever
-- held the lock before, so the last writer of a dossier's payments always leaves the right value.
-- (REPEATABLE READ writers get a serialization failure on a concurrent change instead, and retry.)

ALTER TABLE dossiers ADD COLUMN IF NOT EXISTS chiso_paid_online_at timestamptz NULL;
COMMENT ON COLUMN dossiers.chiso_paid_online_at IS
    'kept by chiso''s trigger on payments: the first paid_at of the dossier''s payments through national_portal or provincial_gateway; null: none. Never written by upstream.';

ALTER TABLE chiso_dossier_changes ADD COLUMN paid_online_at timestamptz NULL;

CREATE OR REPLACE FUNCTION chiso_capture_dossiers() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO chiso_dossier_changes (sign, code, procedure_code, unit_id, channel, status, received_at, due_at,
            finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at, paid_online_at)
        SELECT -1, code, procedure_code, unit_id, channel, status, received_at, due_at,
            finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at, chiso_paid_online_at
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO chiso_dossier_changes (sign, code, procedure_code, unit_id, channel, status, received_at, due_at,
            finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at, paid_online_at)
        SELECT 1, code, procedure_code, unit_id, channel, status, received_at, due_at,
            finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at, chiso_paid_online_at
        FROM new_rows;
    END IF;
    RETURN NULL;
END;
$$;

-- The dossiers of the online payments a statement inserted, deleted or updated (before or after).
-- Set-based (joins on the statement's transition tables, which the planner sizes): a bulk load of
-- a million payments is one hash join, a single payment an index probe.
CREATE FUNCTION chiso_keep_paid_online() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM dossiers d
        WHERE d.code IN (SELECT dossier_code FROM new_rows WHERE method IN ('national_portal', 'provincial_gateway'))
        ORDER BY d.code FOR NO KEY UPDATE;
        -- Payments only added: the first online one is the earlier of the kept one and the new ones.
        UPDATE dossiers d SET chiso_paid_online_at = least(d.chiso_paid_online_at, n.paid_at)
        FROM (SELECT dossier_code, min(paid_at) AS paid_at FROM new_rows
              WHERE method IN ('national_portal', 'provincial_gateway') GROUP BY dossier_code) AS n
        WHERE d.code = n.dossier_code AND (d.chiso_paid_online_at IS NULL OR n.paid_at < d.chiso_paid_online_at);
    ELSIF TG_OP = 'DELETE' THEN
        -- Payments removed: the first online one is counted again from the payments left.
        PERFORM 1 FROM dossiers d
        WHERE d.code IN (SELECT dossier_code FROM old_rows WHERE method IN ('national_portal', 'provincial_gateway'))
        ORDER BY d.code FOR NO KEY UPDATE;
        UPDATE dossiers d SET chiso_paid_online_at = f.paid_at
        FROM (SELECT c.code, min(p.paid_at) AS paid_at
              FROM (SELECT DISTINCT dossier_code AS code FROM old_rows WHERE method IN ('national_portal', 'provincial_gateway')) AS c
              LEFT JOIN payments p ON p.dossier_code = c.code AND p.method IN ('national_portal', 'provincial_gateway')
              GROUP BY c.code) AS f
        WHERE d.code = f.code AND d.chiso_paid_online_at IS DISTINCT FROM f.paid_at;
    ELSE
        -- Payments changed (method, time or dossier): the same, for the dossiers before and after.
        PERFORM 1 FROM dossiers d
        WHERE d.code IN (SELECT dossier_code FROM old_rows WHERE method IN ('national_portal', 'provincial_gateway')
                         UNION SELECT dossier_code FROM new_rows WHERE method IN ('national_portal', 'provincial_gateway'))
        ORDER BY d.code FOR NO KEY UPDATE;
        UPDATE dossiers d SET chiso_paid_online_at = f.paid_at
        FROM (SELECT c.code, min(p.paid_at) AS paid_at
              FROM (SELECT dossier_code AS code FROM old_rows WHERE method IN ('national_portal', 'provincial_gateway')
                    UNION SELECT dossier_code FROM new_rows WHERE method IN ('national_portal', 'provincial_gateway')) AS c
              LEFT JOIN payments p ON p.dossier_code = c.code AND p.method IN ('national_portal', 'provincial_gateway')
              GROUP BY c.code) AS f
        WHERE d.code = f.code AND d.chiso_paid_online_at IS DISTINCT FROM f.paid_at;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER chiso_keep_paid_online_insert AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_keep_paid_online();
CREATE TRIGGER chiso_keep_paid_online_update AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_keep_paid_online();
CREATE TRIGGER chiso_keep_paid_online_delete AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_keep_paid_online();

-- TRUNCATE fires no DELETE trigger: a truncated payments table leaves no dossier paid.
CREATE FUNCTION chiso_paid_online_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE dossiers SET chiso_paid_online_at = NULL WHERE chiso_paid_online_at IS NOT NULL;
    RETURN NULL;
END;
$$;
CREATE TRIGGER chiso_keep_paid_online_truncate AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_paid_online_truncated();

-- The payments already stored. Not captured row by row (a province has a million of them): a
-- running incremental state is told to rebuild instead, as after a TRUNCATE.
ALTER TABLE dossiers DISABLE TRIGGER chiso_capture_update;
UPDATE dossiers d SET chiso_paid_online_at = first.paid_at
FROM (SELECT dossier_code, min(paid_at) AS paid_at FROM payments
      WHERE method IN ('national_portal', 'provincial_gateway') GROUP BY dossier_code) AS first
WHERE d.code = first.dossier_code;
ALTER TABLE dossiers ENABLE TRIGGER chiso_capture_update;
INSERT INTO chiso_table_changes (table_name) VALUES ('dossiers:truncate');

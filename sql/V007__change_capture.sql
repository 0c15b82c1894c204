-- Change capture for the incremental refresh (issue 11, part 1). Runs with search_path set to
-- the configured schema. This extends the input contract (README, "Getting data in"): every
-- writer's statements on the input tables now also write these logs, through the triggers below.
--
-- Why transaction ids and not `updated_at`: a timestamp is stamped when its transaction starts,
-- so a long transaction that commits after a refresh has moved its watermark past that time is
-- skipped for ever. Each log row carries its writer's top-level transaction id instead
-- (pg_current_xact_id()); a refresh takes the rows whose transaction is visible in its own
-- snapshot and was not visible in the previous refresh's snapshot (kept as pg_snapshot text):
-- every committed change is taken exactly once, whatever the order of commits.
--
-- Why images and not just keys: a refresh subtracts a row's old contribution and adds its new
-- one. An UPDATE logs the old row (sign -1) and the new row (sign +1); an INSERT the new row;
-- a DELETE the old row. Additions commute, so the order in which the changes of one batch are
-- applied does not matter. Statement-level triggers with transition tables: one INSERT … SELECT
-- per statement, not one per row.

CREATE TABLE chiso_dossier_changes (
    xid                xid8 NOT NULL DEFAULT pg_current_xact_id(),
    sign               smallint NOT NULL CHECK (sign IN (-1, 1)),
    code               text NOT NULL,
    procedure_code     text NOT NULL,
    unit_id            text NOT NULL,
    channel            text NOT NULL,
    status             text NOT NULL,
    received_at        timestamptz NOT NULL,
    due_at             timestamptz NULL,
    finished_at        timestamptz NULL,
    received_at_center boolean NOT NULL,
    digitised          boolean NOT NULL,
    reused_data        boolean NOT NULL,
    e_result           boolean NOT NULL,
    synced_national    boolean NOT NULL,
    apologised_at      timestamptz NULL
);
CREATE INDEX chiso_dossier_changes_xid_idx ON chiso_dossier_changes (xid);

CREATE TABLE chiso_payment_changes (
    xid          xid8 NOT NULL DEFAULT pg_current_xact_id(),
    sign         smallint NOT NULL CHECK (sign IN (-1, 1)),
    id           text NOT NULL,
    dossier_code text NOT NULL,
    paid_at      timestamptz NOT NULL,
    method       text NOT NULL
);
CREATE INDEX chiso_payment_changes_xid_idx ON chiso_payment_changes (xid);

CREATE TABLE chiso_document_changes (
    xid                      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    sign                     smallint NOT NULL CHECK (sign IN (-1, 1)),
    id                       text NOT NULL,
    unit_id                  text NOT NULL,
    direction                text NOT NULL,
    registered_at            timestamptz NOT NULL,
    digitally_signed         boolean NOT NULL,
    processed_electronically boolean NOT NULL,
    security_level           text NOT NULL
);
CREATE INDEX chiso_document_changes_xid_idx ON chiso_document_changes (xid);

CREATE TABLE chiso_feedback_changes (
    xid              xid8 NOT NULL DEFAULT pg_current_xact_id(),
    sign             smallint NOT NULL CHECK (sign IN (-1, 1)),
    id               text NOT NULL,
    unit_id          text NOT NULL,
    received_at      timestamptz NOT NULL,
    resolved_at      timestamptz NULL,
    result_published boolean NOT NULL
);
CREATE INDEX chiso_feedback_changes_xid_idx ON chiso_feedback_changes (xid);

-- The small tables (units, procedures, report forms, tasks, manual values) are read whole when
-- they changed: one row per statement says which. A TRUNCATE of a large table is logged here too
-- ('dossiers:truncate'): the refresh then rebuilds its state from scratch.
CREATE TABLE chiso_table_changes (
    xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    table_name text NOT NULL
);
CREATE INDEX chiso_table_changes_xid_idx ON chiso_table_changes (xid);

-- Log rows below this transaction id have been deleted (the leader trims what every refresh has
-- taken); a refresh whose previous snapshot is older than it rebuilds from scratch.
CREATE TABLE chiso_change_horizon (
    id            int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    trimmed_below xid8 NOT NULL
);
INSERT INTO chiso_change_horizon (trimmed_below) VALUES ('0');

-- SECURITY DEFINER: upstream writers (chiso_writer in sql/roles.sql) write the logs through
-- these functions without any privilege on chiso's own tables; search_path is fixed for them.
CREATE FUNCTION chiso_capture_dossiers() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO chiso_dossier_changes (sign, code, procedure_code, unit_id, channel, status, received_at, due_at,
            finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at)
        SELECT -1, code, procedure_code, unit_id, channel, status, received_at, due_at,
            finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO chiso_dossier_changes (sign, code, procedure_code, unit_id, channel, status, received_at, due_at,
            finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at)
        SELECT 1, code, procedure_code, unit_id, channel, status, received_at, due_at,
            finished_at, received_at_center, digitised, reused_data, e_result, synced_national, apologised_at
        FROM new_rows;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION chiso_capture_payments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO chiso_payment_changes (sign, id, dossier_code, paid_at, method)
        SELECT -1, id, dossier_code, paid_at, method FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO chiso_payment_changes (sign, id, dossier_code, paid_at, method)
        SELECT 1, id, dossier_code, paid_at, method FROM new_rows;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION chiso_capture_documents() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO chiso_document_changes (sign, id, unit_id, direction, registered_at, digitally_signed, processed_electronically, security_level)
        SELECT -1, id, unit_id, direction, registered_at, digitally_signed, processed_electronically, security_level FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO chiso_document_changes (sign, id, unit_id, direction, registered_at, digitally_signed, processed_electronically, security_level)
        SELECT 1, id, unit_id, direction, registered_at, digitally_signed, processed_electronically, security_level FROM new_rows;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION chiso_capture_feedback() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO chiso_feedback_changes (sign, id, unit_id, received_at, resolved_at, result_published)
        SELECT -1, id, unit_id, received_at, resolved_at, result_published FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO chiso_feedback_changes (sign, id, unit_id, received_at, resolved_at, result_published)
        SELECT 1, id, unit_id, received_at, resolved_at, result_published FROM new_rows;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION chiso_capture_statement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO chiso_table_changes (table_name)
    VALUES (CASE WHEN TG_OP = 'TRUNCATE' THEN TG_TABLE_NAME || ':truncate' ELSE TG_TABLE_NAME END);
    RETURN NULL;
END;
$$;

-- PostgreSQL allows transition tables on single-event triggers only: three per large table.
CREATE TRIGGER chiso_capture_insert AFTER INSERT ON dossiers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_dossiers();
CREATE TRIGGER chiso_capture_update AFTER UPDATE ON dossiers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_dossiers();
CREATE TRIGGER chiso_capture_delete AFTER DELETE ON dossiers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_dossiers();

CREATE TRIGGER chiso_capture_insert AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_payments();
CREATE TRIGGER chiso_capture_update AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_payments();
CREATE TRIGGER chiso_capture_delete AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_payments();

CREATE TRIGGER chiso_capture_insert AFTER INSERT ON documents REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_documents();
CREATE TRIGGER chiso_capture_update AFTER UPDATE ON documents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_documents();
CREATE TRIGGER chiso_capture_delete AFTER DELETE ON documents REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_documents();

CREATE TRIGGER chiso_capture_insert AFTER INSERT ON feedback REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_feedback();
CREATE TRIGGER chiso_capture_update AFTER UPDATE ON feedback REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_feedback();
CREATE TRIGGER chiso_capture_delete AFTER DELETE ON feedback REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_feedback();

CREATE TRIGGER chiso_capture_truncate AFTER TRUNCATE ON dossiers FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();
CREATE TRIGGER chiso_capture_truncate AFTER TRUNCATE ON payments FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();
CREATE TRIGGER chiso_capture_truncate AFTER TRUNCATE ON documents FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();
CREATE TRIGGER chiso_capture_truncate AFTER TRUNCATE ON feedback FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();

CREATE TRIGGER chiso_capture_statement AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();
CREATE TRIGGER chiso_capture_statement AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procedures
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();
CREATE TRIGGER chiso_capture_statement AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON report_forms
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();
CREATE TRIGGER chiso_capture_statement AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();
CREATE TRIGGER chiso_capture_statement AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON manual_values
    FOR EACH STATEMENT EXECUTE FUNCTION chiso_capture_statement();

-- Late dossiers whose apology is stamped after T stay in the refresh's open set; this finds them
-- without a scan (apologies are a few per cent of the dossiers).
CREATE INDEX dossiers_apologised_at_idx ON dossiers (apologised_at) WHERE apologised_at IS NOT NULL;

-- chiso input contract, version 1 (shared/spec/inputs.md).
-- Upstream systems write these tables; chiso only reads them. Every constraint of the contract is
-- enforced here, so a bad row is refused at insert time with PostgreSQL's own error.
-- Runs with search_path set to the configured schema.

CREATE TABLE units (
    id          text PRIMARY KEY,
    parent_id   text NULL REFERENCES units (id),
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('province', 'commune', 'department', 'center', 'other')),
    alert_email text NULL,
    head_email  text NULL,
    CONSTRAINT units_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX units_parent_id_idx ON units (parent_id);

-- No cycles: a unit may not become a descendant of itself. Checked on every insert or re-parenting.
CREATE FUNCTION units_refuse_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF EXISTS (
        WITH RECURSIVE ancestors(id, parent_id, depth) AS (
            SELECT u.id, u.parent_id, 1 FROM units u WHERE u.id = NEW.parent_id
            UNION ALL
            SELECT u.id, u.parent_id, a.depth + 1
            FROM units u JOIN ancestors a ON u.id = a.parent_id
            WHERE a.depth < 10000
        )
        SELECT 1 FROM ancestors WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'unit % cannot have parent %: that would make a cycle', NEW.id, NEW.parent_id
            USING ERRCODE = 'check_violation', COLUMN = 'parent_id', TABLE = 'units';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER units_refuse_cycle
    BEFORE INSERT OR UPDATE OF parent_id, id ON units
    FOR EACH ROW EXECUTE FUNCTION units_refuse_cycle();

CREATE TABLE procedures (
    code                     text PRIMARY KEY,
    name                     text NOT NULL,
    field                    text NULL,
    service_level            text NOT NULL CHECK (service_level IN ('full', 'partial', 'none')),
    full_online_eligible     boolean NOT NULL DEFAULT false,
    has_fee                  boolean NOT NULL DEFAULT false,
    online_payment_enabled   boolean NOT NULL DEFAULT false,
    requires_result_document boolean NOT NULL DEFAULT true,
    published                boolean NOT NULL DEFAULT true,
    location_independent     boolean NOT NULL DEFAULT false,
    internal                 boolean NOT NULL DEFAULT false
);

CREATE TABLE dossiers (
    code               text PRIMARY KEY,
    procedure_code     text NOT NULL REFERENCES procedures (code),
    unit_id            text NOT NULL REFERENCES units (id),
    channel            text NOT NULL CHECK (channel IN ('in_person', 'online', 'postal')),
    status             text NOT NULL CHECK (status IN ('processing', 'finished', 'withdrawn', 'rejected')),
    received_at        timestamptz NOT NULL,
    due_at             timestamptz NULL,
    finished_at        timestamptz NULL,
    received_at_center boolean NOT NULL DEFAULT true,
    digitised          boolean NOT NULL DEFAULT false,
    reused_data        boolean NOT NULL DEFAULT false,
    e_result           boolean NOT NULL DEFAULT false,
    synced_national    boolean NOT NULL DEFAULT false,
    apologised_at      timestamptz NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dossiers_due_not_before_received CHECK (due_at >= received_at),
    CONSTRAINT dossiers_finished_not_before_received CHECK (finished_at >= received_at),
    CONSTRAINT dossiers_finished_at_iff_finished CHECK ((status = 'finished') = (finished_at IS NOT NULL))
);
CREATE INDEX dossiers_unit_id_idx ON dossiers (unit_id);
CREATE INDEX dossiers_received_at_idx ON dossiers (received_at);
CREATE INDEX dossiers_finished_at_idx ON dossiers (finished_at);
CREATE INDEX dossiers_processing_idx ON dossiers (due_at) WHERE status = 'processing';
CREATE INDEX dossiers_updated_at_idx ON dossiers (updated_at);

CREATE TABLE payments (
    id           text PRIMARY KEY,
    dossier_code text NOT NULL REFERENCES dossiers (code),
    paid_at      timestamptz NOT NULL,
    amount       numeric(14, 0) NOT NULL CHECK (amount > 0),
    method       text NOT NULL CHECK (method IN ('national_portal', 'provincial_gateway', 'cash', 'bank_transfer'))
);
CREATE INDEX payments_paid_at_idx ON payments (paid_at);
CREATE INDEX payments_dossier_code_idx ON payments (dossier_code);

CREATE TABLE documents (
    id                       text PRIMARY KEY,
    unit_id                  text NOT NULL REFERENCES units (id),
    direction                text NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
    registered_at            timestamptz NOT NULL,
    digitally_signed         boolean NOT NULL DEFAULT false,
    processed_electronically boolean NOT NULL DEFAULT false,
    security_level           text NOT NULL DEFAULT 'normal'
        CHECK (security_level IN ('normal', 'confidential', 'secret', 'top_secret'))
);
CREATE INDEX documents_registered_at_idx ON documents (registered_at);

CREATE TABLE feedback (
    id               text PRIMARY KEY,
    unit_id          text NOT NULL REFERENCES units (id),
    received_at      timestamptz NOT NULL,
    resolved_at      timestamptz NULL,
    result_published boolean NOT NULL DEFAULT false,
    CONSTRAINT feedback_resolved_not_before_received CHECK (resolved_at >= received_at)
);
CREATE INDEX feedback_received_at_idx ON feedback (received_at);

CREATE TABLE report_forms (
    id                   text PRIMARY KEY,
    unit_id              text NOT NULL REFERENCES units (id),
    name                 text NOT NULL,
    periodic             boolean NOT NULL DEFAULT true,
    eform                boolean NOT NULL DEFAULT false,
    connected_provincial boolean NOT NULL DEFAULT false
);

CREATE TABLE tasks (
    id                     text PRIMARY KEY,
    plan_ref               text NULL,
    source                 text NOT NULL CHECK (source IN ('plan', 'province', 'other')),
    title                  text NOT NULL,
    product                text NULL,
    lead_unit_id           text NOT NULL REFERENCES units (id),
    coordinating           text NULL,
    monitoring_unit_id     text NULL REFERENCES units (id),
    due_date               date NULL,
    status                 text NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    done_at                timestamptz NULL,
    tracked_electronically boolean NOT NULL DEFAULT true,
    CONSTRAINT tasks_done_at_iff_done CHECK ((status = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX tasks_due_date_idx ON tasks (due_date);

CREATE TABLE manual_values (
    indicator   text NOT NULL,
    unit_id     text NOT NULL REFERENCES units (id),
    period_end  date NOT NULL,
    numerator   numeric NOT NULL CHECK (numerator >= 0),
    denominator numeric NOT NULL CHECK (denominator > 0),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    note        text NULL,
    PRIMARY KEY (indicator, unit_id, period_end, recorded_at)
);

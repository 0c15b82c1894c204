-- The alert outbox: one row per digest decided (per unit and local day), written in the same
-- transaction that decides to send it; delivery marks it. At most one digest per unit and day,
-- across restarts and replicas (the unique key), and a digest decided but not delivered before a
-- crash is delivered after the restart.

CREATE TABLE chiso_alert_outbox (
    id               bigserial PRIMARY KEY,
    unit_id          text NOT NULL,
    local_day        date NOT NULL,
    kind             text NOT NULL DEFAULT 'digest' CHECK (kind IN ('digest')),
    decided_at       timestamptz NOT NULL,
    message_id       text NOT NULL UNIQUE,
    recipients       text[] NOT NULL,
    cc               text[] NOT NULL DEFAULT '{}',
    subject          text NOT NULL,
    message          text NOT NULL,
    payload          jsonb NOT NULL,
    -- What the digest listed, for the next one ("completed since") and for the page.
    task_ids         text[] NOT NULL DEFAULT '{}',
    escalated_task_ids text[] NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'undeliverable')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    -- A claim by a delivering process; a claim past this instant is abandoned (crash) and retaken.
    claimed_until    timestamptz,
    last_error       text,
    sent_at          timestamptz,
    webhook_status   text CHECK (webhook_status IN ('pending', 'sent', 'failed')),
    UNIQUE (unit_id, local_day, kind)
);

CREATE INDEX chiso_alert_outbox_due ON chiso_alert_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX chiso_alert_outbox_by_unit ON chiso_alert_outbox (unit_id, local_day DESC);

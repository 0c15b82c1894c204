-- chiso's own tables: the history of successful snapshots, for trends on the status page.
-- One snapshot per local day is kept (the latest of that day replaces the earlier ones), so the
-- history of a province stays at one row per series per day.

CREATE TABLE chiso_snapshots (
    local_day    date PRIMARY KEY,
    as_of        timestamptz NOT NULL,
    refreshed_at timestamptz NOT NULL
);

CREATE TABLE chiso_snapshot_values (
    local_day   date NOT NULL REFERENCES chiso_snapshots (local_day) ON DELETE CASCADE,
    indicator   text NOT NULL,
    unit_id     text NOT NULL,
    period      text NOT NULL CHECK (period IN ('year', 'quarter', 'month')),
    numerator   numeric NOT NULL,
    denominator numeric NOT NULL,
    PRIMARY KEY (indicator, unit_id, period, local_day)
);

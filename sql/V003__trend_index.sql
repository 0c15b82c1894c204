-- The status page reads the year-to-date history of a few units (the root and the units below it)
-- once per local day; this index serves that read without scanning every series.
CREATE INDEX chiso_snapshot_values_by_unit ON chiso_snapshot_values (unit_id, period, local_day);

-- A dossier's unit or procedure changing moves its payments (their figures count under their
-- dossier's unit and procedure): the refresh then pairs the batch's images by dossier to find
-- where each moved dossier was (PostgresIncrementalSource.movedDossiers). That pairing groups the
-- whole batch by dossier code (at 50 000 changed dossiers, 0.1–0.2 s of a 1 % refresh), while
-- almost no batch moves a key. So the capture now says when one may have: a row 'dossiers:keys' in
-- chiso_table_changes, and the refresh pairs images only in a batch that has one.
--
-- Written for every row an UPDATE moves (OLD and NEW compared after every BEFORE trigger, whatever
-- the SET list named; a row trigger whose WHEN is false costs the writer no call), and for every
-- DELETE statement: a dossier deleted and inserted again under another unit in one batch (the
-- payments' foreign key lets only a deletion and insertion in one statement keep its payments,
-- but the pairing handles both) is paired too. An INSERT alone moves nothing: a new dossier has
-- no payments yet.
CREATE FUNCTION chiso_capture_dossier_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    INSERT INTO chiso_table_changes (table_name) VALUES ('dossiers:keys');
    RETURN NULL;
END;
$$;
-- As V010: the schema being migrated, then pg_temp last.
SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);
ALTER FUNCTION chiso_capture_dossier_keys() SET search_path FROM CURRENT;

CREATE TRIGGER chiso_capture_key_move AFTER UPDATE ON dossiers FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
          OR OLD.procedure_code IS DISTINCT FROM NEW.procedure_code)
    EXECUTE FUNCTION chiso_capture_dossier_keys();
CREATE TRIGGER chiso_capture_key_delete AFTER DELETE ON dossiers FOR EACH STATEMENT
    EXECUTE FUNCTION chiso_capture_dossier_keys();

-- A refresh whose last pass came before this migration may have moves in its next batch that
-- were logged without the row: that batch pairs its images.
INSERT INTO chiso_table_changes (table_name) VALUES ('dossiers:keys');

-- The input contract holds for every writer (issue 10, part 4).
-- Runs with search_path set to the configured schema.

-- 1. The cycle check finds chiso's tables whatever the writer's search_path (an upstream system
--    writing `INSERT INTO chiso.units …` from a session without the schema on its path), and it
--    runs after the statement: a multi-row INSERT, an UPDATE of several rows or one COPY may close
--    a cycle between its own rows, which a check before each row cannot see.
DROP TRIGGER units_refuse_cycle ON units;

CREATE OR REPLACE FUNCTION units_refuse_cycle() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NULL;
    END IF;
    IF EXISTS (
        WITH RECURSIVE ancestors(id, parent_id, depth) AS (
            SELECT u.id, u.parent_id, 1 FROM units u WHERE u.id = NEW.parent_id
            UNION ALL
            SELECT u.id, u.parent_id, a.depth + 1
            FROM units u JOIN ancestors a ON u.id = a.parent_id
            WHERE a.id <> NEW.id AND a.depth < 10000
        )
        SELECT 1 FROM ancestors WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'unit % cannot have parent %: that would make a cycle', NEW.id, NEW.parent_id
            USING ERRCODE = 'check_violation', COLUMN = 'parent_id', TABLE = 'units';
    END IF;
    RETURN NULL;
END;
$$;

-- A constraint trigger fires at the end of the statement, when every row of it is visible.
CREATE CONSTRAINT TRIGGER units_refuse_cycle
    AFTER INSERT OR UPDATE OF parent_id, id ON units
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION units_refuse_cycle();

-- 2. Bounded text where a page or a mail shows it (the bounds extend inputs.md; see README,
--    "Getting data in"). NOT VALID: rows already stored are left as they are; new ones are checked.
ALTER TABLE units ADD CONSTRAINT units_name_length CHECK (char_length(name) <= 300) NOT VALID;
ALTER TABLE units ADD CONSTRAINT units_alert_email_length CHECK (char_length(alert_email) <= 254) NOT VALID;
ALTER TABLE units ADD CONSTRAINT units_head_email_length CHECK (char_length(head_email) <= 254) NOT VALID;
ALTER TABLE procedures ADD CONSTRAINT procedures_name_length CHECK (char_length(name) <= 1000) NOT VALID;
ALTER TABLE tasks ADD CONSTRAINT tasks_title_length CHECK (char_length(title) <= 2000) NOT VALID;
ALTER TABLE tasks ADD CONSTRAINT tasks_product_length CHECK (char_length(product) <= 2000) NOT VALID;
ALTER TABLE report_forms ADD CONSTRAINT report_forms_name_length CHECK (char_length(name) <= 500) NOT VALID;

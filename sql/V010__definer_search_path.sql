-- chiso's SECURITY DEFINER trigger functions (V007, V009) were created with `SET search_path FROM
-- CURRENT`, the schema alone. PostgreSQL then still searches the session's temporary schema
-- first for tables: a writer's temporary table named like one the functions write
-- (chiso_dossier_changes, dossiers) would have received their rows instead, and the change
-- capture would have missed them. PostgreSQL's advice for SECURITY DEFINER functions: name
-- pg_temp last. The schema is the one being migrated (the migration runs with search_path set
-- to it), quoted.
SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);
ALTER FUNCTION chiso_capture_dossiers() SET search_path FROM CURRENT;
ALTER FUNCTION chiso_capture_payments() SET search_path FROM CURRENT;
ALTER FUNCTION chiso_capture_documents() SET search_path FROM CURRENT;
ALTER FUNCTION chiso_capture_feedback() SET search_path FROM CURRENT;
ALTER FUNCTION chiso_capture_statement() SET search_path FROM CURRENT;
ALTER FUNCTION chiso_keep_paid_online() SET search_path FROM CURRENT;
ALTER FUNCTION chiso_paid_online_truncated() SET search_path FROM CURRENT;

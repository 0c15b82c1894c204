-- Least privilege for chiso: three roles, so that the daemon does not own what it reads.
--
--   chiso_owner   (no login) owns chiso's schema and every table, function and trigger in it;
--                 `chiso migrate` runs as it (a login role granted chiso_owner, or SET ROLE).
--   chiso_daemon  (login) what `chiso serve`, `snapshot`, `alerts` and `backfill-history` need:
--                 read the input tables; read and write chiso's own tables (chiso_*: snapshot
--                 history, alert outbox); read the migrations. No DDL, no writes to the inputs.
--   chiso_writer  (no login; grant it to the upstream loader's role, or to whoever runs
--                 `chiso import`) writes the input tables; reads and writes nothing of chiso's.
--
-- Run as a superuser (or the database owner) after `chiso migrate`, and again after an upgrade
-- that adds tables (it is idempotent):
--
--   psql -v schema=chiso -f sql/roles.sql
--   ALTER ROLE chiso_daemon PASSWORD '…';   -- or a certificate / peer rule in pg_hba.conf
--
-- The daemon's connection string then names user=chiso_daemon. Not a migration: roles belong to
-- the cluster, not to one schema, and who may create them is the IT person's call.

\set ON_ERROR_STOP on
\if :{?schema}
\else
  \set schema chiso
\endif

SELECT 'CREATE ROLE chiso_owner NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chiso_owner') \gexec
SELECT 'CREATE ROLE chiso_daemon LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chiso_daemon') \gexec
SELECT 'CREATE ROLE chiso_writer NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chiso_writer') \gexec

BEGIN;

-- The schema and everything in it belong to chiso_owner (sequences of serial and identity
-- columns follow their tables).
ALTER SCHEMA :"schema" OWNER TO chiso_owner;
SELECT format('ALTER TABLE %I.%I OWNER TO chiso_owner', schemaname, tablename)
  FROM pg_tables WHERE schemaname = :'schema' \gexec
SELECT format('ALTER FUNCTION %I.%I(%s) OWNER TO chiso_owner', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :'schema' \gexec

-- Nobody else creates objects there; the two working roles may look inside.
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC;
GRANT USAGE ON SCHEMA :"schema" TO chiso_daemon, chiso_writer;
REVOKE ALL ON ALL TABLES IN SCHEMA :"schema" FROM PUBLIC, chiso_daemon, chiso_writer;

-- The input contract (every table not named chiso_*): the daemon reads, the writer writes.
SELECT format('GRANT SELECT ON %I.%I TO chiso_daemon', schemaname, tablename)
  FROM pg_tables WHERE schemaname = :'schema' AND tablename NOT LIKE 'chiso\_%' \gexec
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON %I.%I TO chiso_writer', schemaname, tablename)
  FROM pg_tables WHERE schemaname = :'schema' AND tablename NOT LIKE 'chiso\_%' \gexec

-- dossiers.chiso_* columns (sql/V009: chiso_paid_online_at) are kept by chiso's triggers: the
-- writer may insert and update every other column. (Revoking the table-level privileges also
-- drops earlier column grants; they are granted again from the current columns.)
REVOKE INSERT, UPDATE ON :"schema".dossiers FROM chiso_writer;
SELECT format('GRANT INSERT (%1$s), UPDATE (%1$s) ON %2$I.dossiers TO chiso_writer',
              string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position), :'schema')
  FROM information_schema.columns
 WHERE table_schema = :'schema' AND table_name = 'dossiers' AND column_name NOT LIKE 'chiso\_%' \gexec

-- chiso's own tables: the daemon reads and writes them; the migrations it only reads.
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I.%I TO chiso_daemon', schemaname, tablename)
  FROM pg_tables WHERE schemaname = :'schema' AND tablename LIKE 'chiso\_%' AND tablename <> 'chiso_schema_migrations' \gexec
GRANT SELECT ON :"schema".chiso_schema_migrations TO chiso_daemon, chiso_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA :"schema" TO chiso_daemon, chiso_writer;

COMMIT;

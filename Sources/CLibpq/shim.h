// libpq, PostgreSQL's client library (Debian: libpq-dev): chiso lets it read the user's connection
// settings (connection strings and URLs, PG* variables, pg_service.conf, .pgpass, host lists,
// target_session_attrs, sslmode) exactly as psql does.
#include <libpq-fe.h>

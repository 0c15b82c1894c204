# Throwaway PostgreSQL clusters for chiso's scripts (sourced, not run).
#
# pg_ensure_installed   installs Debian's postgresql, libpq-dev (chiso links libpq) and openssl
#                       where missing
# pg_start DIR          starts a private cluster under DIR on a free loopback port, as a
#                       non-root user (postgres refuses root); sets PGHOST PGPORT PGUSER
#                       PGDATABASE and CHISO_PG_DIR
# pg_stop               stops it and removes DIR

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  else
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
  fi
}

pg_ensure_installed() {
  local bindir missing=()
  bindir=$(pg_bindir)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ] || ! command -v psql >/dev/null 2>&1; then
    missing+=(postgresql postgresql-contrib)
  fi
  # chiso links libpq (found through pkg-config); the TLS tests make certificates with openssl.
  if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libpq; then missing+=(libpq-dev pkg-config); fi
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "postgres: installing Debian's ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "postgres: installing needs root: sudo apt-get install ${missing[*]}" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; }
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the cluster's owner: ourselves, or (as root) the unprivileged user chiso-pg.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u chiso-pg -- "$@"
  else
    "$@"
  fi
}

# The cluster's owner: ourselves, or (as root) the unprivileged user chiso-pg, created if missing.
pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id chiso-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin chiso-pg
    echo chiso-pg
  else
    id -un
  fi
}

# Whether the cluster's owner can reach DIR's parent (a clone under /root is closed to others).
pg_can_use() {
  local parent
  parent=$(dirname "$1")
  mkdir -p "$parent"
  pg_owner >/dev/null
  pg_as_owner test -x "$parent"
}

pg_start() {
  local dir=$1 bindir port owner
  bindir=$(pg_bindir)
  owner=$(pg_owner)
  mkdir -p "$dir"
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown chiso-pg "$dir"
  port=$(pg_free_port)
  pg_as_owner "$bindir/initdb" -D "$dir/data" -U "$owner" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  export CHISO_PG_DIR=$dir PGHOST=127.0.0.1 PGPORT=$port PGUSER=$owner PGDATABASE=postgres PGSSLMODE=disable
  echo "postgres: cluster on 127.0.0.1:$port (socket dir $dir, user $owner)" >&2
}

pg_stop() {
  [ -n "${CHISO_PG_DIR:-}" ] || return 0
  if [ -d "$CHISO_PG_DIR/data" ]; then
    pg_as_owner "$(pg_bindir)/pg_ctl" -D "$CHISO_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$CHISO_PG_DIR"
  unset CHISO_PG_DIR
}

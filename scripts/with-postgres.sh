#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on loopback (Debian's postgresql package).
# Usage: scripts/with-postgres.sh COMMAND...   — SPBE_DATABASE_URL is exported for the command.
# The cluster lives in a temporary folder and is stopped and deleted when the command ends.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  echo "PostgreSQL server not found: apt-get install postgresql (or run .ci/run, which installs it)" >&2
  exit 1
fi
port=${SPBE_TEST_PG_PORT:-54329}
workdir=$(mktemp -d /tmp/spbe-pg.XXXXXX)
chmod 755 "$workdir"

as_db_user() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$workdir"; fi
cleanup() {
  as_db_user "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

dbuser=$([ "$(id -u)" = "0" ] && echo postgres || id -un)
as_db_user "$bindir/initdb" -D "$workdir/data" -U "$dbuser" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_db_user "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w start \
  -o "-h 127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  >/dev/null
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"

export SPBE_DATABASE_URL="postgresql+psycopg://$dbuser@127.0.0.1:$port/postgres"
"$@"

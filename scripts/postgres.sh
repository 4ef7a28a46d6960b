#!/usr/bin/env bash
# A throwaway PostgreSQL for the sync server's tests: a fresh cluster in a temporary folder, on a
# free loopback port, trust authentication, fsync off. Installs Debian's PostgreSQL when there is
# none. Nothing of it outlives `stop`.
#   eval "$(scripts/postgres.sh start)"     exports TEND_TEST_DATABASE_URL and TEND_PG_DIR
#   scripts/postgres.sh stop "$TEND_PG_DIR"
set -euo pipefail

pg_bin() {
  local dirs
  dirs=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V || true)
  echo "${dirs##*$'\n'}"
}

bin=$(pg_bin)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres: installing PostgreSQL" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bin=$(pg_bin)
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/sh -c "$1"
  else
    sh -c "$1"
  fi
}

case "${1:-start}" in
  start)
    dir=$(mktemp -d /tmp/tend-pg.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner "'$bin/initdb' -D '$dir/data' -A trust -U postgres --no-sync -E UTF8 >'$dir/initdb.log' 2>&1" \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null" \
      || { cat "$dir/log" >&2; exit 1; }
    echo "export TEND_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:$port/postgres TEND_PG_DIR=$dir"
    ;;
  stop)
    dir="${2:?postgres: stop needs the folder start printed (TEND_PG_DIR)}"
    case "$dir" in /tmp/tend-pg.*) ;; *) echo "postgres: $dir is not a folder this script made" >&2; exit 1 ;; esac
    as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null" || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/postgres.sh start | stop DIR" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Make a MariaDB server (127.0.0.1:3306) and a PostgreSQL server (127.0.0.1:5432) available for the
# integration tests, idempotently, on a Debian 12 box where we are root and there is no systemd,
# plus Debian's Chromium (/usr/bin/chromium) for the dashboard's browser tests.
#
#   bash scripts/services.sh ensure   install if missing, start if not answering, create `recon` users
#   bash scripts/services.sh status   print whether each server is up
#
# Test credentials (local only): MariaDB recon/recon with ALL PRIVILEGES, PostgreSQL role recon/recon
# SUPERUSER, password auth over TCP from 127.0.0.1.
set -euo pipefail

MYSQL_PORT=3306
# Overridable only to exercise the start path on a scratch cluster; the tests expect the defaults.
PG_PORT="${RECON_SERVICES_PG_PORT:-5432}"
PG_CLUSTER="${RECON_SERVICES_PG_CLUSTER:-main}"
WAIT_SECONDS="${RECON_SERVICES_WAIT_SECONDS:-60}"
MYSQL_DATADIR=/var/lib/mysql
MYSQL_LOG=/var/log/mysql/recon-mariadbd.log

say() { printf 'services: %s\n' "$*"; }
die() {
  printf 'services: ERROR: %s\n' "$*" >&2
  exit 1
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  timeout 2 bash -c ": >/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

need_root() {
  [ "$(id -u)" = 0 ] || die "must run as root to install or start servers (try: sudo bash scripts/services.sh ensure)"
}

# ───────────── installation ─────────────
apt_updated=0
apt_install() {
  need_root
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

mariadbd_bin() {
  command -v mariadbd 2>/dev/null || command -v mysqld 2>/dev/null ||
    { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; } ||
    { [ -x /usr/sbin/mysqld ] && echo /usr/sbin/mysqld; } || true
}

mariadb_client() {
  command -v mariadb 2>/dev/null || command -v mysql 2>/dev/null || true
}

# Directory of the newest Debian PostgreSQL server installation (never /usr/local/bin/postgres).
pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/postgres" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
}

install_if_missing() {
  local pkgs=()
  if [ -z "$(mariadbd_bin)" ] || [ -z "$(mariadb_client)" ]; then pkgs+=(mariadb-server mariadb-client); fi
  if [ -z "$(pg_bindir)" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then pkgs+=(postgresql); fi
  if [ ! -x /usr/bin/chromium ]; then pkgs+=(chromium); fi
  if [ "${#pkgs[@]}" -gt 0 ]; then
    apt_install "${pkgs[@]}"
  else
    say "mariadb-server, postgresql and chromium already installed"
  fi
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found after installing chromium"
  [ -n "$(mariadbd_bin)" ] || die "mariadbd not found after installing mariadb-server"
  [ -n "$(pg_bindir)" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql after install"
}

# ───────────── waiting ─────────────
wait_for() {
  local name="$1" check="$2" log="$3" i
  for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
    if "$check"; then return 0; fi
    sleep 0.5
  done
  if [ -n "$log" ] && [ -f "$log" ]; then
    printf 'services: last lines of %s:\n' "$log" >&2
    tail -n 20 "$log" >&2 || true
  fi
  die "$name did not accept connections within ${WAIT_SECONDS}s"
}

mysql_ready() {
  port_open "$MYSQL_PORT" && { mariadb_root -e 'SELECT 1' >/dev/null 2>&1 || mariadb_recon -e 'SELECT 1' >/dev/null 2>&1; }
}

pg_ready() {
  local bindir
  bindir="$(pg_bindir)"
  port_open "$PG_PORT" && "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1
}

# ───────────── MariaDB ─────────────
# Administrative client: root over the local socket (unix_socket auth, Debian default).
mariadb_root() {
  "$(mariadb_client)" --protocol=socket -uroot "$@"
}

# The test user over TCP (works against a server someone else started).
mariadb_recon() {
  "$(mariadb_client)" --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -urecon -precon "$@"
}

start_mariadb() {
  if port_open "$MYSQL_PORT"; then
    say "MariaDB already answering on 127.0.0.1:$MYSQL_PORT"
    return 0
  fi
  need_root
  mkdir -p /run/mysqld "$(dirname "$MYSQL_LOG")"
  chown mysql:mysql /run/mysqld
  chown mysql:adm "$(dirname "$MYSQL_LOG")" 2>/dev/null || true
  if [ ! -d "$MYSQL_DATADIR/mysql" ]; then
    say "initializing MariaDB data directory $MYSQL_DATADIR"
    mkdir -p "$MYSQL_DATADIR"
    chown mysql:mysql "$MYSQL_DATADIR"
    mariadb-install-db --user=mysql --datadir="$MYSQL_DATADIR" --skip-test-db >/dev/null
  fi
  say "starting MariaDB (mysqld_safe) on 127.0.0.1:$MYSQL_PORT, log $MYSQL_LOG"
  if command -v mysqld_safe >/dev/null 2>&1; then
    nohup setsid mysqld_safe --user=mysql --datadir="$MYSQL_DATADIR" --port="$MYSQL_PORT" \
      --bind-address=127.0.0.1 --log-error="$MYSQL_LOG" >/dev/null 2>&1 </dev/null &
  else
    nohup setsid "$(mariadbd_bin)" --user=mysql --datadir="$MYSQL_DATADIR" --port="$MYSQL_PORT" \
      --bind-address=127.0.0.1 --log-error="$MYSQL_LOG" >/dev/null 2>&1 </dev/null &
  fi
}

ensure_mariadb_user() {
  say "ensuring MariaDB user recon (ALL PRIVILEGES WITH GRANT OPTION)"
  local host sql=""
  for host in '%' 'localhost'; do
    sql+="CREATE USER IF NOT EXISTS 'recon'@'${host}' IDENTIFIED BY 'recon';"
    sql+="ALTER USER 'recon'@'${host}' IDENTIFIED BY 'recon';"
    sql+="GRANT ALL PRIVILEGES ON *.* TO 'recon'@'${host}' WITH GRANT OPTION;"
  done
  sql+="FLUSH PRIVILEGES;"
  if ! mariadb_root -e "$sql" 2>/dev/null; then
    # No root socket access (server not started by us): accept an existing, working recon user.
    mariadb_recon -e 'SELECT 1' >/dev/null 2>&1 ||
      die "could not create MariaDB user recon: root login over the local socket failed"
    say "MariaDB root not reachable over the socket; existing user recon works"
  fi
  mariadb_recon -e 'SELECT 1' >/dev/null || die "MariaDB user recon cannot log in over TCP"
}

# ───────────── PostgreSQL ─────────────
pg_version() {
  basename "$(dirname "$(pg_bindir)")"
}

start_postgres() {
  if port_open "$PG_PORT"; then
    say "PostgreSQL already answering on 127.0.0.1:$PG_PORT"
    return 0
  fi
  need_root
  local version cluster="$PG_CLUSTER"
  version="$(pg_version)"
  if [ ! -f "/etc/postgresql/$version/$cluster/postgresql.conf" ]; then
    say "creating PostgreSQL cluster $version/$cluster"
    pg_createcluster --port="$PG_PORT" "$version" "$cluster" >/dev/null
  fi
  mkdir -p /var/run/postgresql
  chown postgres:postgres /var/run/postgresql
  chmod 2775 /var/run/postgresql
  ensure_pg_hba "$version" "$cluster"
  say "starting PostgreSQL cluster $version/$cluster on 127.0.0.1:$PG_PORT"
  pg_ctlcluster "$version" "$cluster" start
}

# Password auth (scram/md5) for TCP connections from 127.0.0.1 — the Debian default; added if absent.
ensure_pg_hba() {
  local hba="/etc/postgresql/$1/$2/pg_hba.conf"
  [ -f "$hba" ] || return 0
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+(scram-sha-256|md5)' "$hba"; then
    say "allowing password auth from 127.0.0.1 in $hba"
    sed -i '1i host    all             all             127.0.0.1/32            scram-sha-256' "$hba"
  fi
}

pg_admin() {
  local bindir
  bindir="$(pg_bindir)"
  (cd / && su postgres -s /bin/sh -c "'$bindir/psql' -X -q -v ON_ERROR_STOP=1 -p $PG_PORT -d postgres $*")
}

ensure_pg_role() {
  say "ensuring PostgreSQL role recon (SUPERUSER LOGIN)"
  local sql
  sql="DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recon') THEN
      CREATE ROLE recon SUPERUSER LOGIN PASSWORD 'recon';
    ELSE
      ALTER ROLE recon SUPERUSER LOGIN PASSWORD 'recon';
    END IF;
  END \$\$;"
  printf '%s\n' "$sql" | pg_admin >/dev/null || die "could not create PostgreSQL role recon"
  PGPASSWORD=recon "$(pg_bindir)/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U recon -d postgres -c 'SELECT 1' \
    >/dev/null || die "PostgreSQL role recon cannot log in over TCP with a password"
}

# ───────────── commands ─────────────
ensure() {
  install_if_missing
  start_mariadb
  start_postgres
  wait_for "MariaDB" mysql_ready "$MYSQL_LOG"
  say "MariaDB up on 127.0.0.1:$MYSQL_PORT"
  wait_for "PostgreSQL" pg_ready "/var/log/postgresql/postgresql-$(pg_version)-$PG_CLUSTER.log"
  say "PostgreSQL up on 127.0.0.1:$PG_PORT"
  ensure_mariadb_user
  ensure_pg_role
  say "ready: mysql://recon:***@127.0.0.1:$MYSQL_PORT postgres://recon:***@127.0.0.1:$PG_PORT/postgres"
}

status() {
  local rc=0
  if port_open "$MYSQL_PORT"; then say "MariaDB: up (127.0.0.1:$MYSQL_PORT)"; else
    say "MariaDB: down (127.0.0.1:$MYSQL_PORT)"
    rc=1
  fi
  if port_open "$PG_PORT"; then say "PostgreSQL: up (127.0.0.1:$PG_PORT)"; else
    say "PostgreSQL: down (127.0.0.1:$PG_PORT)"
    rc=1
  fi
  return "$rc"
}

case "${1:-}" in
  ensure) ensure ;;
  status) status ;;
  *)
    echo "usage: bash scripts/services.sh ensure|status" >&2
    exit 2
    ;;
esac

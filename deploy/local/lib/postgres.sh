# PostgreSQL 15: a throwaway cluster of our own under $STACK_DIR/postgres (never the system one),
# on 127.0.0.1, with replication and WAL archiving possible. The server refuses root: it runs as
# the postgres user.

PG_BIN=${SHELTER_STACK_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${SHELTER_STACK_PG_PORT:-55432}
PG_HOME="$STACK_DIR/postgres"
PG_DATA="$PG_HOME/data"

postgres_install() {
  [ -x "$PG_BIN/postgres" ] && return 0
  log "installing PostgreSQL 15"
  # The package would otherwise create and start a system cluster on 5432.
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
  fi
  apt_install postgresql-15
}

postgres_pid() { pid_from_file "$PG_DATA/postmaster.pid"; }

postgres_init() {
  log "creating PostgreSQL cluster in $PG_DATA"
  mkdir -p "$PG_HOME/run" "$PG_HOME/archive" "$PG_HOME/log"
  random_secret >"$PG_HOME/password"
  chmod 600 "$PG_HOME/password"
  chown -R postgres:postgres "$PG_HOME"
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$PG_HOME/password" \
    --auth-local=peer --auth-host=scram-sha-256 --data-checksums -E UTF8 --locale=C.UTF-8 >"$PG_HOME/log/initdb.log" 2>&1 \
    || { show_log_tail "$PG_HOME/log/initdb.log"; return 1; }
  cat >>"$PG_DATA/postgresql.conf" <<CONF

# deploy/local/stack
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_HOME/run'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
archive_mode = on
archive_command = 'test ! -f $PG_HOME/archive/%f && cp %p $PG_HOME/archive/%f'
shared_buffers = 128MB
logging_collector = off
CONF
  cat >"$PG_DATA/pg_hba.conf" <<HBA
local   all          all                      peer
host    all          all         127.0.0.1/32 scram-sha-256
host    replication  all         127.0.0.1/32 scram-sha-256
HBA
}

postgres_up() {
  postgres_install
  mkdir -p "$PG_HOME"
  chmod 755 "$STACK_DIR" "$PG_HOME"
  if pid_alive "$(postgres_pid)"; then
    return 0
  fi
  [ -f "$PG_DATA/PG_VERSION" ] || postgres_init
  rm -f "$PG_DATA/postmaster.pid"
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_HOME/log/postgres.log" -w -t 60 start >/dev/null 2>&1; then
    log "PostgreSQL failed to start"
    show_log_tail "$PG_HOME/log/postgres.log"
    return 1
  fi
}

postgres_env() {
  echo "export SHELTER_STACK_PG_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/postgres"
  echo "export SHELTER_STACK_PG_HOST=127.0.0.1"
  echo "export SHELTER_STACK_PG_PORT=$PG_PORT"
  echo "export SHELTER_STACK_PG_USER=postgres"
  echo "export SHELTER_STACK_PG_PASSWORD=$(cat "$PG_HOME/password")"
  echo "export SHELTER_STACK_PG_DATA=$PG_DATA"
  echo "export SHELTER_STACK_PG_BIN=$PG_BIN"
}

postgres_down() {
  local pid; pid=$(postgres_pid)
  pid_alive "$pid" || return 0
  # SIGINT is PostgreSQL's fast shutdown: roll back sessions, checkpoint, exit.
  log "stopping PostgreSQL (pid $pid)"
  kill -INT "$pid" 2>/dev/null || true
  wait_until 30 "PostgreSQL to exit" bash -c "! kill -0 $pid" || stop_pid "$pid" PostgreSQL 5
}

postgres_status() {
  local pid; pid=$(postgres_pid)
  if pid_alive "$pid"; then
    echo "postgres: running (pid $pid, 127.0.0.1:$PG_PORT, data $PG_DATA)"
  else
    echo "postgres: stopped"; return 3
  fi
}

postgres_purge() { postgres_down; rm -rf "$PG_HOME"; }

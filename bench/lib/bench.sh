# shellcheck shell=bash
#
# bench/lib/bench.sh -- helpers of bench/backup-mode: a PostgreSQL 15 cluster on an RBD volume,
# an https s3proxy for pgBackRest, pgBackRest itself. Sourced after deploy/local/lib/common.sh
# (log, wait_until, stop_pid, pid_alive, apt_install, random_secret, port_open, as_postgres:
# run as postgres from "/", so every path given to it is absolute).
# Everything logs to stderr.

PG_BIN=${BENCH_PG_BIN:-/usr/lib/postgresql/15/bin}

say() { printf '[bench] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
# seconds since $1 (a now() value), with $2 decimals (default two)
since() { awk -v a="$1" -v b="$(now)" -v d="${2:-2}" 'BEGIN { printf "%.*f", d, b - a }'; }

tail_to_stderr() { # <file> [lines]
  [[ -s $1 ]] || return 0
  printf '[bench] ---- last %s lines of %s ----\n' "${2:-30}" "$1" >&2
  tail -n "${2:-30}" -- "$1" >&2 || true
  printf '[bench] ----\n' >&2
}

# --------------------------------------------------------------------------------------------
# PostgreSQL on an attached volume. A cluster is described by variables set by pg_vars:
#   PGB_NAME PGB_PORT PGB_DATA (on the volume) PGB_HOME (local disk: run/, log, password,
#   archive/, pg.pid).
# --------------------------------------------------------------------------------------------

pg_vars() { # <name> <port> <mountpoint> <home>
  PGB_NAME=$1 PGB_PORT=$2 PGB_DATA=$3/pgdata PGB_HOME=$4
  PGB_RUN=$PGB_HOME/run PGB_LOG=$PGB_HOME/postgres.log PGB_ARCHIVE=$PGB_HOME/archive
  PGB_PASSWORD=$PGB_HOME/password
}

pg_init() { # archive_command (optional; default: copy into $PGB_ARCHIVE)
  local archive_command=${1:-"test ! -f $PGB_ARCHIVE/%f && cp %p $PGB_ARCHIVE/%f"}
  [[ $archive_command != *"'"* ]] || { say "archive_command must not contain single quotes"; return 1; }
  mkdir -p "$PGB_HOME" "$PGB_RUN" "$PGB_ARCHIVE" "$(dirname "$PGB_DATA")"
  random_secret >"$PGB_PASSWORD"
  chmod 600 "$PGB_PASSWORD"
  chown -R postgres:postgres "$PGB_HOME"
  install -d -o postgres -g postgres -m 700 "$PGB_DATA"
  if ! as_postgres "$PG_BIN/initdb" -D "$PGB_DATA" -U postgres --pwfile="$PGB_PASSWORD" \
    --auth-local=peer --auth-host=scram-sha-256 --data-checksums -E UTF8 --locale=C.UTF-8 \
    >"$PGB_HOME/initdb.log" 2>&1; then
    tail_to_stderr "$PGB_HOME/initdb.log"
    return 1
  fi
  cat >>"$PGB_DATA/postgresql.conf" <<CONF

# bench/backup-mode
listen_addresses = '127.0.0.1'
port = $PGB_PORT
unix_socket_directories = '$PGB_RUN'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
archive_mode = on
archive_command = '$archive_command'
shared_buffers = 128MB
max_wal_size = 1GB
logging_collector = off
log_checkpoints = on
CONF
  cat >"$PGB_DATA/pg_hba.conf" <<HBA
local   all          all                      peer
host    all          all         127.0.0.1/32 scram-sha-256
host    replication  all         127.0.0.1/32 scram-sha-256
HBA
}

# Starts the cluster. The bench's ports lie in Linux's ephemeral range (32768-60999), so a client
# connection can hold one for a while: on "Address already in use" it moves on by 10 (up to 4
# times), appending the new port to postgresql.conf and updating PGB_PORT.
pg_start() {
  local try
  for try in 1 2 3 4 5; do
    if ! port_open "$PGB_PORT" &&
      as_postgres "$PG_BIN/pg_ctl" -D "$PGB_DATA" -l "$PGB_LOG" -w -t 120 start >/dev/null 2>&1; then
      head -n 1 "$PGB_DATA/postmaster.pid" | tr -dc '0-9' >"$PGB_HOME/pg.pid"
      return 0
    fi
    if ((try < 5)) && { port_open "$PGB_PORT" || tail -n 5 "$PGB_LOG" 2>/dev/null | grep -q 'Address already in use'; }; then
      say "port $PGB_PORT is in use; trying $((PGB_PORT + 10))"
      PGB_PORT=$((PGB_PORT + 10))
      printf 'port = %s\n' "$PGB_PORT" >>"$PGB_DATA/postgresql.conf"
      continue
    fi
    break
  done
  say "PostgreSQL $PGB_NAME failed to start"
  tail_to_stderr "$PGB_LOG"
  return 1
}

# True if the pid in $PGB_HOME/pg.pid is a postmaster of this data directory.
pg_pid() {
  local pid
  pid=$(pid_from_file "$PGB_HOME/pg.pid") || return 1
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$PGB_DATA" || return 1
  printf '%s\n' "$pid"
}

pg_stop() {
  local pid
  pid=$(pg_pid) || { rm -f "$PGB_HOME/pg.pid"; return 0; }
  say "stopping PostgreSQL $PGB_NAME (pid $pid)"
  kill -INT "$pid" 2>/dev/null || true # fast shutdown
  wait_until 120 "PostgreSQL $PGB_NAME to exit" bash -c "! kill -0 $pid" || stop_pid "$pid" "PostgreSQL $PGB_NAME" 10
  rm -f "$PGB_HOME/pg.pid"
}

pg_sql() { as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PGB_RUN" -p "$PGB_PORT" -d postgres -c "$1"; }

# CHECKPOINT, then wait until the archiver has nothing left to do, so that every measured backup
# starts from the same quiet state.
pg_settle() {
  local t0 left
  t0=$(now)
  pg_sql 'CHECKPOINT' >/dev/null || return 1
  local end=$((SECONDS + ${BENCH_ARCHIVE_TIMEOUT:-900}))
  while :; do
    left=$(pg_sql "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'") || return 1
    ((left == 0)) && break
    if ((SECONDS >= end)); then
      say "the archiver still has $left segments to archive; giving up"
      pg_sql 'SELECT * FROM pg_stat_archiver' >&2 || true
      return 1
    fi
    sleep 0.5
  done
  say "settled (checkpoint, archive drained) in $(since "$t0")s"
}

# --------------------------------------------------------------------------------------------
# s3proxy over https for pgBackRest (its S3 driver speaks only https): a second s3proxy on the
# stack's filesystem backend and credentials, with a self-signed keystore made by keytool.
# --------------------------------------------------------------------------------------------

S3S_PORT=${BENCH_S3_HTTPS_PORT:-59443}

s3https_up() { # <dir>
  local dir=$1 data=$SHELTER_STACK_DIR/s3proxy/data pass
  local jar=${SHELTER_CACHE_DIR:-$HOME/.cache/shelter}/s3proxy-4.1.0-jar-with-dependencies.jar
  [[ -f $jar ]] || { say "no s3proxy jar at $jar (deploy/local/stack up s3 fetches it)"; return 1; }
  command -v keytool >/dev/null || { say "keytool (JDK) is missing"; return 1; }
  if port_open "$S3S_PORT"; then
    say "port $S3S_PORT is taken (set BENCH_S3_HTTPS_PORT)"
    return 1
  fi
  mkdir -p "$dir" "$data"
  pass=$(random_secret)
  rm -f "$dir/keystore.p12"
  if ! keytool -genkeypair -alias s3proxy -keyalg RSA -keysize 2048 -validity 7 \
    -dname CN=127.0.0.1 -ext SAN=ip:127.0.0.1,dns:localhost -storetype PKCS12 \
    -keystore "$dir/keystore.p12" -storepass "$pass" -keypass "$pass" >"$dir/keytool.log" 2>&1; then
    tail_to_stderr "$dir/keytool.log"
    return 1
  fi
  cat >"$dir/s3proxy.properties" <<PROPS
s3proxy.secure-endpoint=https://127.0.0.1:$S3S_PORT
s3proxy.keystore-path=$dir/keystore.p12
s3proxy.keystore-password=$pass
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$SHELTER_STACK_S3_ACCESS_KEY
s3proxy.credential=$SHELTER_STACK_S3_SECRET_KEY
s3proxy.ignore-unknown-headers=true
jclouds.provider=filesystem
jclouds.filesystem.basedir=$data
PROPS
  chmod 600 "$dir/s3proxy.properties" "$dir/keystore.p12"
  say "starting s3proxy (https) on 127.0.0.1:$S3S_PORT"
  (
    exec </dev/null >>"$dir/s3proxy.log" 2>&1
    exec setsid java -Xmx512m -jar "$jar" --properties "$dir/s3proxy.properties"
  ) &
  echo $! >"$dir/s3proxy.pid"
  S3S_DIR=$dir
  if ! wait_until 60 "s3proxy (https) to listen" _s3https_answers ||
    ! pid_alive "$(pid_from_file "$dir/s3proxy.pid")"; then
    say "s3proxy (https) failed to start"
    tail_to_stderr "$dir/s3proxy.log"
    s3https_down "$dir"
    return 1
  fi
}

# True once listening; also true (ending the wait early) if the process died, which the caller checks.
_s3https_answers() {
  pid_alive "$(pid_from_file "$S3S_DIR/s3proxy.pid")" || return 0
  port_open "$S3S_PORT"
}

s3https_down() { # <dir>
  local pid
  pid=$(pid_from_file "$1/s3proxy.pid") || return 0
  stop_pid "$pid" "s3proxy (https)" 20
  rm -f "$1/s3proxy.pid"
}

# --------------------------------------------------------------------------------------------
# pgBackRest 2.45 (Debian package), configured by a file of ours (PGBACKREST_CONFIG), run as
# postgres. One stanza per cluster.
# --------------------------------------------------------------------------------------------

pgbackrest_install() {
  command -v pgbackrest >/dev/null 2>&1 && return 0
  say "installing pgbackrest (apt)"
  apt_install pgbackrest
}

# pgbackrest_conf <file> <stanza> <repo s3|posix> <repo path or bucket> <work dir> <archive-check y|n> [cipher pass]
# With a cipher pass, the repository is encrypted (aes-256-cbc), to compare with an encrypted Shelter repository.
pgbackrest_conf() {
  local file=$1 stanza=$2 repo=$3 where=$4 work=$5 check=$6 cipher_pass=${7:-}
  mkdir -p "$work/log" "$work/lock" "$work/spool"
  chown -R postgres:postgres "$work"
  {
    echo "# Written by bench/backup-mode."
    echo "[global]"
    if [[ $repo == s3 ]]; then
      cat <<S3
repo1-type=s3
repo1-s3-endpoint=127.0.0.1
repo1-storage-port=$S3S_PORT
repo1-s3-bucket=$where
repo1-s3-region=$SHELTER_STACK_S3_REGION
repo1-s3-key=$SHELTER_STACK_S3_ACCESS_KEY
repo1-s3-key-secret=$SHELTER_STACK_S3_SECRET_KEY
repo1-s3-uri-style=path
repo1-storage-verify-tls=n
repo1-path=/pgbackrest/$stanza
S3
    else
      echo "repo1-type=posix"
      echo "repo1-path=$where"
    fi
    [[ -z $cipher_pass ]] || printf 'repo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=%s\n' "$cipher_pass"
    cat <<COMMON
repo1-retention-full=99
process-max=2
start-fast=y
compress-type=lz4
archive-check=$check
archive-async=y
spool-path=$work/spool
log-path=$work/log
lock-path=$work/lock
log-level-console=warn
log-level-file=info

[$stanza]
pg1-path=$PGB_DATA
pg1-port=$PGB_PORT
pg1-socket-path=$PGB_RUN
pg1-user=postgres
COMMON
  } >"$file"
  chown postgres:postgres "$file"
  chmod 600 "$file"
}

# pgbackrest_run <conf> <stanza> <log file> ARGS...: as postgres; output into the log file.
pgbackrest_run() {
  local conf=$1 stanza=$2 out=$3
  shift 3
  if ! as_postgres env PGBACKREST_CONFIG="$conf" pgbackrest --stanza="$stanza" "$@" >>"$out" 2>&1; then
    say "pgbackrest $* failed"
    tail_to_stderr "$out"
    return 1
  fi
}

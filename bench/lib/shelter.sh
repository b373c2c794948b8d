# shellcheck shell=bash
#
# bench/lib/shelter.sh -- the Shelter side of bench/backup-mode. Sourced by bench/backup-mode.
#
# shelter_backup_mode_seconds DATA_DIR PG_PORT PG_PASSWORD_FILE RBD_IMAGE ARCHIVE_DIR
#
#   DATA_DIR          the running cluster's data directory (on the RBD image, mounted via
#                     deploy/local/rbd-volume; owned by postgres)
#   PG_PORT           its port on 127.0.0.1 (user postgres, scram-sha-256 over TCP)
#   PG_PASSWORD_FILE  a file holding the postgres user's password (one line, mode 600)
#   RBD_IMAGE         the image the data directory lives on, in pool $SHELTER_STACK_CEPH_POOL
#   ARCHIVE_DIR       where the cluster's archive_command copies WAL segments, on local disk
#
#   Starts the service's shaded jar (service/target/shelter.jar; built with Maven if missing) with
#   a config of one cluster (RBD snapshots in the stack's pool, WAL archive ARCHIVE_DIR), takes one
#   online backup with a fast checkpoint over the REST API as an operator would, waits for it to
#   end, stops Shelter, and prints the manifest's backupModeSeconds on its last line: how long
#   PostgreSQL was in backup mode, from the return of pg_backup_start to the return of
#   pg_backup_stop(wait_for_archive => false); that is the RBD snapshot and the stop call, and no
#   archiving. Before it, two lines the bench reads if present: "wal_wait_s S", Shelter's own wait
#   for the WAL through the stop LSN after backup mode ended (from the AwaitWalArchived step's log), and
#   "backup_s S", POST to completed as the client saw it. Returns non-zero when the backup did not
#   complete.
#
#   Environment used: SHELTER_STACK_CEPH_{CONF,KEYRING,USER,POOL}, BENCH_REPO_ROOT,
#   BENCH_WORK_DIR; SHELTER_BENCH_JAVA (default: java on PATH); SHELTER_BENCH_HEAP (-Xmx, default 512m); SHELTER_BENCH_JAR (default:
#   service/target/shelter.jar; point it at a copy to rebuild the project while the bench runs).

_shelter_say() { printf '[bench/shelter] %s\n' "$*" >&2; }

shelter_jar() {
  local jar=${SHELTER_BENCH_JAR:-$BENCH_REPO_ROOT/service/target/shelter.jar}
  if [[ ! -f $jar && -z ${SHELTER_BENCH_JAR:-} ]]; then
    _shelter_say "building $jar (mvn package -DskipTests)"
    (cd "$BENCH_REPO_ROOT" && mvn -q -B package -DskipTests -pl service -am >&2) || return 1
  fi
  printf '%s' "$jar"
}

shelter_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# _shelter_json <field> : one field of the JSON object on stdin ("" if absent)
_shelter_json() {
  python3 -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"
}

# shelter_launch JAR CONFIG LOG PORT TOKEN: starts Shelter in the background and waits (60 s at
# most) until its API answers on PORT; sets SHELTER_PID. On failure, shows the log and stops it.
shelter_launch() {
  local jar=$1 config=$2 log=$3 port=$4 token=$5 deadline
  "${SHELTER_BENCH_JAVA:-java}" "-Xmx${SHELTER_BENCH_HEAP:-512m}" -jar "$jar" server "$config" >"$log" 2>&1 &
  SHELTER_PID=$!
  deadline=$((SECONDS + 60))
  until curl -sS --max-time 5 -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/clusters" 2>/dev/null; do
    if ! kill -0 "$SHELTER_PID" 2>/dev/null || ((SECONDS > deadline)); then
      _shelter_say "Shelter did not start; its log:"; tail -n 30 "$log" >&2
      kill "$SHELTER_PID" 2>/dev/null; wait "$SHELTER_PID" 2>/dev/null
      return 1
    fi
    sleep 0.2
  done
}

shelter_backup_mode_seconds() {
  local data_dir=$1 pg_port=$2 pg_password_file=$3 rbd_image=$4 archive_dir=$5
  local jar home port token config log pid id answer state seconds deadline started rc=1
  jar=$(shelter_jar) || { _shelter_say "no shaded jar"; return 1; }
  home=$(mktemp -d "${BENCH_WORK_DIR:-/tmp}/shelter.XXXXXX")
  port=$(shelter_free_port)
  token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  config=$home/shelter.yml
  log=$home/shelter.log
  cat >"$config" <<YAML
# Written by bench/lib/shelter.sh for one measured backup.
server:
  applicationConnectors: [{type: http, port: $port, bindHost: 127.0.0.1}]
  adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
  requestLog: {appenders: []}
logging: {level: WARN, loggers: {dev.shelter.runbooks.plan.backup: INFO}}
auth:
  tokens: [{name: bench, role: operator, token: "$token"}]
clusters:
  - name: bench
    target: {kind: local, dataDirectory: "$data_dir", binDirectory: /usr/lib/postgresql/15/bin}
    postgres: {jdbcUrl: "jdbc:postgresql://127.0.0.1:$pg_port/postgres", user: postgres, password: "file:$pg_password_file"}
    volumes: [{role: pgdata, source: "$rbd_image"}]
    snapshots: {kind: rbd}
    walArchive: {format: plain, store: {kind: filesystem, directory: "$archive_dir"}}
    backups: {walTimeoutSeconds: 600}
objectStore: {kind: filesystem, directory: "$home/store"}
ceph:
  configFile: "$SHELTER_STACK_CEPH_CONF"
  keyringFile: "$SHELTER_STACK_CEPH_KEYRING"
  user: "${SHELTER_STACK_CEPH_USER:-admin}"
  pool: "$SHELTER_STACK_CEPH_POOL"
YAML
  _shelter_call() { curl -sS --max-time 30 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
  if ! shelter_launch "$jar" "$config" "$log" "$port" "$token"; then
    rm -rf "$home"
    return 1
  fi
  pid=$SHELTER_PID

  started=$EPOCHREALTIME
  answer=$(_shelter_call -X POST -d '{"mode":"online","label":"bench backup-mode","fastCheckpoint":true}' \
    "http://127.0.0.1:$port/api/v1/clusters/bench/backups") || answer='{}'
  id=$(_shelter_json id <<<"$answer" 2>/dev/null)
  if [[ -z $id ]]; then
    _shelter_say "POST backup was refused: $answer"
  else
    deadline=$((SECONDS + 900))
    state=running
    while [[ $state == running ]] && ((SECONDS <= deadline)); do
      sleep 0.2
      answer=$(_shelter_call "http://127.0.0.1:$port/api/v1/backups/$id") || continue
      state=$(_shelter_json state <<<"$answer")
    done
    if [[ $state == completed ]]; then
      local total wal_wait
      total=$(awk -v a="${started/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.3f", b - a }')
      seconds=$(_shelter_json backupModeSeconds <<<"$answer")
      # "... is in the archive, 0.213 s after backup mode ended" (AwaitWalArchived, INFO)
      wal_wait=$(sed -n 's/.* is in the archive, \([0-9.]*\) s after backup mode ended.*/\1/p' "$log" | tail -n 1)
      _shelter_say "backup $id completed: ${seconds}s in backup mode, then ${wal_wait:-?}s waiting for WAL; ${total}s from POST to completed"
      [[ -n $wal_wait ]] && printf 'wal_wait_s %.3f\n' "$wal_wait"
      printf 'backup_s %s\n' "$total"
      printf '%.3f\n' "$seconds"
      rc=0
    else
      _shelter_say "backup $id ended $state: $(_shelter_json failure <<<"$answer")"
    fi
  fi
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "$home"
  return $rc
}

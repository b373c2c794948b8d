# Shared helpers for deploy/local scripts. Sourced; everything here logs to stderr so that
# the callers' stdout stays clean for `eval "$(deploy/local/stack up)"`.

log() { printf '[stack] %s\n' "$*" >&2; }

# Prints the last lines of a log to stderr, for a server that failed to start.
show_log_tail() {
  local file=$1 lines=${2:-30}
  if [ -f "$file" ]; then
    printf '[stack] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf '[stack] ----\n' >&2
  fi
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls every 0.2 s; returns 1 when time runs out.
wait_until() {
  local seconds=$1 description=$2; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "timed out after ${seconds}s waiting for $description"
      return 1
    fi
    sleep 0.2
  done
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

pid_from_file() { [ -f "$1" ] && head -n 1 "$1" | tr -dc '0-9'; }

# stop_pid PID NAME [SECONDS]: TERM, wait, then KILL. Returns once the process is gone.
stop_pid() {
  local pid=$1 name=$2 seconds=${3:-20}
  pid_alive "$pid" || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until "$seconds" "$name to exit" bash -c "! kill -0 $pid"; then
    log "killing $name (pid $pid)"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 "$name to die" bash -c "! kill -0 $pid" || true
  fi
}

# apt_install PACKAGE...: installs from Debian's packages, updating the lists once if needed.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "$@" >>"$STACK_DIR/apt.log" 2>&1; then
    apt-get update >>"$STACK_DIR/apt.log" 2>&1 || true
    apt-get install -y --no-install-recommends "$@" >>"$STACK_DIR/apt.log" 2>&1 || {
      show_log_tail "$STACK_DIR/apt.log"; return 1; }
  fi
}

random_secret() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs a command as the postgres user, from "/": the caller's directory (a clone under root's home,
# mode 0700) may be one postgres cannot enter, and initdb, pg_ctl, pgbench or Patroni's Python then
# fail. So every path given to it must be absolute. env execs the command: $! stays its PID.
as_postgres() { runuser -u postgres -- env --chdir=/ "$@"; }

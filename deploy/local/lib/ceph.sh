# shellcheck shell=bash
#
# deploy/local/lib/ceph.sh -- single-node Ceph 16 (pacific) for the local stack.
#
# Sourced by deploy/local/stack (which runs with `set -euo pipefail`) and by CI.
# One mon ("a"), one bluestore OSD on an 8 GiB sparse file, no mgr, one RBD
# pool, cephx auth, everything bound to 127.0.0.1 and kept under
# "$STACK_DIR/ceph". Packages come from Debian's own repositories.
#
# Public functions:
#   ceph_install  install the Debian packages if a needed binary is missing
#   ceph_up       bootstrap / restart / no-op; waits until the pool is usable
#   ceph_env      print `export SHELTER_STACK_CEPH_*=...` lines (stdout)
#   ceph_status   print one status line (stdout); 0 running, 1 degraded, 3 stopped
#   ceph_down     stop the daemons (TERM, 20 s, KILL) via their pid files
#   ceph_purge    ceph_down, then remove "$STACK_DIR/ceph"
#   ceph_empty    delete the RBD pool and make it again: every image and snapshot goes
#
# Everything but ceph_env/ceph_status writes only to stderr.
#
# Inputs (all optional):
#   STACK_DIR                     default /var/tmp/shelter-stack
#   SHELTER_STACK_CEPH_MON_PORT   default 46789 (msgr v2 only, 127.0.0.1)
#   SHELTER_STACK_CEPH_POOL       default shelter
#   SHELTER_STACK_CEPH_TIMEOUT    default 90 (seconds, per wait)
#   SHELTER_STACK_CEPH_OSD_GIB    default 8 (size of the OSD's sparse block file, GiB)

_CEPH_PACKAGES=(ceph-mon ceph-osd ceph-common librados2 librbd1 rbd-fuse)
_CEPH_BINARIES=(ceph-mon ceph-osd rbd ceph ceph-authtool monmaptool rbd-fuse)
_CEPH_MON_ID=a
_CEPH_BLOCK_SIZE=$(( ${SHELTER_STACK_CEPH_OSD_GIB:-8} * 1024*1024*1024 ))

# --------------------------------------------------------------------------
# internals
# --------------------------------------------------------------------------

_ceph_say() { printf 'ceph: %s\n' "$*" >&2; }

# Recompute all paths from the current environment (STACK_DIR may be set
# after this file is sourced).
_ceph_paths() {
  local stack=${STACK_DIR:-/var/tmp/shelter-stack}
  stack=$(realpath -m -- "$stack")
  _CEPH_DIR=$stack/ceph
  _CEPH_CONF=$_CEPH_DIR/ceph.conf
  _CEPH_KEYRING=$_CEPH_DIR/ceph.client.admin.keyring
  _CEPH_LOG_DIR=$_CEPH_DIR/log
  _CEPH_RUN_DIR=$_CEPH_DIR/run
  _CEPH_MON_DATA=$_CEPH_DIR/mon/ceph-$_CEPH_MON_ID
  _CEPH_OSD_ROOT=$_CEPH_DIR/osd
  _CEPH_MARKER=$_CEPH_DIR/bootstrapped
  _CEPH_PORT=${SHELTER_STACK_CEPH_MON_PORT:-46789}
  _CEPH_POOL=${SHELTER_STACK_CEPH_POOL:-shelter}
  _CEPH_TIMEOUT=${SHELTER_STACK_CEPH_TIMEOUT:-90}
  _CEPH_OSD_ID=0
  if [[ -s $_CEPH_DIR/osd_id ]]; then
    _CEPH_OSD_ID=$(<"$_CEPH_DIR/osd_id")
  fi
  _CEPH_OSD_DATA=$_CEPH_OSD_ROOT/ceph-$_CEPH_OSD_ID
  _CEPH_MON_PIDFILE=$_CEPH_RUN_DIR/ceph-mon.$_CEPH_MON_ID.pid
  _CEPH_OSD_PIDFILE=$_CEPH_RUN_DIR/ceph-osd.$_CEPH_OSD_ID.pid
  _CEPH_MON_LOG=$_CEPH_LOG_DIR/ceph-mon.$_CEPH_MON_ID.log
  _CEPH_OSD_LOG=$_CEPH_LOG_DIR/ceph-osd.$_CEPH_OSD_ID.log
  _CEPH_BOOT_LOG=$_CEPH_LOG_DIR/bootstrap.log
}

# Print the tail of some log files to stderr.
_ceph_dump_logs() {
  local f
  for f in "$@"; do
    if [[ -s $f ]]; then
      printf -- '----- last 30 lines of %s -----\n' "$f" >&2
      tail -n 30 -- "$f" >&2 || true
    fi
  done
}

# Run a setup command, output into the bootstrap log; on failure show it.
_ceph_run() {
  local desc=$1
  shift
  printf '+ [%(%T)T] %s\n' -1 "$*" >>"$_CEPH_BOOT_LOG"
  if ! "$@" </dev/null >>"$_CEPH_BOOT_LOG" 2>&1; then
    _ceph_say "failed: $desc"
    _ceph_dump_logs "$_CEPH_BOOT_LOG"
    return 1
  fi
}

# The ceph CLI / rbd CLI as client.admin, always bounded in time.
_ceph_cli() {
  timeout -k 5 30 ceph -c "$_CEPH_CONF" --keyring "$_CEPH_KEYRING" --id admin \
    --connect-timeout 10 "$@" </dev/null
}
_ceph_rbd() {
  timeout -k 5 20 rbd -c "$_CEPH_CONF" --keyring "$_CEPH_KEYRING" --id admin "$@" </dev/null
}

# Print the pid of a running daemon of ours (pid file + /proc check that the
# process really is a ceph daemon using our conf). Returns 1 if not running.
_ceph_pid_of() { # <pidfile> <binary>
  local pidfile=$1 bin=$2 pid cmd
  [[ -r $pidfile ]] || return 1
  pid=$(tr -dc '0-9' <"$pidfile" 2>/dev/null) || return 1
  [[ -n $pid ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  cmd=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$bin"* && $cmd == *"$_CEPH_CONF"* ]] || return 1
  printf '%s\n' "$pid"
}
_ceph_mon_pid() { _ceph_pid_of "$_CEPH_MON_PIDFILE" ceph-mon; }
_ceph_osd_pid() { _ceph_pid_of "$_CEPH_OSD_PIDFILE" ceph-osd; }

# Pids of any ceph-mon/ceph-osd process started with exactly our conf file
# (catches daemons whose pid file got lost).
_ceph_orphan_pids() {
  local p cmd
  for p in /proc/[0-9]*; do
    [[ -r $p/cmdline ]] || continue
    cmd=$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null) || continue
    case $cmd in
      *ceph-mon* | *ceph-osd*) ;;
      *) continue ;;
    esac
    if grep -qxF -- "$_CEPH_CONF" <<<"$cmd"; then
      printf '%s\n' "${p#/proc/}"
    fi
  done
}

# TERM a pid, wait up to 20 s, then KILL.
_ceph_kill_pid() { # <pid> <what>
  local pid=$1 what=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  _ceph_say "$what (pid $pid) did not stop within 20 s, sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  _ceph_say "$what (pid $pid) still alive after KILL"
  return 1
}

# Poll "$@" until it succeeds or the timeout expires.
_ceph_wait() { # <seconds> <cmd...>
  local secs=$1
  shift
  local end=$((SECONDS + secs))
  while :; do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    ((SECONDS < end)) || return 1
    sleep 1
  done
}

_ceph_setuser_args() {
  if [[ $EUID -eq 0 ]]; then
    printf '%s\n' --setuser root --setgroup root
  fi
}

_ceph_write_conf() { # <fsid>
  local fsid=$1 d=$_CEPH_DIR
  cat >"$_CEPH_CONF.tmp" <<EOF
# Generated by deploy/local/lib/ceph.sh -- single-node test cluster.
[global]
fsid = $fsid
mon initial members = $_CEPH_MON_ID
mon host = [v2:127.0.0.1:$_CEPH_PORT]
public network = 127.0.0.1/32
cluster network = 127.0.0.1/32
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr1 = false
ms bind msgr2 = true
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon mgr mkfs grace = 315360000
mon data avail warn = 5
mon data avail crit = 1

[mon]
mon data = $_CEPH_MON_DATA
public addr = 127.0.0.1
run dir = $_CEPH_RUN_DIR
pid file = $_CEPH_RUN_DIR/ceph-\$name.pid
admin socket = $_CEPH_RUN_DIR/ceph-\$name.asok
log file = $_CEPH_LOG_DIR/ceph-\$name.log
mon cluster log file = $_CEPH_LOG_DIR/ceph.\$channel.log
crash dir = $d/crash
mon memory target = 536870912
# Commit map changes every 0.1 s instead of 1 s: pool and RBD snapshot
# create/remove wait for an osdmap commit (~0.8 s -> ~0.1 s per snapshot).
paxos propose interval = 0.1

[osd]
osd data = $_CEPH_OSD_ROOT/ceph-\$id
keyring = $_CEPH_OSD_ROOT/ceph-\$id/keyring
osd objectstore = bluestore
bluestore block size = $_CEPH_BLOCK_SIZE
public addr = 127.0.0.1
cluster addr = 127.0.0.1
run dir = $_CEPH_RUN_DIR
pid file = $_CEPH_RUN_DIR/ceph-\$name.pid
admin socket = $_CEPH_RUN_DIR/ceph-\$name.asok
log file = $_CEPH_LOG_DIR/ceph-\$name.log
crash dir = $d/crash
osd crush update on start = true
osd crush location = root=default host=shelter-local
osd memory target = 1073741824
bluestore cache autotune = true
bluestore cache size hdd = 134217728
bluestore cache size ssd = 134217728
osd snap trim sleep = 0
osd snap trim sleep hdd = 0
osd snap trim sleep ssd = 0
osd snap trim sleep hybrid = 0

[client.admin]
keyring = $_CEPH_KEYRING
EOF
  mv -f -- "$_CEPH_CONF.tmp" "$_CEPH_CONF"
}

# Start one daemon (it daemonizes itself and writes its pid file), then wait
# for the pid file to name a live process.
_ceph_start_daemon() { # <kind mon|osd> <id> <pidfile> <log>
  local kind=$1 id=$2 pidfile=$3 log=$4 rc=0
  local -a su
  mapfile -t su < <(_ceph_setuser_args)
  rm -f -- "$pidfile"
  _ceph_say "starting ceph-$kind.$id"
  # The daemon must not hold any of the caller's pipes (a `$(...)`, a `| tee`,
  # a CI runner's extra fds), or the caller would never see EOF: stdio goes to
  # a file and every other inherited fd is closed before exec.
  (
    exec </dev/null >>"$_CEPH_LOG_DIR/ceph-$kind.$id.stdio" 2>&1
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then
        { exec {fd}>&-; } 2>/dev/null || true
      fi
    done
    exec "ceph-$kind" -c "$_CEPH_CONF" -i "$id" "${su[@]}"
  ) || rc=$?
  if ((rc != 0)); then
    _ceph_say "ceph-$kind.$id exited with status $rc while starting"
    _ceph_dump_logs "$_CEPH_LOG_DIR/ceph-$kind.$id.stdio" "$log"
    return 1
  fi
  if ! _ceph_wait 30 _ceph_pid_of "$pidfile" "ceph-$kind"; then
    _ceph_say "ceph-$kind.$id did not come up (no live pid in $pidfile)"
    _ceph_dump_logs "$_CEPH_LOG_DIR/ceph-$kind.$id.stdio" "$log"
    return 1
  fi
}

# Fail fast (instead of the mon's 3 x 5 s bind retries) if the port is taken.
_ceph_check_port() {
  command -v ss >/dev/null 2>&1 || return 0
  local out
  out=$(ss -Hltnp "( sport = :$_CEPH_PORT )" 2>/dev/null) || return 0
  if [[ -n $out ]]; then
    _ceph_say "port $_CEPH_PORT is already in use (set SHELTER_STACK_CEPH_MON_PORT):"
    printf '%s\n' "$out" >&2
    return 1
  fi
}

_ceph_mon_ready() { _ceph_cli quorum_status >/dev/null 2>&1; }

_ceph_wait_mon() {
  if ! _ceph_wait "$_CEPH_TIMEOUT" _ceph_mon_ready; then
    _ceph_say "monitor did not form a quorum within ${_CEPH_TIMEOUT}s"
    _ceph_dump_logs "$_CEPH_MON_LOG"
    return 1
  fi
}

_ceph_osd_ready() {
  local out
  out=$(_ceph_cli osd stat -f json 2>/dev/null) || return 1
  out=${out//[[:space:]]/}
  [[ $out == *'"num_up_osds":1'* && $out == *'"num_in_osds":1'* ]]
}

_ceph_wait_osd() {
  if ! _ceph_wait "$_CEPH_TIMEOUT" _ceph_osd_ready; then
    _ceph_say "OSD was not up/in within ${_CEPH_TIMEOUT}s"
    _ceph_dump_logs "$_CEPH_OSD_LOG" "$_CEPH_MON_LOG"
    return 1
  fi
}

_ceph_pool_exists() {
  local out
  out=$(_ceph_cli osd pool ls 2>/dev/null) || return 2
  [[ $'\n'$out$'\n' == *$'\n'"$_CEPH_POOL"$'\n'* ]]
}

_ceph_ensure_pool() {
  local rc=0
  _ceph_pool_exists || rc=$?
  if ((rc == 2)); then
    _ceph_say "cannot list pools"
    _ceph_dump_logs "$_CEPH_MON_LOG"
    return 1
  fi
  if ((rc == 1)); then
    _ceph_say "creating pool $_CEPH_POOL"
    _ceph_run "create pool" _ceph_cli osd pool create "$_CEPH_POOL" 8 8 replicated || return 1
  fi
  # The conf defaults make new pools size 1 / min_size 1; enforce it anyway.
  local size
  size=$(_ceph_cli osd pool get "$_CEPH_POOL" size 2>/dev/null) || size=
  if [[ $size != 'size: 1' ]]; then
    _ceph_run "pool size" _ceph_cli osd pool set "$_CEPH_POOL" size 1 --yes-i-really-mean-it || return 1
    _ceph_run "pool min_size" _ceph_cli osd pool set "$_CEPH_POOL" min_size 1 || return 1
  fi
  # Cheap when already done; also covers a half-finished earlier run.
  local apps
  apps=$(_ceph_cli osd pool application get "$_CEPH_POOL" 2>/dev/null) || apps=
  if [[ $apps != *rbd* ]]; then
    # Blocks until the PGs are active; retried (each try is bounded) so a
    # slow first peering does not fail the bootstrap.
    if ! _ceph_wait "$_CEPH_TIMEOUT" _ceph_rbd pool init "$_CEPH_POOL"; then
      _ceph_say "rbd pool init $_CEPH_POOL did not succeed within ${_CEPH_TIMEOUT}s"
      _ceph_rbd pool init "$_CEPH_POOL" >&2 || true
      _ceph_dump_logs "$_CEPH_OSD_LOG" "$_CEPH_MON_LOG"
      return 1
    fi
  fi
}

_ceph_pool_ready() { _ceph_rbd ls -p "$_CEPH_POOL" >/dev/null 2>&1; }

_ceph_wait_pool() {
  if ! _ceph_wait "$_CEPH_TIMEOUT" _ceph_pool_ready; then
    _ceph_say "pool $_CEPH_POOL not usable (rbd ls) within ${_CEPH_TIMEOUT}s"
    _ceph_dump_logs "$_CEPH_OSD_LOG" "$_CEPH_MON_LOG"
    return 1
  fi
}

# Create keys, monmap, mon store and the OSD from nothing.
_ceph_bootstrap() {
  local fsid uuid secret id boot=$_CEPH_DIR/bootstrap
  local -a su
  mapfile -t su < <(_ceph_setuser_args)

  # Wipe any half-made state but keep old logs for post-mortems.
  if [[ -d $_CEPH_DIR ]]; then
    find "$_CEPH_DIR" -mindepth 1 -maxdepth 1 ! -name log -exec rm -rf -- {} + || return 1
  fi
  rm -f -- "$_CEPH_DIR/osd_id"
  _ceph_paths
  mkdir -p -- "$_CEPH_LOG_DIR" "$_CEPH_RUN_DIR" "$_CEPH_MON_DATA" "$_CEPH_OSD_ROOT" \
    "$_CEPH_DIR/crash" "$boot" || return 1
  : >"$_CEPH_BOOT_LOG"
  _ceph_say "bootstrapping a new cluster in $_CEPH_DIR (mon 127.0.0.1:$_CEPH_PORT)"

  fsid=$(</proc/sys/kernel/random/uuid) || return 1
  _ceph_write_conf "$fsid" || return 1

  _ceph_run "mon keyring" ceph-authtool --create-keyring "$boot/mon.keyring" \
    --gen-key -n mon. --cap mon 'allow *' || return 1
  _ceph_run "admin keyring" ceph-authtool --create-keyring "$_CEPH_KEYRING" \
    --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
    --cap mds 'allow *' --cap mgr 'allow *' || return 1
  chmod 600 -- "$_CEPH_KEYRING" || return 1
  _ceph_run "import admin key" ceph-authtool "$boot/mon.keyring" \
    --import-keyring "$_CEPH_KEYRING" || return 1
  _ceph_run "monmap" monmaptool --create --fsid "$fsid" \
    --addv "$_CEPH_MON_ID" "[v2:127.0.0.1:$_CEPH_PORT]" "$boot/monmap" || return 1
  _ceph_run "mon mkfs" ceph-mon -c "$_CEPH_CONF" --mkfs -i "$_CEPH_MON_ID" \
    --monmap "$boot/monmap" --keyring "$boot/mon.keyring" "${su[@]}" || return 1

  _ceph_check_port || return 1
  _ceph_start_daemon mon "$_CEPH_MON_ID" "$_CEPH_MON_PIDFILE" "$_CEPH_MON_LOG" || return 1
  _ceph_wait_mon || return 1

  # OSD: register it with the mon (with its cephx key), then mkfs bluestore.
  uuid=$(</proc/sys/kernel/random/uuid) || return 1
  secret=$(ceph-authtool --gen-print-key) || return 1
  printf '+ [%(%T)T] ceph osd new %s\n' -1 "$uuid" >>"$_CEPH_BOOT_LOG"
  if ! id=$(printf '{"cephx_secret": "%s"}' "$secret" |
    timeout -k 5 30 ceph -c "$_CEPH_CONF" --keyring "$_CEPH_KEYRING" --id admin \
      --connect-timeout 10 osd new "$uuid" -i - 2>>"$_CEPH_BOOT_LOG"); then
    _ceph_say "failed: ceph osd new"
    _ceph_dump_logs "$_CEPH_BOOT_LOG" "$_CEPH_MON_LOG"
    return 1
  fi
  id=${id//[^0-9]/}
  if [[ -z $id ]]; then
    _ceph_say "ceph osd new returned no id"
    return 1
  fi
  printf '%s\n' "$id" >"$_CEPH_DIR/osd_id"
  _ceph_paths
  mkdir -p -- "$_CEPH_OSD_DATA" || return 1
  _ceph_run "osd keyring" ceph-authtool --create-keyring "$_CEPH_OSD_DATA/keyring" \
    --name "osd.$id" --add-key "$secret" || return 1
  # Sparse 8 GiB file used as the bluestore block device.
  truncate -s "$_CEPH_BLOCK_SIZE" -- "$_CEPH_OSD_DATA/block" || return 1
  _ceph_run "osd mkfs" timeout -k 5 120 ceph-osd -c "$_CEPH_CONF" -i "$id" --mkfs \
    --osd-uuid "$uuid" "${su[@]}" || {
    _ceph_dump_logs "$_CEPH_OSD_LOG"
    return 1
  }

  _ceph_start_daemon osd "$id" "$_CEPH_OSD_PIDFILE" "$_CEPH_OSD_LOG" || return 1
  _ceph_wait_osd || return 1
  _ceph_ensure_pool || return 1
  _ceph_wait_pool || return 1
  rm -f -- "$boot/mon.keyring"
  date -u +%FT%TZ >"$_CEPH_MARKER"
}

# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------

ceph_install() {
  local b missing=()
  for b in "${_CEPH_BINARIES[@]}"; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  ((${#missing[@]} == 0)) && return 0

  local -a sudo=()
  if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo -n)
    else
      _ceph_say "need root to install ${_CEPH_PACKAGES[*]}"
      return 1
    fi
  fi
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/shelter-ceph-apt.XXXXXX") || return 1
  _ceph_say "installing ${_CEPH_PACKAGES[*]} (missing: ${missing[*]}; log $log)"
  local -a apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q
    -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  if ! "${apt[@]}" install --no-install-recommends "${_CEPH_PACKAGES[@]}" </dev/null >>"$log" 2>&1; then
    _ceph_say "apt-get install failed, running apt-get update and retrying"
    if ! "${apt[@]}" update </dev/null >>"$log" 2>&1 ||
      ! "${apt[@]}" install --no-install-recommends "${_CEPH_PACKAGES[@]}" </dev/null >>"$log" 2>&1; then
      _ceph_say "package installation failed"
      _ceph_dump_logs "$log"
      return 1
    fi
  fi
  for b in "${_CEPH_BINARIES[@]}"; do
    if ! command -v "$b" >/dev/null 2>&1; then
      _ceph_say "$b still missing after install"
      _ceph_dump_logs "$log"
      return 1
    fi
  done
  rm -f -- "$log"
}

ceph_up() {
  _ceph_paths
  ceph_install || return 1

  local mon_pid osd_pid
  if [[ -f $_CEPH_MARKER && -f $_CEPH_CONF && -f $_CEPH_KEYRING ]]; then
    mon_pid=$(_ceph_mon_pid) || mon_pid=
    osd_pid=$(_ceph_osd_pid) || osd_pid=
    # Fast path: both daemons alive and the pool answers.
    if [[ -n $mon_pid && -n $osd_pid ]] && _ceph_pool_ready; then
      _ceph_say "already running (mon pid $mon_pid, osd pid $osd_pid)"
      return 0
    fi
    # Restart from existing state.
    mkdir -p -- "$_CEPH_LOG_DIR" "$_CEPH_RUN_DIR" "$_CEPH_DIR/crash" || return 1
    # The mon port is fixed in the monmap at bootstrap; keep using it.
    local conf_port
    conf_port=$(sed -n 's/^mon host = \[v2:127\.0\.0\.1:\([0-9]*\)\]$/\1/p' "$_CEPH_CONF")
    if [[ -n $conf_port && $conf_port != "$_CEPH_PORT" ]]; then
      _ceph_say "warning: existing cluster uses mon port $conf_port, not $_CEPH_PORT (ceph_purge to change it)"
      _CEPH_PORT=$conf_port
    fi
    if [[ -z $mon_pid ]]; then
      _ceph_check_port || return 1
      _ceph_start_daemon mon "$_CEPH_MON_ID" "$_CEPH_MON_PIDFILE" "$_CEPH_MON_LOG" || return 1
    fi
    _ceph_wait_mon || return 1
    if [[ -z $osd_pid ]]; then
      _ceph_start_daemon osd "$_CEPH_OSD_ID" "$_CEPH_OSD_PIDFILE" "$_CEPH_OSD_LOG" || return 1
    fi
    _ceph_wait_osd || return 1
    _ceph_ensure_pool || return 1
    _ceph_wait_pool || return 1
  else
    # No (complete) state: stop leftovers of a failed bootstrap, start over.
    ceph_down || return 1
    _ceph_bootstrap || return 1
  fi
  mon_pid=$(_ceph_mon_pid) || mon_pid=?
  osd_pid=$(_ceph_osd_pid) || osd_pid=?
  _ceph_say "up (mon pid $mon_pid, osd pid $osd_pid, pool $_CEPH_POOL, conf $_CEPH_CONF)"
}

ceph_env() {
  _ceph_paths
  printf 'export SHELTER_STACK_CEPH_CONF=%q\n' "$_CEPH_CONF"
  printf 'export SHELTER_STACK_CEPH_KEYRING=%q\n' "$_CEPH_KEYRING"
  printf 'export SHELTER_STACK_CEPH_USER=admin\n'
  printf 'export SHELTER_STACK_CEPH_POOL=%q\n' "$_CEPH_POOL"
}

ceph_status() {
  _ceph_paths
  local mon_pid osd_pid
  mon_pid=$(_ceph_mon_pid) || mon_pid=
  osd_pid=$(_ceph_osd_pid) || osd_pid=
  if [[ -n $mon_pid && -n $osd_pid ]]; then
    printf 'ceph: running (mon pid %s, osd pid %s, pool %s)\n' "$mon_pid" "$osd_pid" "$_CEPH_POOL"
    return 0
  elif [[ -n $mon_pid ]]; then
    printf 'ceph: degraded (mon pid %s, osd not running)\n' "$mon_pid"
    return 1
  elif [[ -n $osd_pid ]]; then
    printf 'ceph: degraded (osd pid %s, mon not running)\n' "$osd_pid"
    return 1
  fi
  printf 'ceph: stopped\n'
  return 3
}

ceph_down() {
  _ceph_paths
  local pid rc=0 stopped=0
  # OSD first so it can tell the mon it is going down.
  if pid=$(_ceph_osd_pid); then
    _ceph_say "stopping ceph-osd.$_CEPH_OSD_ID (pid $pid)"
    _ceph_kill_pid "$pid" ceph-osd || rc=1
    stopped=1
  fi
  if pid=$(_ceph_mon_pid); then
    _ceph_say "stopping ceph-mon.$_CEPH_MON_ID (pid $pid)"
    _ceph_kill_pid "$pid" ceph-mon || rc=1
    stopped=1
  fi
  # Daemons of ours whose pid file went missing.
  if [[ -e $_CEPH_CONF ]]; then
    local orphans
    orphans=$(_ceph_orphan_pids) || orphans=
    for pid in $orphans; do
      _ceph_say "stopping leftover ceph daemon (pid $pid)"
      _ceph_kill_pid "$pid" "ceph daemon" || rc=1
      stopped=1
    done
  fi
  if [[ -d $_CEPH_RUN_DIR ]]; then
    rm -f -- "$_CEPH_RUN_DIR"/*.pid "$_CEPH_RUN_DIR"/*.asok
  fi
  ((stopped)) && ((rc == 0)) && _ceph_say "stopped"
  return "$rc"
}

ceph_empty() {
  _ceph_paths
  ceph_status >/dev/null || { _ceph_say "not running: nothing to empty"; return 1; }
  _ceph_say "emptying pool $_CEPH_POOL (deleted and made again)"
  _ceph_run "delete pool" _ceph_cli osd pool delete "$_CEPH_POOL" "$_CEPH_POOL" --yes-i-really-really-mean-it || return 1
  _ceph_ensure_pool || return 1
  _ceph_wait_pool || return 1
  # The OSD frees the deleted objects in the background; writes block while it is full.
  if ! _ceph_wait "$_CEPH_TIMEOUT" _ceph_not_full; then
    _ceph_say "the OSD is still (near)full ${_CEPH_TIMEOUT}s after emptying the pool: $(_ceph_cli health 2>&1)"
    return 1
  fi
}

_ceph_not_full() {
  local health
  health=$(_ceph_cli health) || return 1
  [[ $health != *full* ]]
}

ceph_purge() {
  _ceph_paths
  ceph_down || return 1
  if [[ -d $_CEPH_DIR ]]; then
    _ceph_say "removing $_CEPH_DIR"
    rm -rf -- "$_CEPH_DIR" || return 1
  fi
}

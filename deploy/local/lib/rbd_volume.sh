# shellcheck shell=bash
#
# deploy/local/lib/rbd_volume.sh -- a real RBD-backed filesystem without krbd/nbd:
#
#   rbd-fuse -p POOL -r IMAGE <fusedir> -f    exposes the image as the file <fusedir>/IMAGE
#   losetup -f --show <fusedir>/IMAGE         turns that file into a block device
#   mount <loop> MOUNTPOINT                   ext4 on it (made on first attach with --create-gib)
#
# fsync on the ext4 mount flushes the loop device, whose backing-file fsync makes rbd-fuse call
# rbd_flush, so what PostgreSQL fsyncs is on the OSD. rbd-fuse holds the image's exclusive lock
# until it has been unmounted and its process has exited: only then does `rbd snap rollback`
# succeed (before, it fails with "(30) Read-only file system"). That needs the exclusive-lock
# feature, so images are created with "layering,exclusive-lock": with layering alone nothing
# stops a rollback underneath a mounted filesystem.
#
# Sourced by deploy/local/rbd-volume (set -euo pipefail). Public functions:
#   rbd_volume_attach IMAGE MOUNTPOINT [--create-gib N]
#   rbd_volume_detach MOUNTPOINT
#   rbd_volume_status [MOUNTPOINT]    0 all attached, 1 some broken, 3 (the given one) not attached
#
# Inputs (environment):
#   SHELTER_STACK_CEPH_CONF, SHELTER_STACK_CEPH_KEYRING, SHELTER_STACK_CEPH_POOL   needed by attach
#   SHELTER_STACK_CEPH_USER          default admin
#   SHELTER_STACK_DIR                default /var/tmp/shelter-stack; state in $SHELTER_STACK_DIR/rbd-volumes
#   SHELTER_RBD_VOLUME_FEATURES      default layering,exclusive-lock (for --create-gib)
#   SHELTER_RBD_VOLUME_TIMEOUT       default 60 (seconds, per wait)
#
# State, per volume, in $SHELTER_STACK_DIR/rbd-volumes/<name>/: volume (key=value lines: mountpoint,
# pool, image, conf, keyring, user, loop), rbd-fuse.pid, rbd-fuse.log (stdio), ceph-client.log,
# fuse/ (the rbd-fuse mount point). Everything logs to stderr.

_rv_say() { printf '[rbd-volume] %s\n' "$*" >&2; }

_rv_tail() { # <file>...
  local f
  for f in "$@"; do
    if [[ -s $f ]]; then
      printf '[rbd-volume] ---- last 20 lines of %s ----\n' "$f" >&2
      tail -n 20 -- "$f" >&2 || true
      printf '[rbd-volume] ----\n' >&2
    fi
  done
}

_rv_now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
_rv_since() { awk -v a="$1" -v b="$(_rv_now)" 'BEGIN { printf "%.2f", b - a }'; }

_rv_root() {
  local stack=${SHELTER_STACK_DIR:-/var/tmp/shelter-stack}
  printf '%s/rbd-volumes' "$(realpath -m -- "$stack")"
}

# State directory name for a mount point: readable, and unique through a hash of the full path.
_rv_name() { # <abs mountpoint>
  local base hash
  base=${1##*/}
  base=${base//[^A-Za-z0-9._-]/_}
  hash=$(printf '%s' "$1" | sha1sum | cut -c1-8)
  printf '%s-%s' "$base" "$hash"
}

# Loads the state of the volume at $1 into _RV_* variables; returns 1 if there is none.
_rv_load() { # <abs mountpoint>
  _RV_DIR=$(_rv_root)/$(_rv_name "$1")
  _RV_MP=$1 _RV_POOL= _RV_IMAGE= _RV_CONF= _RV_KEYRING= _RV_USER= _RV_LOOP= _RV_PID=
  _RV_FUSE=$_RV_DIR/fuse
  [[ -f $_RV_DIR/volume ]] || return 1
  local key value
  while IFS='=' read -r key value; do
    case $key in
      pool) _RV_POOL=$value ;;
      image) _RV_IMAGE=$value ;;
      conf) _RV_CONF=$value ;;
      keyring) _RV_KEYRING=$value ;;
      user) _RV_USER=$value ;;
      loop) _RV_LOOP=$value ;;
    esac
  done <"$_RV_DIR/volume"
  _RV_PID=$(tr -dc '0-9' <"$_RV_DIR/rbd-fuse.pid" 2>/dev/null) || _RV_PID=
  return 0
}

_rv_save() {
  {
    printf 'mountpoint=%s\npool=%s\nimage=%s\nconf=%s\nkeyring=%s\nuser=%s\nloop=%s\n' \
      "$_RV_MP" "$_RV_POOL" "$_RV_IMAGE" "$_RV_CONF" "$_RV_KEYRING" "$_RV_USER" "$_RV_LOOP"
  } >"$_RV_DIR/volume.tmp" && mv -f -- "$_RV_DIR/volume.tmp" "$_RV_DIR/volume"
}

# True if PID is our rbd-fuse for this volume, alive (zombies count as gone).
_rv_fuse_alive() {
  local pid=${1:-$_RV_PID} state cmd
  [[ -n $pid && -r /proc/$pid/stat ]] || return 1
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z && $state != X ]] || return 1
  cmd=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *rbd-fuse* && $cmd == *"$_RV_FUSE"* ]]
}

_rv_fuse_gone() { ! _rv_fuse_alive "$@"; }

# The pid of the live rbd-fuse serving our fuse directory, found through /proc (covers `setsid`
# having forked when the caller runs with job control).
_rv_find_fuse_pid() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if _rv_fuse_alive "$p"; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  return 1
}

# From the mount table, so that a FUSE mount whose daemon died (ENOTCONN) still counts.
_rv_is_mounted() { findmnt -n --mountpoint "$1" >/dev/null 2>&1; }

# The source device of the filesystem mounted at $1 (empty if none).
_rv_mount_source() { findmnt -n -o SOURCE --mountpoint "$1" 2>/dev/null | head -n 1 || true; }

# True if loop device $1 is attached to our fuse file.
_rv_loop_ours() {
  local back
  [[ -n ${1:-} && -b $1 ]] || return 1
  back=$(losetup -n -O BACK-FILE -- "$1" 2>/dev/null) || return 1
  back=${back%% (deleted)}
  [[ $back == "$_RV_FUSE/$_RV_IMAGE" ]]
}

_rv_wait() { # <seconds> <cmd...>
  local end=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || return 1
    sleep 0.05
  done
}

_rv_rbd() {
  timeout -k 5 60 rbd -c "$_RV_CONF" --keyring "$_RV_KEYRING" --id "$_RV_USER" "$@" </dev/null
}

# Removes the state directory, never through a mounted rbd-fuse directory (unlink there would
# remove the RBD image).
_rv_rm_state() {
  if _rv_is_mounted "$_RV_FUSE"; then
    _rv_say "$_RV_FUSE is still mounted; keeping $_RV_DIR"
    return 1
  fi
  rm -rf --one-file-system -- "$_RV_DIR"
}

# Loop devices whose backing file is our fuse file (the recorded one, and any other).
_rv_our_loops() {
  local dev
  { [[ -n $_RV_LOOP ]] && printf '%s\n' "$_RV_LOOP"; losetup -n -O NAME 2>/dev/null; } | sort -u |
    while read -r dev; do
      [[ -n $dev ]] && _rv_loop_ours "$dev" && printf '%s\n' "$dev"
    done
  return 0
}
_rv_no_loops() { [[ -z $(_rv_our_loops) ]]; }

# Fully attached: rbd-fuse alive, its file on our loop device, that device mounted at the mount point.
_rv_healthy() {
  _rv_fuse_alive && _rv_is_mounted "$_RV_FUSE" && _rv_loop_ours "$_RV_LOOP" &&
    [[ $(_rv_mount_source "$_RV_MP") == "$_RV_LOOP" ]]
}

_rv_lock() { # serialises attach/detach (fd 9; released when the process exits)
  local root
  root=$(_rv_root)
  mkdir -p -- "$root" || return 1
  exec 9>"$root/.lock"
  if ! flock -w "${SHELTER_RBD_VOLUME_TIMEOUT:-60}" 9; then
    _rv_say "another rbd-volume command holds $root/.lock"
    return 1
  fi
}

# Undo whatever part of an attach exists, in reverse order. Idempotent. Needs _rv_load first.
_rv_teardown() {
  local timeout=${SHELTER_RBD_VOLUME_TIMEOUT:-60} src
  # 1. The ext4 mount, if it is ours (or our loop device is mounted there).
  src=$(_rv_mount_source "$_RV_MP")
  if [[ -n $src ]] && { [[ $src == "$_RV_LOOP" ]] || _rv_loop_ours "$src"; }; then
    if ! umount -- "$_RV_MP" 2>"$_RV_DIR/umount.err"; then
      _rv_say "cannot unmount $_RV_MP: $(cat "$_RV_DIR/umount.err")"
      if command -v fuser >/dev/null 2>&1; then
        fuser -vm "$_RV_MP" 2>&1 | grep -v '^Cannot stat' >&2 || true
      fi
      return 1
    fi
  elif [[ -n $src ]]; then
    _rv_say "$_RV_MP is mounted from $src, which is not this volume's loop device; leaving it"
    return 1
  fi
  # 2. Every loop device on our fuse file (normally just $_RV_LOOP).
  if [[ -n $_RV_IMAGE ]]; then
    local dev
    for dev in $(_rv_our_loops); do losetup -d "$dev" 2>/dev/null || true; done
    if ! _rv_wait "$timeout" _rv_no_loops; then
      _rv_say "loop device(s) still attached to $_RV_FUSE/$_RV_IMAGE: $(_rv_our_loops | tr '\n' ' ')"
      return 1
    fi
  fi
  # 3. The FUSE mount: unmounting makes rbd-fuse close the image and exit.
  if _rv_is_mounted "$_RV_FUSE"; then
    # fusermount comes with the fuse package, which rbd-fuse does not pull in; root can umount.
    local err=
    if command -v fusermount >/dev/null 2>&1 && fusermount -u "$_RV_FUSE" 2>/dev/null; then
      :
    elif ! err=$(umount -- "$_RV_FUSE" 2>&1); then
      if _rv_fuse_alive; then
        _rv_say "cannot unmount $_RV_FUSE: $err"
        return 1
      fi
      # The daemon is gone (crashed): detach the dead mount lazily.
      err=$(umount -l -- "$_RV_FUSE" 2>&1) || { _rv_say "cannot unmount $_RV_FUSE: $err"; return 1; }
    fi
  fi
  # 4. Only once rbd-fuse has exited is the exclusive lock released (then rollback works).
  if _rv_fuse_alive; then
    if ! _rv_wait "$timeout" _rv_fuse_gone; then
      _rv_say "rbd-fuse (pid $_RV_PID) still running ${timeout}s after unmount; sending TERM"
      _rv_tail "$_RV_DIR/rbd-fuse.log" "$_RV_DIR/ceph-client.log"
      kill -TERM "$_RV_PID" 2>/dev/null || true
      if ! _rv_wait 10 _rv_fuse_gone; then
        kill -KILL "$_RV_PID" 2>/dev/null || true
        _rv_wait 5 _rv_fuse_gone || { _rv_say "rbd-fuse (pid $_RV_PID) does not die"; return 1; }
      fi
    fi
  fi
  return 0
}

# A failed attach: undo it and forget it (the state stays if something could not be undone).
_rv_abort() {
  _rv_teardown && _rv_rm_state
  return 0
}

# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------

rbd_volume_attach() {
  local image= mp= gib= arg
  while (($#)); do
    arg=$1
    shift
    case $arg in
      --create-gib) gib=${1:-}; shift || true ;;
      --create-gib=*) gib=${arg#*=} ;;
      -*) _rv_say "unknown option $arg"; return 2 ;;
      *) if [[ -z $image ]]; then image=$arg; elif [[ -z $mp ]]; then mp=$arg; else
           _rv_say "unexpected argument $arg"; return 2; fi ;;
    esac
  done
  if [[ -z $image || -z $mp ]]; then
    _rv_say "usage: rbd-volume attach IMAGE MOUNTPOINT [--create-gib N]"
    return 2
  fi
  if [[ -n $gib && ! $gib =~ ^[1-9][0-9]*$ ]]; then
    _rv_say "--create-gib wants a whole number of GiB, not '$gib'"
    return 2
  fi
  local v
  for v in SHELTER_STACK_CEPH_CONF SHELTER_STACK_CEPH_KEYRING SHELTER_STACK_CEPH_POOL; do
    if [[ -z ${!v:-} ]]; then
      _rv_say "$v is not set (eval \"\$(deploy/local/stack env ceph)\")"
      return 2
    fi
  done
  mp=$(realpath -m -- "$mp")
  local t0 timeout=${SHELTER_RBD_VOLUME_TIMEOUT:-60}
  t0=$(_rv_now)
  _rv_lock || return 1

  if _rv_load "$mp"; then
    if [[ $_RV_IMAGE != "$image" || $_RV_POOL != "$SHELTER_STACK_CEPH_POOL" ]]; then
      _rv_say "$mp already has $_RV_POOL/$_RV_IMAGE attached (detach it first)"
      return 1
    fi
    if _rv_healthy; then
      _rv_say "$_RV_POOL/$image is already attached at $mp ($_RV_LOOP, rbd-fuse pid $_RV_PID)"
      return 0
    fi
    _rv_say "cleaning up a half-attached $_RV_POOL/$image at $mp"
    _rv_teardown || return 1
  fi
  if _rv_is_mounted "$mp"; then
    _rv_say "$mp is already a mount point (of $(_rv_mount_source "$mp")), not one of rbd-volume"
    return 1
  fi

  _RV_POOL=$SHELTER_STACK_CEPH_POOL _RV_IMAGE=$image _RV_CONF=$(realpath -m -- "$SHELTER_STACK_CEPH_CONF")
  _RV_KEYRING=$(realpath -m -- "$SHELTER_STACK_CEPH_KEYRING") _RV_USER=${SHELTER_STACK_CEPH_USER:-admin}
  _RV_LOOP= _RV_PID=
  _rv_rm_state || return 1
  mkdir -p -- "$_RV_FUSE" || return 1
  _rv_save || return 1

  # The image: create it if asked to and it is not there; refuse one that another client has open.
  local err created=false info
  if info=$(_rv_rbd info "$_RV_POOL/$image" 2>&1); then
    if [[ $info != *exclusive-lock* ]]; then
      _rv_say "warning: $_RV_POOL/$image has no exclusive-lock feature: nothing stops a snapshot rollback under the mounted filesystem"
    fi
  else
    err=$info
    if [[ -n $gib && $err == *"No such file or directory"* ]]; then
      local features=${SHELTER_RBD_VOLUME_FEATURES:-layering,exclusive-lock}
      if ! err=$(_rv_rbd create --size "${gib}G" --image-feature "$features" "$_RV_POOL/$image" 2>&1); then
        _rv_say "rbd create $_RV_POOL/$image failed: $err"
        _rv_rm_state || true
        return 1
      fi
      created=true
    else
      _rv_say "rbd image $_RV_POOL/$image is not usable: $err"
      _rv_rm_state || true
      return 1
    fi
  fi
  # A crashed client's watch lingers until the OSD times it out (osd_client_watch_timeout, 30 s).
  local watchers end=$((SECONDS + 45))
  while watchers=$(_rv_rbd status "$_RV_POOL/$image" 2>&1 | grep 'watcher=' || true); [[ -n $watchers ]]; do
    ((SECONDS < end)) || break
    if [[ -z ${said:-} ]]; then
      _rv_say "$_RV_POOL/$image has a watcher; waiting up to 45 s for it to go (a crashed client's expires in 30 s)"
      local said=1
    fi
    sleep 1
  done
  if [[ -n $watchers ]]; then
    _rv_say "$_RV_POOL/$image is open elsewhere (another rbd-fuse?):"
    printf '%s\n' "$watchers" >&2
    _rv_rm_state || true
    return 1
  fi

  # rbd-fuse in the foreground, in its own session, holding none of our file descriptors (so
  # that `$(rbd-volume attach ...)` and pipes see EOF), logging into the state directory.
  (
    exec </dev/null >>"$_RV_DIR/rbd-fuse.log" 2>&1
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then { exec {fd}>&-; } 2>/dev/null || true; fi
    done
    exec setsid rbd-fuse -c "$_RV_CONF" --keyring "$_RV_KEYRING" --id "$_RV_USER" \
      --log-file "$_RV_DIR/ceph-client.log" -p "$_RV_POOL" -r "$image" "$_RV_FUSE" -f
  ) &
  _RV_PID=$!
  printf '%s\n' "$_RV_PID" >"$_RV_DIR/rbd-fuse.pid"
  _rv_wait "$timeout" bash -c "[ -e '$_RV_FUSE/$image' ] || ! kill -0 $_RV_PID" || true
  if ! _rv_fuse_alive; then
    _RV_PID=$(_rv_find_fuse_pid) || _RV_PID=$!
    printf '%s\n' "$_RV_PID" >"$_RV_DIR/rbd-fuse.pid"
  fi
  if ! _rv_fuse_alive || [[ ! -e $_RV_FUSE/$image ]]; then
    _rv_say "rbd-fuse did not expose $_RV_FUSE/$image within ${timeout}s"
    _rv_tail "$_RV_DIR/rbd-fuse.log" "$_RV_DIR/ceph-client.log"
    _rv_abort
    return 1
  fi

  if ! _RV_LOOP=$(losetup -f --show -- "$_RV_FUSE/$image" 2>"$_RV_DIR/losetup.err"); then
    _rv_say "losetup of $_RV_FUSE/$image failed: $(cat "$_RV_DIR/losetup.err")"
    _rv_abort
    return 1
  fi
  _rv_save || return 1

  # A new image gets ext4 (fully initialised now, so no lazy-init writer runs in the background).
  local fstype
  fstype=$(blkid -p -o value -s TYPE -- "$_RV_LOOP" 2>/dev/null) || fstype=
  if [[ -z $fstype ]]; then
    if [[ -z $gib ]]; then
      _rv_say "$_RV_POOL/$image has no filesystem (use --create-gib N to make one on first attach)"
      _rv_abort
      return 1
    fi
    if ! mkfs.ext4 -q -F -L "${image:0:16}" -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 \
      -- "$_RV_LOOP" >"$_RV_DIR/mkfs.log" 2>&1; then
      _rv_say "mkfs.ext4 on $_RV_LOOP failed"
      _rv_tail "$_RV_DIR/mkfs.log"
      _rv_abort
      return 1
    fi
  elif [[ $created == true ]]; then
    _rv_say "warning: the new image already carries a $fstype signature; using it"
  fi

  mkdir -p -- "$mp" || { _rv_abort; return 1; }
  if ! err=$(mount -- "$_RV_LOOP" "$mp" 2>&1); then
    _rv_say "mount $_RV_LOOP $mp failed: $err"
    dmesg 2>/dev/null | tail -n 5 >&2 || true
    _rv_abort
    return 1
  fi
  local how=attached
  [[ $created == true ]] && how="created (${gib} GiB) and attached"
  _rv_say "$_RV_POOL/$image $how at $mp ($_RV_LOOP, rbd-fuse pid $_RV_PID) in $(_rv_since "$t0")s"
}

rbd_volume_detach() {
  if (($# != 1)); then
    _rv_say "usage: rbd-volume detach MOUNTPOINT"
    return 2
  fi
  local mp t0
  mp=$(realpath -m -- "$1")
  t0=$(_rv_now)
  _rv_lock || return 1
  if ! _rv_load "$mp"; then
    if _rv_is_mounted "$mp"; then
      _rv_say "$mp is mounted (from $(_rv_mount_source "$mp")) but not by rbd-volume; leaving it"
      return 1
    fi
    _rv_say "nothing attached at $mp"
    return 0
  fi
  _rv_teardown || {
    _rv_say "detach of $_RV_POOL/$_RV_IMAGE from $mp failed; state kept in $_RV_DIR"
    return 1
  }
  _rv_rm_state || return 1
  _rv_say "$_RV_POOL/$_RV_IMAGE detached from $mp in $(_rv_since "$t0")s"
}

rbd_volume_status() {
  local root rc=0 mp dir
  root=$(_rv_root)
  local -a mps=()
  if (($# > 0)); then
    mp=$(realpath -m -- "$1")
    if ! _rv_load "$mp"; then
      printf '%s: not attached\n' "$mp"
      return 3
    fi
    mps=("$mp")
  else
    for dir in "$root"/*/; do
      [[ -f $dir/volume ]] || continue
      mps+=("$(sed -n 's/^mountpoint=//p' "$dir/volume")")
    done
    if ((${#mps[@]} == 0)); then
      printf 'no rbd volumes attached (state in %s)\n' "$root"
      return 0
    fi
  fi
  for mp in "${mps[@]}"; do
    _rv_load "$mp" || continue
    if _rv_healthy; then
      printf '%s: attached %s/%s (%s, rbd-fuse pid %s)\n' "$mp" "$_RV_POOL" "$_RV_IMAGE" "$_RV_LOOP" "$_RV_PID"
    else
      local what=()
      _rv_fuse_alive || what+=("rbd-fuse not running")
      _rv_loop_ours "$_RV_LOOP" || what+=("no loop device")
      [[ $(_rv_mount_source "$mp") == "${_RV_LOOP:-none}" ]] || what+=("not mounted")
      printf '%s: broken %s/%s (%s; detach to clean up)\n' "$mp" "$_RV_POOL" "$_RV_IMAGE" "$(IFS=,; echo "${what[*]}" | sed 's/,/, /g')"
      rc=1
    fi
  done
  return "$rc"
}

# shellcheck shell=bash
#
# deploy/local/lib/reflink.sh -- the "reflink" stack component: a small XFS filesystem made with
# reflink=1 on a sparse file, loop-mounted under the state directory, so that tests can prove the
# local-directory snapshotter clones files (FICLONE) instead of copying them. The machine's own
# filesystem may not support reflink (ext4 does not). Needs root (losetup, mount).
#
# Sourced by deploy/local/stack. Functions: reflink_up, reflink_env, reflink_status, reflink_down,
# reflink_purge. State in $STACK_DIR/reflink/: xfs.img (sparse, SHELTER_STACK_REFLINK_GIB, default 2),
# mnt/ (the mount point).

_reflink_dir() { printf '%s/reflink' "$STACK_DIR"; }

reflink_status() {
  local mnt
  mnt=$(_reflink_dir)/mnt
  if mountpoint -q "$mnt" 2>/dev/null && [ "$(findmnt -no FSTYPE "$mnt")" = xfs ]; then
    echo "reflink: up (XFS with reflink at $mnt)"
    return 0
  fi
  echo "reflink: down"
  return 3
}

reflink_up() {
  local dir image mnt gib=${SHELTER_STACK_REFLINK_GIB:-2}
  dir=$(_reflink_dir); image=$dir/xfs.img; mnt=$dir/mnt
  reflink_status >/dev/null && return 0
  command -v mkfs.xfs >/dev/null 2>&1 || { log "installing xfsprogs (apt)"; apt_install xfsprogs || return 1; }
  mkdir -p "$mnt"
  if [ ! -f "$image" ]; then
    truncate -s "${gib}G" "$image"
    mkfs.xfs -q -m reflink=1 "$image" >"$dir/mkfs.log" 2>&1 || { show_log_tail "$dir/mkfs.log"; rm -f "$image"; return 1; }
  fi
  mount -o loop "$image" "$mnt" 2>"$dir/mount.log" || { show_log_tail "$dir/mount.log"; return 1; }
  chmod 1777 "$mnt" # tests create their directories here, some as the postgres user
  log "reflink: XFS (reflink=1, ${gib} GiB sparse) mounted at $mnt"
}

reflink_env() {
  echo "export SHELTER_STACK_REFLINK_DIR=$(_reflink_dir)/mnt"
}

reflink_down() {
  local mnt loop
  mnt=$(_reflink_dir)/mnt
  mountpoint -q "$mnt" 2>/dev/null || return 0
  loop=$(findmnt -no SOURCE "$mnt")
  log "reflink: unmounting $mnt"
  umount "$mnt"
  # mount -o loop sets autoclear; detach explicitly in case it did not
  case $loop in /dev/loop*) losetup -d "$loop" 2>/dev/null || true ;; esac
}

reflink_purge() {
  reflink_down
  rm -rf "$(_reflink_dir)"
}

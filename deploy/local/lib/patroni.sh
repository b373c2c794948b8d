# shellcheck shell=bash
#
# deploy/local/lib/patroni.sh -- Patroni 3.0 and etcd 3.4 from Debian's packages. Nothing runs
# here: each test starts (and stops, by PID) a cluster of its own on loopback ports, because a
# switchover changes the cluster it acts on.
#
# kube_env-style exports: SHELTER_STACK_PATRONI_BIN, SHELTER_STACK_ETCD_BIN.

patroni_install() {
  if ! command -v patroni >/dev/null 2>&1 || ! command -v etcd >/dev/null 2>&1; then
    log "installing patroni and etcd-server from Debian"
    # python3-etcd: Patroni's etcd3 driver builds on it too. That driver speaks etcd's v3 JSON
    # gateway, so etcd 3.4 runs without --enable-v2 (LocalPatroniCluster uses the etcd3 section).
    apt_install patroni etcd-server python3-etcd
  fi
  # The Debian package enables system units for both; this stack runs its own processes only.
  local unit
  for unit in etcd patroni; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
}

patroni_up() { patroni_install; }

patroni_env() {
  echo "export SHELTER_STACK_PATRONI_BIN=$(command -v patroni)"
  echo "export SHELTER_STACK_ETCD_BIN=$(command -v etcd)"
}

patroni_status() {
  if command -v patroni >/dev/null 2>&1 && command -v etcd >/dev/null 2>&1; then
    echo "patroni: installed ($(patroni --version 2>/dev/null | head -n 1); tests start their own clusters)"
  else
    echo "patroni: not installed"; return 3
  fi
}

patroni_down() { :; }
patroni_purge() { :; }

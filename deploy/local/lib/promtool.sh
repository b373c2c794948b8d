# shellcheck shell=bash
#
# deploy/local/lib/promtool.sh -- promtool from Debian's prometheus package, to check and
# unit-test the alert rules in deploy/prometheus/. Nothing runs here: the package's own server
# unit is disabled.
#
# Exports: SHELTER_STACK_PROMTOOL.

promtool_install() {
  if ! command -v promtool >/dev/null 2>&1; then
    log "installing prometheus (for promtool) from Debian"
    apt_install prometheus
  fi
  systemctl disable --now prometheus >/dev/null 2>&1 || true
}

promtool_up() { promtool_install; }

promtool_env() {
  echo "export SHELTER_STACK_PROMTOOL=$(command -v promtool)"
}

promtool_status() {
  if command -v promtool >/dev/null 2>&1; then
    echo "promtool: installed ($(promtool --version 2>&1 | head -n 1))"
  else
    echo "promtool: not installed"; return 3
  fi
}

promtool_down() { :; }
promtool_purge() { :; }

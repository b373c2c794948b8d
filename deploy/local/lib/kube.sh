# shellcheck shell=bash
#
# deploy/local/lib/kube.sh -- a real kube-apiserver 1.20.2 and its own etcd, on 127.0.0.1.
#
# No registry ships kube-apiserver, so it is built from Debian's *source* package `kubernetes`
# (1.20.2, vendored) with Debian's Go 1.19, offline, and the binary is kept in the cache directory
# so that a fresh checkout (CI) does not rebuild it. A bare apiserver runs no controllers and no
# kubelet: the tests' own harness plays the StatefulSet controller, the provisioner and the kubelet.
#
# Public functions (sourced by deploy/local/stack):
#   kube_install  build (once) the apiserver binary into $SHELTER_CACHE_DIR; apt etcd-server
#   kube_up       start etcd + kube-apiserver (RBAC on, static admin token, service-account
#                 tokens signed by a key of its own); waits until /readyz answers
#   kube_env      export lines: SHELTER_STACK_KUBE_URL, _ADMIN_TOKEN, _CA (the serving cert)
#   kube_status / kube_down / kube_purge
#
# Inputs: SHELTER_STACK_KUBE_PORT (56443), SHELTER_STACK_KUBE_ETCD_PORT (52379, peer +1).

KUBE_VERSION=1.20.2
KUBE_PORT=${SHELTER_STACK_KUBE_PORT:-56443}
KUBE_ETCD_PORT=${SHELTER_STACK_KUBE_ETCD_PORT:-52379}
KUBE_HOME="$STACK_DIR/kube"
KUBE_APISERVER="$SHELTER_CACHE_DIR/kube-apiserver-$KUBE_VERSION"

# The reflect2 that kubernetes 1.20 vendors (1.0.1) crashes on Go >= 1.18; Debian ships 1.0.2.
_kube_build() {
  local work="$SHELTER_CACHE_DIR/kube-build" log="$STACK_DIR/kube-build.log" started
  started=$(date +%s)
  log "building kube-apiserver $KUBE_VERSION from Debian's source package (once; ~4-6 min; log $log)"
  rm -rf "$work"
  mkdir -p "$work/apt/lists/partial" "$work/debs" "$work/go"
  # A private APT configuration with deb-src lines, so that nothing under /etc changes.
  local suite
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  printf 'deb-src http://deb.debian.org/debian %s main\n' "$suite" >"$work/apt/sources.list"
  local apt=(apt-get -o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
             -o "Dir::State::Lists=$work/apt/lists" -o "APT::Sandbox::User=root")
  {
    "${apt[@]}" update &&
      (cd "$work" && "${apt[@]}" source --only-source "kubernetes=$KUBE_VERSION*" ||
        (cd "$work" && "${apt[@]}" source --only-source kubernetes)) &&
      (cd "$work/debs" && apt-get download golang-1.19-go golang-1.19-src rsync golang-github-modern-go-reflect2-dev) &&
      for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/go"; done
  } >"$log" 2>&1 || { show_log_tail "$log"; return 1; }
  local src goroot
  src=$(find "$work" -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)
  goroot="$work/go/usr/lib/go-1.19"
  [ -n "$src" ] && [ -x "$goroot/bin/go" ] || { log "kubernetes source or Go 1.19 missing after download"; show_log_tail "$log"; return 1; }
  rm -rf "$src/vendor/github.com/modern-go/reflect2"
  cp -r "$work/go/usr/share/gocode/src/github.com/modern-go/reflect2" "$src/vendor/github.com/modern-go/reflect2"
  (
    cd "$src"
    export PATH="$goroot/bin:$work/go/usr/bin:$PATH" GOROOT="$goroot" GOPATH="$work/gopath"
    export GOCACHE="$work/gocache" GOPROXY=off GOFLAGS=-mod=vendor CGO_ENABLED=0
    make WHAT=cmd/kube-apiserver
  ) >>"$log" 2>&1 || { show_log_tail "$log" 40; return 1; }
  local built
  built=$(find "$src/_output" -type f -name kube-apiserver -perm -u+x | head -n 1)
  [ -n "$built" ] || { log "the build produced no kube-apiserver"; show_log_tail "$log"; return 1; }
  cp "$built" "$KUBE_APISERVER.tmp" && mv "$KUBE_APISERVER.tmp" "$KUBE_APISERVER"
  echo $(( $(date +%s) - started )) >"$KUBE_APISERVER.build-seconds"
  rm -rf "$work"
  log "kube-apiserver built in $(cat "$KUBE_APISERVER.build-seconds") s; cached as $KUBE_APISERVER"
}

kube_install() {
  mkdir -p "$SHELTER_CACHE_DIR"
  command -v etcd >/dev/null 2>&1 || apt_install etcd-server
  command -v curl >/dev/null 2>&1 || apt_install curl
  command -v openssl >/dev/null 2>&1 || apt_install openssl
  if [ ! -x "$KUBE_APISERVER" ]; then
    # apt-get source unpacks with dpkg-source (dpkg-dev, xz-utils); the build runs make.
    local tool missing=()
    for tool in dpkg-source:dpkg-dev xz:xz-utils make:make; do
      command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
    done
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  fi
  # The harness's kubelet gives pods RBD volumes through rbd-fuse (installed with ceph).
  [ -x "$KUBE_APISERVER" ] || _kube_build
}

kube_etcd_pid() { pid_from_file "$KUBE_HOME/etcd.pid"; }
kube_apiserver_pid() { pid_from_file "$KUBE_HOME/kube-apiserver.pid"; }

_kube_ready() {
  pid_alive "$(kube_apiserver_pid)" || return 0
  curl -fsk -H "Authorization: Bearer $(cat "$KUBE_HOME/admin-token")" "https://127.0.0.1:$KUBE_PORT/readyz" >/dev/null
}

kube_up() {
  kube_install
  if pid_alive "$(kube_apiserver_pid)" && pid_alive "$(kube_etcd_pid)"; then
    return 0
  fi
  kube_down
  local port
  for port in "$KUBE_PORT" "$KUBE_ETCD_PORT" $((KUBE_ETCD_PORT + 1)); do
    if port_open "$port"; then
      log "port $port is already taken; set SHELTER_STACK_KUBE_PORT / SHELTER_STACK_KUBE_ETCD_PORT"
      return 1
    fi
  done
  mkdir -p "$KUBE_HOME/etcd" "$KUBE_HOME/certs"
  chmod 700 "$KUBE_HOME/etcd"
  [ -f "$KUBE_HOME/admin-token" ] || { random_secret >"$KUBE_HOME/admin-token"; chmod 600 "$KUBE_HOME/admin-token"; }
  printf '%s,shelter-admin,shelter-admin,"system:masters"\n' "$(cat "$KUBE_HOME/admin-token")" >"$KUBE_HOME/tokens.csv"
  chmod 600 "$KUBE_HOME/tokens.csv"
  [ -f "$KUBE_HOME/sa.key" ] || openssl genrsa -out "$KUBE_HOME/sa.key" 2048 2>/dev/null
  local started
  started=$(date +%s.%N)
  log "starting etcd for the apiserver on 127.0.0.1:$KUBE_ETCD_PORT"
  setsid nohup etcd --name kube --data-dir "$KUBE_HOME/etcd" \
    --listen-client-urls "http://127.0.0.1:$KUBE_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$KUBE_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((KUBE_ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((KUBE_ETCD_PORT + 1))" \
    --initial-cluster "kube=http://127.0.0.1:$((KUBE_ETCD_PORT + 1))" \
    >"$KUBE_HOME/etcd.log" 2>&1 </dev/null &
  echo $! >"$KUBE_HOME/etcd.pid"
  if ! wait_until 30 "etcd to listen" port_open "$KUBE_ETCD_PORT"; then
    show_log_tail "$KUBE_HOME/etcd.log"; kube_down; return 1
  fi
  log "starting kube-apiserver $KUBE_VERSION on https://127.0.0.1:$KUBE_PORT"
  setsid nohup "$KUBE_APISERVER" \
    --etcd-servers "http://127.0.0.1:$KUBE_ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$KUBE_PORT" --insecure-port 0 \
    --cert-dir "$KUBE_HOME/certs" \
    --authorization-mode RBAC --anonymous-auth=false --token-auth-file "$KUBE_HOME/tokens.csv" \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$KUBE_HOME/sa.key" \
    --service-account-signing-key-file "$KUBE_HOME/sa.key" --api-audiences https://kubernetes.default.svc \
    --service-cluster-ip-range 10.96.0.0/24 --allow-privileged=true \
    --disable-admission-plugins ServiceAccount \
    >"$KUBE_HOME/kube-apiserver.log" 2>&1 </dev/null &
  echo $! >"$KUBE_HOME/kube-apiserver.pid"
  if ! wait_until 60 "kube-apiserver to be ready" _kube_ready || ! pid_alive "$(kube_apiserver_pid)"; then
    show_log_tail "$KUBE_HOME/kube-apiserver.log"; kube_down; return 1
  fi
  log "kube-apiserver ready in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
}

kube_env() {
  echo "export SHELTER_STACK_KUBE_URL=https://127.0.0.1:$KUBE_PORT"
  echo "export SHELTER_STACK_KUBE_ADMIN_TOKEN=$(cat "$KUBE_HOME/admin-token")"
  echo "export SHELTER_STACK_KUBE_CA=$KUBE_HOME/certs/apiserver.crt"
}

kube_status() {
  local api etcd
  api=$(kube_apiserver_pid); etcd=$(kube_etcd_pid)
  if pid_alive "$api" && pid_alive "$etcd"; then
    echo "kube: running (kube-apiserver pid $api on https://127.0.0.1:$KUBE_PORT, etcd pid $etcd)"
  else
    echo "kube: stopped"; return 3
  fi
}

kube_down() {
  stop_pid "$(kube_apiserver_pid)" kube-apiserver 20; rm -f "$KUBE_HOME/kube-apiserver.pid"
  stop_pid "$(kube_etcd_pid)" "etcd (kube)" 20; rm -f "$KUBE_HOME/etcd.pid"
}

kube_purge() { kube_down; rm -rf "$KUBE_HOME"; }

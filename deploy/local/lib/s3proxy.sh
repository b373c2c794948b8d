# s3proxy 4.1.0 (jar-with-dependencies from Maven Central) with its filesystem backend, on 127.0.0.1.

S3PROXY_VERSION=4.1.0
S3_PORT=${SHELTER_STACK_S3_PORT:-58080}
S3_HOME="$STACK_DIR/s3proxy"
S3PROXY_JAR="$SHELTER_CACHE_DIR/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"

s3proxy_install() {
  [ -f "$S3PROXY_JAR" ] && return 0
  log "fetching s3proxy $S3PROXY_VERSION from Maven Central"
  mkdir -p "$SHELTER_CACHE_DIR"
  # From the cache directory, so that no surrounding project POM is picked up.
  (cd "$SHELTER_CACHE_DIR" && mvn -q -B dependency:copy -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" \
    -DoutputDirectory="$SHELTER_CACHE_DIR") >"$STACK_DIR/s3proxy-install.log" 2>&1 \
    || { show_log_tail "$STACK_DIR/s3proxy-install.log"; return 1; }
}

s3proxy_pid() { pid_from_file "$S3_HOME/s3proxy.pid"; }

s3proxy_up() {
  s3proxy_install
  if pid_alive "$(s3proxy_pid)"; then
    return 0
  fi
  if port_open "$S3_PORT"; then
    log "port $S3_PORT is already taken by another process; set SHELTER_STACK_S3_PORT"
    return 1
  fi
  mkdir -p "$S3_HOME/data"
  [ -f "$S3_HOME/credential" ] || { random_secret >"$S3_HOME/credential"; chmod 600 "$S3_HOME/credential"; }
  cat >"$S3_HOME/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=shelter
s3proxy.credential=$(cat "$S3_HOME/credential")
s3proxy.ignore-unknown-headers=true
jclouds.provider=filesystem
jclouds.filesystem.basedir=$S3_HOME/data
PROPS
  chmod 600 "$S3_HOME/s3proxy.properties"
  log "starting s3proxy on 127.0.0.1:$S3_PORT"
  setsid nohup java -Xmx512m -jar "$S3PROXY_JAR" --properties "$S3_HOME/s3proxy.properties" \
    >"$S3_HOME/s3proxy.log" 2>&1 </dev/null &
  echo $! >"$S3_HOME/s3proxy.pid"
  if ! wait_until 60 "s3proxy to listen" s3proxy_answers || ! pid_alive "$(s3proxy_pid)"; then
    log "s3proxy failed to start"
    show_log_tail "$S3_HOME/s3proxy.log"
    stop_pid "$(s3proxy_pid)" s3proxy 5
    return 1
  fi
}

# True once listening; also true (ending the wait early) if the process died, which the caller checks.
s3proxy_answers() {
  pid_alive "$(s3proxy_pid)" || return 0
  port_open "$S3_PORT"
}

s3proxy_env() {
  echo "export SHELTER_STACK_S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
  echo "export SHELTER_STACK_S3_REGION=us-east-1"
  echo "export SHELTER_STACK_S3_ACCESS_KEY=shelter"
  echo "export SHELTER_STACK_S3_SECRET_KEY=$(cat "$S3_HOME/credential")"
  echo "export SHELTER_STACK_S3_JAR=$S3PROXY_JAR" # for tests that run (and stop) an s3proxy of their own
}

s3proxy_down() { stop_pid "$(s3proxy_pid)" s3proxy 20; rm -f "$S3_HOME/s3proxy.pid"; }

s3proxy_status() {
  local pid; pid=$(s3proxy_pid)
  if pid_alive "$pid"; then
    echo "s3proxy: running (pid $pid, http://127.0.0.1:$S3_PORT)"
  else
    echo "s3proxy: stopped"; return 3
  fi
}

s3proxy_purge() { s3proxy_down; rm -rf "$S3_HOME"; }

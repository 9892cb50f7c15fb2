# Shared by bench/coap-cpu, bench/coap-handshakes, bench/coap-sessions (sourced, not run).
# Builds the broker's test classes once, then starts CoapBenchServer in its own JVM and runs CoapBenchClient
# against it, so the server's CPU (/proc/PID/stat) and heap (jcmd) are measured apart from the load.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${COAP_BENCH_NO_BUILD:-}" ]; then
  # one reactor run, so sibling modules (geo, wallet-login, ...) resolve to their target/classes without an install;
  # every module writes the file, the broker (last in the reactor) wins
  mvn -q -B -pl broker -am test-compile dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
    -Dmdep.outputFile="$PWD/broker/target/coap-bench.cp"
fi
CP="broker/target/classes:broker/target/test-classes:$(cat broker/target/coap-bench.cp)"
LOGCFG="-Dlogback.configurationFile=bench/coap-bench-logback.xml"
SERVER_OPTS="${SERVER_OPTS:--Xms1g -Xmx1g}"
CLIENT_OPTS="${CLIENT_OPTS:--Xmx1g}"
SERVER_PID=""
SERVER_LOG=""

# start_server MODE [devices] [pkiDir]: sets SERVER_PID and SERVER_PORT
start_server() {
  SERVER_LOG="$(mktemp -t coap-bench-server.XXXXXX)"
  java $SERVER_OPTS $LOGCFG -cp "$CP" io.edgeauth.broker.coap.CoapBenchServer "$@" >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if grep -q '^READY.* end$' "$SERVER_LOG"; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$SERVER_LOG" >&2; echo "server failed" >&2; exit 1; fi
    sleep 0.1
  done
  SERVER_PORT="$(sed -n 's/^READY mode=[^ ]* port=\([0-9]*\) .*/\1/p' "$SERVER_LOG")"
  [ -n "$SERVER_PORT" ] || { cat "$SERVER_LOG" >&2; echo "server not ready" >&2; exit 1; }
  grep -m1 '^READY' "$SERVER_LOG" | sed 's/^READY/server:/' >&2
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT

client() {
  java $CLIENT_OPTS $LOGCFG -cp "$CP" io.edgeauth.broker.coap.CoapBenchClient "$@"
}

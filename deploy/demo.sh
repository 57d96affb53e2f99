#!/usr/bin/env bash
# The whole path on one machine: installs what is missing, builds, and starts mosquitto (loopback, temp
# dir), a mock Kafka cluster, the gateway (deploy/demo/gateway.json), the stream processor and the
# sensor simulator (MQTT devices, a PMS5003 on a serial pseudo-terminal, a counter and a contact on a
# simulated GPIO chip), then shows a live view.
#   deploy/demo.sh                   # until Ctrl-C (stops everything it started)
#   deploy/demo.sh --duration 20     # ends by itself with a summary: the simulator's ledger against
#                                    # Kafka (sent, delivered, lost); exit code 1 unless lost = 0
# Options: --devices N (24), --rate R readings/s (200), --no-build (use the last build), --keep (keep the temp dir).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$EDGEGW_ROOT"

duration=0 devices=24 rate=200 build=1 keep=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    *) die "unknown option '$1' (see the comment at the top of deploy/demo.sh)" ;;
  esac
done

install_prerequisites
if [ "$build" -eq 1 ]; then
  log "building"
  dotnet build EdgeGateway.sln -c Release -nologo -clp:ErrorsOnly
fi
bin() { printf '%s/%s/bin/Release/net10.0/%s.dll' "$EDGEGW_ROOT" "$1" "$2"; }
gateway=(dotnet "$(bin src/EdgeGateway edge-gateway)")
processor=(dotnet "$(bin src/EdgeGateway.StreamProcessor stream-processor)")
simulator=(dotnet "$(bin firmware-sim/FirmwareSim firmware-sim)")

work="$(mktemp -d -t edgegw-demo.XXXXXX)"
pids=()
status=0
cleanup() {
  local pid i
  # Newest first: the simulator stops before the gateway, the gateway before Kafka and mosquitto.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid="${pids[$i]}"
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] || [ "$keep" -eq 1 ]; then
    log "logs and state kept in $work"
    if [ "$status" -ne 0 ]; then
      for file in "$work"/*.log; do [ -e "$file" ] && { echo "--- $file (last lines)"; tail -n 15 "$file"; }; done
    fi
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP

free_port() {
  local port
  while true; do
    # Below Linux's ephemeral range (32768-60999), where outgoing connections take their ports.
    port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
wait_for() { # FILE PATTERN WHAT PID
  for _ in $(seq 1 600); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || { status=1; die "$3 exited during start-up (see $1)"; }
    sleep 0.1
  done
  status=1
  die "$3 did not start within 60 s (see $1)"
}

log "mosquitto on 127.0.0.1 (temp dir $work)"
for attempt in 1 2 3 4 5; do
  mqtt_port="$(free_port)"
  cat >"$work/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 1000
max_queued_messages 100000
log_dest stderr
CONF
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  mosquitto_pid=$!
  for _ in $(seq 1 100); do
    grep -q "running" "$work/mosquitto.log" && break
    kill -0 "$mosquitto_pid" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q "running" "$work/mosquitto.log"; then
    pids+=("$mosquitto_pid")
    break
  fi
  kill "$mosquitto_pid" 2>/dev/null || true
  wait "$mosquitto_pid" 2>/dev/null || true
  [ "$attempt" -eq 5 ] && { status=1; die "mosquitto did not start (see $work/mosquitto.log)"; }
done

log "Kafka: librdkafka's mock cluster (in memory)"
"${processor[@]}" mock-kafka --partitions 2 --bootstrap-file "$work/bootstrap" >"$work/kafka.log" 2>&1 &
pids+=($!)
wait_for "$work/kafka.log" "mock Kafka cluster at" "the mock Kafka cluster" "$!"
bootstrap="$(cat "$work/bootstrap")"

log "a PMS5003 particulate sensor on a serial pseudo-terminal; a traffic loop counter and a cabinet door on GPIO"
"${simulator[@]}" --serial pms5003 --serial-interval 1s --serial-paths-file "$work/serial.json" \
  --gpio-socket "$work/gpio.sock" --gpio "counter:17:rate=4:name=loop,contact:22:closed=4s:open=6s:name=door" \
  --progress 0 >"$work/serial.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/serial.json" ] && [ -S "$work/gpio.sock" ] && break; sleep 0.1; done
tty="$(grep -o '"/dev/pts/[0-9]*"' "$work/serial.json" | head -n 1 | tr -d '"' || true)"
if [ -S "$work/gpio.sock" ]; then
  export EDGEGW__Gpio__Chip="sim:$work/gpio.sock" \
    EDGEGW__Gpio__Lines__0__Offset=17 EDGEGW__Gpio__Lines__0__Name=loop EDGEGW__Gpio__Lines__0__DeviceId=traffic-loop-01 \
    EDGEGW__Gpio__Lines__0__Kind=counter EDGEGW__Gpio__Lines__0__Window=10s EDGEGW__Gpio__Lines__0__Metric=vehicle_rate \
    EDGEGW__Gpio__Lines__0__Unit=vehicles/min \
    EDGEGW__Gpio__Lines__1__Offset=22 EDGEGW__Gpio__Lines__1__Name=door EDGEGW__Gpio__Lines__1__DeviceId=cabinet-door-01 \
    EDGEGW__Gpio__Lines__1__Kind=contact EDGEGW__Gpio__Lines__1__Metric=door_open
fi

log "the gateway (deploy/demo/gateway.json; MQTT 127.0.0.1:$mqtt_port, Kafka $bootstrap)"
# Any free port for /metrics, /healthz, /readyz (logged below), so demos and tests side by side never collide on 9750.
export EDGEGW__Observability__Http__Url="http://127.0.0.1:0"
export EDGEGW__Mqtt__Port="$mqtt_port" EDGEGW__Kafka__BootstrapServers="$bootstrap" \
  EDGEGW__Buffer__Path="$work/buffer.db" EDGEGW__Context__RegistryPath="$work/registry.db" \
  EDGEGW__Gateway__StatusFile="$work/status.json"
if [ -n "$tty" ]; then
  export EDGEGW__Serial__Ports__0__Path="$tty" EDGEGW__Serial__Ports__0__Protocol=pms5003 EDGEGW__Serial__Ports__0__DeviceId=pms5003-serial-01
fi
# MCP over Kafka with a token made for this run, so 'stream-processor gateway call' reaches the gateway.
token="demo-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export EDGEGW__Mcp__Kafka__Enabled=true EDGEGW__Mcp__Tokens__0__Name=demo \
  EDGEGW__Mcp__Tokens__0__Sha256="$("${gateway[@]}" mcp hash-token "$token")" EDGEGW__Mcp__Tokens__0__Scopes__0=operate
"${gateway[@]}" run --config deploy/demo/gateway.json >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_for "$work/gateway.log" "Gateway ready" "the gateway" "$!"
metrics_url="$(grep -o 'Metrics and health listening on http://[0-9.:]*' "$work/gateway.log" | head -n 1 | sed 's/.* on //' || true)"
[ -n "$metrics_url" ] && log "metrics and health: $metrics_url/metrics, $metrics_url/healthz, $metrics_url/readyz"

log "the stream processor (windows 10 s, allowed lateness 2 s; alerts pm25>20, lamax>80)"
"${processor[@]}" run --bootstrap-servers "$bootstrap" --state "$work/processor.db" --window 10s --allowed-lateness 2s \
  --idle-timeout 3s --alert 'pm25>20' --alert 'lamax>80' --fetch-wait-max 10ms >"$work/processor.log" 2>&1 &
pids+=($!)
wait_for "$work/processor.log" "Partitions assigned" "the stream processor" "$!"

log "the simulator: $devices MQTT devices, $rate readings/s"
sim_args=(--broker "127.0.0.1:$mqtt_port" --devices "$devices" --rate "$rate" --qos 1 --ledger "$work/ledger.jsonl" --progress 0)
[ "$duration" != 0 ] && sim_args+=(--duration "$duration")
"${simulator[@]}" "${sim_args[@]}" >"$work/simulator.log" 2>&1 &
sim=$!
pids+=("$sim")

# The view runs in the background and the script waits for it: 'wait' returns at once on a signal,
# so Ctrl-C or SIGTERM reach the trap (and the cleanup) even when the view itself ignores them.
log "call the gateway's tools over Kafka from another terminal, e.g.:"
printf '    %s gateway call demo-gateway-01 get_status -b %s --token %s\n' "${processor[*]}" "$bootstrap" "$token" >&2
watch=("${processor[@]}" watch --state "$work/processor.db" --gateway-status "$work/status.json")
if [ "$duration" = 0 ]; then
  "${watch[@]}" &
  pids+=($!)
  wait "$!" || true
  exit 0
fi

"${watch[@]}" --duration "$duration" &
pids+=($!)
wait "$!" || true
log "the simulator's run ended; waiting for the gateway to forward the rest"
wait "$sim" || { status=1; die "the simulator failed (see $work/simulator.log)"; }
tail -n 3 "$work/simulator.log"
log "the gateway's status over MCP over Kafka (stream-processor gateway call demo-gateway-01 get_status)"
"${processor[@]}" gateway call demo-gateway-01 get_status -b "$bootstrap" --token "$token" --timeout 30s >"$work/call.json" \
  || { status=1; die "gateway call failed (see $work/call.json)"; }
grep -o '"gatewayId": "[^"]*"' "$work/call.json" | head -n 1
"${processor[@]}" verify --bootstrap-servers "$bootstrap" --ledger "$work/ledger.jsonl" --state "$work/processor.db" --timeout 60s || status=$?
if [ "$status" -eq 0 ]; then
  log "demo finished: lost = 0"
fi
exit "$status"

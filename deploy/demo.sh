#!/usr/bin/env bash
# The whole path on one machine: installs what is missing, builds, and starts mosquitto (loopback, temp
# dir), a mock Kafka cluster, the gateway (deploy/demo/gateway.json), the stream processor and the
# sensor simulator (MQTT devices, plus a PMS5003 on a serial pseudo-terminal), then shows a live view.
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

free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
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
mqtt_port="$(free_port)"
cat >"$work/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 1000
max_queued_messages 100000
log_dest stdout
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
wait_for "$work/mosquitto.log" "running" mosquitto "$!"

log "Kafka: librdkafka's mock cluster (in memory)"
"${processor[@]}" mock-kafka --partitions 2 --bootstrap-file "$work/bootstrap" >"$work/kafka.log" 2>&1 &
pids+=($!)
wait_for "$work/kafka.log" "mock Kafka cluster at" "the mock Kafka cluster" "$!"
bootstrap="$(cat "$work/bootstrap")"

log "a PMS5003 particulate sensor on a serial pseudo-terminal"
"${simulator[@]}" --serial pms5003 --serial-interval 1s --serial-paths-file "$work/serial.json" --progress 0 >"$work/serial.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/serial.json" ] && break; sleep 0.1; done
tty="$(grep -o '"/dev/pts/[0-9]*"' "$work/serial.json" | head -n 1 | tr -d '"' || true)"

log "the gateway (deploy/demo/gateway.json; MQTT 127.0.0.1:$mqtt_port, Kafka $bootstrap)"
export EDGEGW__Mqtt__Port="$mqtt_port" EDGEGW__Kafka__BootstrapServers="$bootstrap" \
  EDGEGW__Buffer__Path="$work/buffer.db" EDGEGW__Context__RegistryPath="$work/registry.db" \
  EDGEGW__Gateway__StatusFile="$work/status.json"
if [ -n "$tty" ]; then
  export EDGEGW__Serial__Ports__0__Path="$tty" EDGEGW__Serial__Ports__0__Protocol=pms5003 EDGEGW__Serial__Ports__0__DeviceId=pms5003-serial-01
fi
"${gateway[@]}" run --config deploy/demo/gateway.json >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_for "$work/gateway.log" "Gateway ready" "the gateway" "$!"

log "the stream processor (windows 10 s, allowed lateness 2 s; alerts pm25>20, laeq>65)"
"${processor[@]}" run --bootstrap-servers "$bootstrap" --state "$work/processor.db" --window 10s --allowed-lateness 2s \
  --idle-timeout 3s --alert 'pm25>20' --alert 'laeq>65' --fetch-wait-max 10ms >"$work/processor.log" 2>&1 &
pids+=($!)
wait_for "$work/processor.log" "Partitions assigned" "the stream processor" "$!"

log "the simulator: $devices MQTT devices, $rate readings/s"
sim_args=(--broker "127.0.0.1:$mqtt_port" --devices "$devices" --rate "$rate" --qos 1 --ledger "$work/ledger.jsonl" --progress 0)
[ "$duration" != 0 ] && sim_args+=(--duration "$duration")
"${simulator[@]}" "${sim_args[@]}" >"$work/simulator.log" 2>&1 &
sim=$!
pids+=("$sim")

watch=("${processor[@]}" watch --state "$work/processor.db" --gateway-status "$work/status.json")
if [ "$duration" = 0 ]; then
  "${watch[@]}" || true
  exit 0
fi

"${watch[@]}" --duration "$duration" || true
log "the simulator's run ended; waiting for the gateway to forward the rest"
wait "$sim" || { status=1; die "the simulator failed (see $work/simulator.log)"; }
tail -n 3 "$work/simulator.log"
"${processor[@]}" verify --bootstrap-servers "$bootstrap" --ledger "$work/ledger.jsonl" --state "$work/processor.db" --timeout 60s || status=$?
if [ "$status" -eq 0 ]; then
  log "demo finished: lost = 0"
fi
exit "$status"

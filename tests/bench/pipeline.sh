#!/usr/bin/env bash
# End-to-end benchmark of the gateway (issue 4): MQTT QoS 1 -> edge-gateway (decode, context, SQLite
# buffer, MCP batches) -> Kafka (librdkafka's mock cluster), side by side with the non-durable,
# context-free baseline `mosquitto_sub -q 1 | kcat -P` in the same run. See tests/bench/README.md.
#
#   bash tests/bench/pipeline.sh [COUNT] [RUNS]    # defaults: 200000 readings, 3 throughput runs
#
# Environment (defaults in brackets):
#   PIPELINE_BENCH_DEVICES [100]         devices the readings are spread over (one context each)
#   PIPELINE_BENCH_LATENCY_RATE [5000]   readings/s of the latency phase, for PIPELINE_BENCH_LATENCY_SECONDS [10]
#   PIPELINE_BENCH_RSS_RATE [20000]      readings/s of the memory phase, for PIPELINE_BENCH_RSS_SECONDS [10]
#   PIPELINE_BENCH_BACKLOG [2000000]     readings buffered while Kafka is down, then drained
#   PIPELINE_BENCH_PHASES                any of "throughput latency rss backlog" [all four]
#   PIPELINE_BENCH_WARMUP [200000]       readings each fresh gateway forwards before it is measured (JIT), 0: none
#   PIPELINE_BENCH_WINDOW [1000]         the publisher's in-flight window (throughput and backlog)
#   PIPELINE_BENCH_KEEP=1                keep the work directory (configs, logs, samples, raw results)
#   PIPELINE_BENCH_GATEWAY_ENV           "NAME=VALUE ..." for the gateway process only (e.g. DOTNET_TieredCompilation=0)
#   PIPELINE_BENCH_GATEWAY_DLL           another build to measure: an edge-gateway.dll (e.g. a ReadyToRun publish) or a
#                                        native executable (e.g. deploy/out/native/edge-gateway)
#   PIPELINE_BENCH_NATIVE=1              measure the native build (Native AOT, README "Native build"), published first
#   EDGEGW__Section__Key                 reach the gateway unchanged (experiments: EDGEGW__Buffer__Synchronous=normal)
#
# Exit status: 0 when every target checked is met, 1 when one is missed, 2 when a run failed.
set -euo pipefail

COUNT="${1:-200000}"
RUNS="${2:-3}"
DEVICES="${PIPELINE_BENCH_DEVICES:-100}"
LAT_RATE="${PIPELINE_BENCH_LATENCY_RATE:-5000}"
LAT_SECONDS="${PIPELINE_BENCH_LATENCY_SECONDS:-10}"
RSS_RATE="${PIPELINE_BENCH_RSS_RATE:-20000}"
RSS_SECONDS="${PIPELINE_BENCH_RSS_SECONDS:-10}"
BACKLOG="${PIPELINE_BENCH_BACKLOG:-2000000}"
PHASES="${PIPELINE_BENCH_PHASES:-throughput latency rss backlog}"
WINDOW="${PIPELINE_BENCH_WINDOW:-1000}"
WARMUP="${PIPELINE_BENCH_WARMUP:-200000}"

# Targets of issue 4.
TARGET_RATIO="1.0"     # sustained readings/s, gateway / baseline, same run
TARGET_CPU_US="12"     # gateway CPU µs per reading (throughput runs)
TARGET_P99_MS="30"     # publish -> Kafka, p99, at LAT_RATE (5,000/s)
TARGET_RSS_MB="100"    # at RSS_RATE (20,000/s), and while draining the backlog (10^6 bytes)
TARGET_FLAT_MB="10"    # "flat": the drain's second half peaks at most this above its first half
TARGET_BYTES_PCT="40"  # bytes per reading, % of the same readings with inline context, uncompressed

usage() { echo "usage: bash tests/bench/pipeline.sh [COUNT] [RUNS]   (see the header for the environment)" >&2; exit 2; }
case "$COUNT$RUNS$DEVICES$LAT_RATE$LAT_SECONDS$RSS_RATE$RSS_SECONDS$BACKLOG$WINDOW$WARMUP" in
  *[!0-9]*) usage ;;
esac
if [ "$COUNT" -lt 1000 ] || [ "$RUNS" -lt 1 ] || [ "$DEVICES" -lt 1 ] || [ "$BACKLOG" -lt 1000 ] || [ "$LAT_RATE" -lt 1 ] || [ "$RSS_RATE" -lt 1 ]; then
  echo "COUNT and PIPELINE_BENCH_BACKLOG must be at least 1000; RUNS, devices and rates at least 1" >&2
  exit 2
fi
for phase in $PHASES; do
  case $phase in throughput | latency | rss | backlog) ;; *) echo "unknown phase '$phase' in PIPELINE_BENCH_PHASES" >&2; exit 2 ;; esac
done
has_phase() { case " $PHASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
for tool in dotnet mosquitto mosquitto_sub kcat stdbuf awk getconf mkfifo pgrep; do
  command -v "$tool" > /dev/null || { echo "error: $tool is missing (needs mosquitto, mosquitto-clients, kcat, librdkafka1, the .NET 10 SDK)" >&2; exit 2; }
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d -t pipeline-bench.XXXXXX)"
chmod 755 "$WORK"
GATEWAY_DLL="${PIPELINE_BENCH_GATEWAY_DLL:-$ROOT/src/EdgeGateway/bin/Release/net10.0/edge-gateway.dll}"
BENCH_DLL="$ROOT/tests/bench/PipelineBench/bin/Release/net10.0/PipelineBench.dll"
CLK_TCK="$(getconf CLK_TCK)"
BROKER_PID=""
KAFKA_PID=""
GW_PID=""
SUB_PID=""
KCAT_PID=""
CHILDREN=()

cleanup() {
  local pid
  for pid in "${CHILDREN[@]}" $GW_PID $SUB_PID $KCAT_PID; do
    kill "$pid" 2> /dev/null || true
  done
  if [ -n "$KAFKA_PID" ]; then
    { echo quit >&3; } 2> /dev/null || true
    exec 3>&- 2> /dev/null || true
    sleep 0.2
    kill "$KAFKA_PID" 2> /dev/null || true
  fi
  if [ -n "$BROKER_PID" ]; then
    kill "$BROKER_PID" 2> /dev/null || true
    wait "$BROKER_PID" 2> /dev/null || true
  fi
  if [ "${PIPELINE_BENCH_KEEP:-0}" = 1 ]; then
    echo "work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[pipeline-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_ns() { local t="$EPOCHREALTIME"; echo "${t/./}000"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null || echo 0; }
field() { # field KEY FILE: the value of KEY= on the file's RESULT line ("-" when absent)
  local v
  v="$(sed -n "s/^RESULT .* $1=\([^ ]*\).*/\1/p" "$2" 2> /dev/null | head -n 1)"
  echo "${v:--}"
}
wait_for() { # wait_for FILE PATTERN PID [SECONDS]: until FILE has a line matching PATTERN; fails if PID exits first
  local deadline=$((SECONDS + ${4:-60}))
  until grep -q -- "$2" "$1" 2> /dev/null; do
    kill -0 "$3" 2> /dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}
num() { if [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then calc "$1"; else echo "$1"; fi; } # one decimal, if a number
# Per-thread CPU of a process: "tid<TAB>name<TAB>ticks" for each of its threads (names as the kernel keeps them, 15 chars).
thread_ticks() {
  local f
  for f in /proc/"$1"/task/*/stat; do
    sed -E 's/^([0-9]+) \((.*)\) [A-Za-z] (.*)$/\1\t\2\t\3/' "$f" 2> /dev/null || true
  done | awk -F'\t' '{ split($3, a, " "); print $1 "\t" $2 "\t" a[11] + a[12] }'
}
# thread_split BEFORE AFTER READINGS: CPU by thread name between two snapshots (thread_ticks, then a last line
# "total<TAB>process<TAB>utime+stime" of the process), largest first. A thread that ended in between is counted
# as "(ended threads)": the process total keeps their time, the snapshot no longer lists them. .NET names its
# threads ".NET TP Worker" (thread pool), ".NET Tiered Com" (the JIT's background recompilation) and so on.
thread_split() {
  awk -F'\t' -v n="$3" -v hz="$CLK_TCK" '
    FNR == NR { before[$1] = $3; next }
    $1 == "total" { process = $3 - before["total"]; next }
    { d = $3 - before[$1]; if (d > 0) { by[$2] += d; total += d } }
    END {
      if (process > total) { by["(ended threads)"] = process - total; total = process }
      if (total == 0) { print "-"; exit }
      for (k in by) if (by[k] > 0) printf "%s\t%.0f%% %.1fus\n", k, 100 * by[k] / total, by[k] * 1e6 / hz / n
    }' "$1" "$2" | sort -t$'\t' -k2 -g -r | awk -F'\t' '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 } END { print "" }'
}
threads_snapshot() { # threads_snapshot PID FILE
  { thread_ticks "$1"; printf 'total\tprocess\t%s\n' "$(cpu_ticks "$1")"; } > "$2"
}
calc() { awk "BEGIN { x = $1; if (x != x) print \"-\"; else printf \"${2:-%.1f}\", x }"; }

# --- build ---------------------------------------------------------------------------------------
log "building edge-gateway and tests/bench/PipelineBench (Release)"
for project in src/EdgeGateway/EdgeGateway.csproj tests/bench/PipelineBench/PipelineBench.csproj; do
  dotnet build "$ROOT/$project" -c Release -nologo -clp:ErrorsOnly > "$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 2; }
done

if [ "${PIPELINE_BENCH_NATIVE:-0}" = 1 ]; then
  log "publishing the native gateway (Native AOT; a few minutes)"
  # In a subshell: deploy/lib/common.sh has its own log().
  # shellcheck source=../../deploy/lib/common.sh
  (source "$ROOT/deploy/lib/common.sh" && publish_native_gateway "$WORK/native") > "$WORK/native-build.log" 2>&1 \
    || { cat "$WORK/native-build.log" >&2; exit 2; }
  GATEWAY_DLL="$WORK/native/edge-gateway"
fi
# An assembly runs on the dotnet host, a native executable by itself.
case "$GATEWAY_DLL" in *.dll) GATEWAY_LAUNCH=(dotnet "$GATEWAY_DLL") ;; *) GATEWAY_LAUNCH=("$GATEWAY_DLL") ;; esac

# --- mosquitto on a free loopback port --------------------------------------------------------------
port_free() { ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
start_broker() {
  local attempt port i
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    port_free "$port" || continue
    # max_inflight_messages: at least rate x commit interval (shared/notes/limits.md); queues unbounded so
    # that mosquitto holds whatever the gateway has not taken yet instead of dropping it.
    cat > "$WORK/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 1000
max_queued_messages 100000000
max_queued_bytes 0
log_dest stdout
log_type error
log_type warning
log_type subscribe
connection_messages false
EOF
    stdbuf -oL mosquitto -c "$WORK/mosquitto.conf" > "$WORK/broker.log" 2>&1 &
    BROKER_PID=$!
    for i in $(seq 1 100); do
      kill -0 "$BROKER_PID" 2> /dev/null || break
      if ! port_free "$port"; then
        PORT=$port
        return 0
      fi
      sleep 0.05
    done
    kill "$BROKER_PID" 2> /dev/null || true
    wait "$BROKER_PID" 2> /dev/null || true
    BROKER_PID=""
  done
  echo "error: could not start mosquitto on a free port; its log:" >&2
  cat "$WORK/broker.log" >&2
  exit 2
}
start_broker

# --- Kafka: the mock cluster lives in PipelineBench kafka for the whole run; commands through a FIFO ----
mkfifo "$WORK/kafka.cmd"
dotnet "$BENCH_DLL" kafka < "$WORK/kafka.cmd" > "$WORK/kafka.out" 2>&1 &
KAFKA_PID=$!
exec 3> "$WORK/kafka.cmd"
wait_for "$WORK/kafka.out" '^BOOTSTRAP ' "$KAFKA_PID" || { log "the mock cluster did not start:"; cat "$WORK/kafka.out" >&2; exit 2; }
BOOTSTRAP="$(sed -n 's/^BOOTSTRAP //p' "$WORK/kafka.out")"
kafka() { # kafka COMMAND...: sends a command to the mock cluster's host; prints the Unix ns when it was done
  local before
  before=$(grep -c '^OK \|^ERROR ' "$WORK/kafka.out" || true)
  echo "$*" >&3
  local deadline=$((SECONDS + 30))
  until [ "$(grep -c '^OK \|^ERROR ' "$WORK/kafka.out" || true)" -gt "$before" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { log "the mock cluster did not answer '$*'"; return 1; }
    sleep 0.01
  done
  tail -n 1 "$WORK/kafka.out" | grep -q '^OK ' || { log "the mock cluster refused '$*': $(tail -n 1 "$WORK/kafka.out")"; return 1; }
  tail -n 1 "$WORK/kafka.out" | awk '{ print $NF }'
}

dotnet "$BENCH_DLL" devices "$DEVICES" "$WORK/devices.json"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "mosquitto $(mosquitto -h 2> /dev/null | sed -n 's/^mosquitto version //p') on 127.0.0.1:$PORT, Kafka mock cluster on $BOOTSTRAP (pid $KAFKA_PID), $DEVICES devices, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the gateway: one fresh process, buffer, registry and topic per phase -----------------------------
start_gateway() { # start_gateway DIR TOPIC: sets GW_PID once it has subscribed
  local dir=$1 topic=$2
  mkdir -p "$dir"
  kafka topic "$topic" > /dev/null
  cat > "$dir/gateway.json" <<EOF
{
  "Gateway": { "Id": "bench-gw" },
  "Mqtt": {
    "Host": "127.0.0.1", "Port": $PORT, "ClientId": "bench-gw-$(basename "$dir")",
    "Subscriptions": [ {
      "Topic": "city/{district}/aq/{deviceId}", "QoS": 1,
      "Decoder": { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" } ] } }
    } ]
  },
  "Context": { "RegistryPath": "$dir/registry.db", "DevicesFile": "$WORK/devices.json" },
  "Buffer": { "Path": "$dir/buffer.db" },
  "Observability": { "Http": { "Url": "http://127.0.0.1:0" } },
  "Kafka": { "BootstrapServers": "$BOOTSTRAP", "Topic": "$topic"}
}
EOF
  # shellcheck disable=SC2086 # PIPELINE_BENCH_GATEWAY_ENV is a list of NAME=VALUE words
  env ${PIPELINE_BENCH_GATEWAY_ENV:-} "${GATEWAY_LAUNCH[@]}" run --config "$dir/gateway.json" > "$dir/gateway.log" 2>&1 &
  GW_PID=$!
  wait_for "$dir/gateway.log" 'Subscribed to city/+/aq/+' "$GW_PID" 120 || { log "the gateway did not start:"; cat "$dir/gateway.log" >&2; return 1; }
  # Warm-up: a gateway that has run a while has compiled its hot paths (tiered JIT, PGO); a fresh one spends
  # seconds of CPU on that. The measured readings follow on (publisher --first, consumer --from-end).
  [ "$WARMUP" -gt 0 ] || return 0
  consume "$dir" warmup-consume "$topic" "$WARMUP" || return 1
  publish "$dir" warmup-publish "$WARMUP" --window="$WINDOW"
  finish "$dir" warmup || return 1
  settle_jit
}
# The JIT recompiles hot methods (tier 1, with PGO) in the background for seconds after they became hot,
# at well over a core-second in all on this box: waits until its thread (".NET Tiered Compilation
# Worker") has not run for 2 s, at most 30 s.
settle_jit() {
  local last=-1 now quiet=0 deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    now=$(thread_ticks "$GW_PID" | awk -F'\t' '$2 ~ /Tiered/ { t += $3 } END { print t + 0 }')
    if [ "$now" = "$last" ]; then
      quiet=$((quiet + 1))
      [ "$quiet" -lt 4 ] || return 0
    else
      quiet=0
    fi
    last=$now
    sleep 0.5
  done
  log "the gateway's JIT was still busy 30 s after the warm-up"
}
stop_gateway() { # stop_gateway DIR: SIGTERM, then its exit code must be 0
  local status=0
  kill -TERM "$GW_PID" 2> /dev/null || true
  wait "$GW_PID" || status=$?
  GW_PID=""
  [ "$status" -eq 0 ] || { log "the gateway exited with $status; its log: $1/gateway.log"; return 1; }
}

consume() { # consume DIR NAME TOPIC COUNT [OPTION...]: starts a consumer, waits for READY; sets CONSUMER_PID
  # (a gateway's measured consumers start at the topic's end, after the warm-up's readings)
  local dir=$1 name=$2 topic=$3 count=$4
  shift 4
  dotnet "$BENCH_DLL" consume "$BOOTSTRAP" "$topic" "$count" --clk-tck="$CLK_TCK" "$@" > "$dir/$name.out" 2> "$dir/$name.err" &
  CONSUMER_PID=$!
  CHILDREN+=("$CONSUMER_PID")
  wait_for "$dir/$name.out" '^READY' "$CONSUMER_PID" || { log "consumer $name did not start:"; cat "$dir/$name.out" "$dir/$name.err" >&2; return 1; }
}
publish() { # publish DIR NAME COUNT [OPTION...]: publishes in the background; sets PUBLISHER_PID
  local dir=$1 name=$2 count=$3
  shift 3
  dotnet "$BENCH_DLL" publish 127.0.0.1 "$PORT" "$count" --devices="$DEVICES" "$@" > "$dir/$name.out" 2>&1 &
  PUBLISHER_PID=$!
  CHILDREN+=("$PUBLISHER_PID")
}
finish() { # finish DIR NAME: waits for the consumer and the publisher; fails if either failed
  local status=0
  wait "$CONSUMER_PID" || status=$?
  wait "$PUBLISHER_PID" || status=$((status == 0 ? $? : status))
  CHILDREN=()
  if [ "$status" -ne 0 ] || [ "$(field complete "$1/$2-consume.out")" != yes ]; then
    log "$2 failed (status $status):"
    cat "$1/$2-consume.out" "$1/$2-consume.err" "$1/$2-publish.out" >&2 || true
    return 1
  fi
}

# The baseline: mosquitto_sub -q 1 | kcat -P, through a named pipe so that each one's pid is known.
# mosquitto_sub's standard output is a pipe, so stdio buffers it in 4 KiB blocks: in bulk it runs as it is
# with -C COUNT (it exits after COUNT messages and so flushes the rest), its fastest; paced, where a reading
# would wait in that buffer for the next 4 KiB, it runs line-buffered (stdbuf -oL), as a real bridge must.
start_baseline() { # start_baseline DIR TOPIC COUNT bulk|paced: sets SUB_PID and KCAT_PID once subscribed
  local dir=$1 topic=$2 count=$3 mode=$4 id
  local -a prefix=()
  id="baseline-$(basename "$(dirname "$dir")")-$$"
  mkdir -p "$dir"
  kafka topic "$topic" > /dev/null
  mkfifo "$dir/pipe"
  # Each tool runs under bash's `time` (its whole life's CPU, as tests/bench/mqtt.sh counts the CLI tools):
  # in bulk mosquitto_sub exits before the last readings reach Kafka, so /proc cannot be read at the end.
  ( TIMEFORMAT='%3U %3S'; time kcat -q -P -b "$BOOTSTRAP" -t "$topic" < "$dir/pipe" 2> "$dir/kcat.err" ) 2> "$dir/kcat.time" &
  KCAT_WRAPPER=$!
  [ "$mode" = bulk ] || prefix=(stdbuf -oL)
  ( TIMEFORMAT='%3U %3S'; time "${prefix[@]}" mosquitto_sub -h 127.0.0.1 -p "$PORT" -i "$id" -q 1 -t 'city/#' -C "$count" > "$dir/pipe" 2> "$dir/sub.err" ) 2> "$dir/sub.time" &
  SUB_WRAPPER=$!
  wait_for "$WORK/broker.log" " $id " "$SUB_WRAPPER" || { log "mosquitto_sub did not subscribe"; return 1; }
  SUB_PID="$(pgrep -P "$SUB_WRAPPER" | head -n 1)"
  KCAT_PID="$(pgrep -P "$KCAT_WRAPPER" | head -n 1)"
}
stop_baseline() {
  kill "$SUB_PID" 2> /dev/null || true
  wait "$SUB_WRAPPER" 2> /dev/null || true
  wait "$KCAT_WRAPPER" 2> /dev/null || true
  SUB_PID=""
  KCAT_PID=""
}
baseline_cpu() { # baseline_cpu DIR COUNT: the tools' CPU µs per reading (mosquitto_sub + kcat), once stopped
  tail -q -n 1 "$1/sub.time" "$1/kcat.time" | awk -v n="$2" '{ s += $1 + $2; k++ } END { if (k == 2) printf "%.1f\n", s * 1e6 / n; else print "-" }'
}

FAILED=0
RESULTS="$WORK/results.tsv" # one line per measured thing: phase variant run key value
: > "$RESULTS"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RESULTS"; }

# --- a. throughput, with the baseline in the same run ---------------------------------------------
throughput_ours() { # run
  local run=$1 dir="$WORK/throughput-$1" b0 b1 t0 t1 extra=()
  start_gateway "$dir" "tp-$run" || return 1
  [ "$run" != 1 ] || extra=(--analyze --dump="$dir/record-1.json")
  b0=$(cpu_ticks "$BROKER_PID")
  consume "$dir" ours-consume "tp-$run" "$COUNT" --from-end --watch="$GW_PID" --samples="$dir/samples.txt" "${extra[@]}" || return 1
  threads_snapshot "$GW_PID" "$dir/threads-before.tsv"
  publish "$dir" ours-publish "$COUNT" --window="$WINDOW" --first="$WARMUP"
  finish "$dir" ours || { stop_gateway "$dir" || true; return 1; }
  b1=$(cpu_ticks "$BROKER_PID")
  threads_snapshot "$GW_PID" "$dir/threads-after.tsv"
  record throughput ours "$run" threads "$(thread_split "$dir/threads-before.tsv" "$dir/threads-after.tsv" "$COUNT")"
  stop_gateway "$dir" || return 1
  t0=$(field start_unix_ns "$dir/ours-publish.out")
  t1=$(field end_unix_ns "$dir/ours-consume.out")
  record throughput ours "$run" rate "$(calc "$COUNT / (($t1 - $t0) / 1e9)" %.0f)"
  record throughput ours "$run" cpu_us "$(num "$(field cpu_us_per_reading "$dir/ours-consume.out")")"
  record throughput ours "$run" hwm_mb "$(calc "$(field hwm_kib "$dir/ours-consume.out") * 1024 / 1e6")"
  record throughput ours "$run" broker_us "$(calc "($b1 - $b0) * 1e6 / $CLK_TCK / $COUNT")"
  if [ "$run" = 1 ]; then
    local f="$dir/ours-consume.out"
    record throughput ours 1 bytes "$(num "$(field an_bytes_per_reading "$f")")"
    record throughput ours 1 inline_bytes "$(num "$(field an_inline_bytes_per_reading "$f")")"
    record throughput ours 1 batch_readings "$(calc "$(field an_readings "$f") / $(field an_records "$f")")"
    record throughput ours 1 batch_devices "$(calc "$(field an_context_entries "$f") / $(field an_records "$f")")"
    record throughput ours 1 duplicates "$(field an_duplicates "$f")"
    record throughput ours 1 flagged "$(field an_flagged "$f")"
    record throughput ours 1 value_chars "$(num "$(field an_value_chars "$f")")"
    record throughput ours 1 reencodes "$(field an_reencodes_exactly "$f")"
  fi
}
throughput_baseline() { # run
  local run=$1 dir="$WORK/throughput-$1/baseline" b0 b1 t0 t1
  start_baseline "$dir" "tp-base-$run" "$COUNT" bulk || return 1
  b0=$(cpu_ticks "$BROKER_PID")
  consume "$dir" base-consume "tp-base-$run" "$COUNT" --format=lines --watch="$SUB_PID,$KCAT_PID" || { stop_baseline; return 1; }
  publish "$dir" base-publish "$COUNT" --window="$WINDOW"
  finish "$dir" base || { stop_baseline; return 1; }
  b1=$(cpu_ticks "$BROKER_PID")
  stop_baseline
  record throughput base "$run" cpu_us "$(baseline_cpu "$dir" "$COUNT")"
  t0=$(field start_unix_ns "$dir/base-publish.out")
  t1=$(field end_unix_ns "$dir/base-consume.out")
  record throughput base "$run" rate "$(calc "$COUNT / (($t1 - $t0) / 1e9)" %.0f)"
  record throughput base "$run" hwm_mb "$(calc "$(field rss_max_kib "$dir/base-consume.out") * 1024 / 1e6")"
  record throughput base "$run" broker_us "$(calc "($b1 - $b0) * 1e6 / $CLK_TCK / $COUNT")"
}

# --- b./c. paced: latency at 5,000/s, memory at 20,000/s ------------------------------------------
paced_ours() { # paced_ours PHASE RATE SECONDS
  local phase=$1 rate=$2 seconds=$3 dir="$WORK/$1" n=$(($2 * $3)) f
  start_gateway "$dir" "$phase" || return 1
  consume "$dir" ours-consume "$phase" "$n" --from-end --latency --analyze --watch="$GW_PID" --samples="$dir/samples.txt" || return 1
  threads_snapshot "$GW_PID" "$dir/threads-before.tsv"
  publish "$dir" ours-publish "$n" --rate="$rate" --first="$WARMUP"
  finish "$dir" ours || { stop_gateway "$dir" || true; return 1; }
  threads_snapshot "$GW_PID" "$dir/threads-after.tsv"
  record "$phase" ours 1 threads "$(thread_split "$dir/threads-before.tsv" "$dir/threads-after.tsv" "$n")"
  stop_gateway "$dir" || return 1
  f="$dir/ours-consume.out"
  for key in lat_p50_ms lat_p99_ms lat_max_ms create_p50_ms create_p99_ms cpu_us_per_reading timestamp_types an_bytes_per_reading an_inline_bytes_per_reading; do
    record "$phase" ours 1 "$key" "$(num "$(field "$key" "$f")")"
  done
  record "$phase" ours 1 rss_max_mb "$(calc "$(field rss_max_kib "$f") * 1024 / 1e6")"
  record "$phase" ours 1 rss_anon_max_mb "$(calc "$(field rss_anon_max_kib "$f") * 1024 / 1e6")"
  record "$phase" ours 1 hwm_mb "$(calc "$(field hwm_kib "$f") * 1024 / 1e6")"
  record "$phase" ours 1 publish_rate "$(field publish_rate "$dir/ours-publish.out")"
  record "$phase" ours 1 batch_readings "$(calc "$(field an_readings "$f") / $(field an_records "$f")")"
}
paced_baseline() { # paced_baseline PHASE RATE SECONDS
  local phase=$1 rate=$2 seconds=$3 dir="$WORK/$1/baseline" n=$(($2 * $3)) f
  start_baseline "$dir" "$phase-base" "$n" paced || return 1
  consume "$dir" base-consume "$phase-base" "$n" --format=lines --latency --watch="$SUB_PID,$KCAT_PID" || { stop_baseline; return 1; }
  publish "$dir" base-publish "$n" --rate="$rate"
  finish "$dir" base || { stop_baseline; return 1; }
  stop_baseline
  record "$phase" base 1 cpu_us_per_reading "$(baseline_cpu "$dir" "$n")"
  f="$dir/base-consume.out"
  for key in lat_p50_ms lat_p99_ms lat_max_ms; do
    record "$phase" base 1 "$key" "$(num "$(field "$key" "$f")")"
  done
  record "$phase" base 1 rss_max_mb "$(calc "$(field rss_max_kib "$f") * 1024 / 1e6")"
}

# --- d. backlog: buffered while Kafka is down, then drained -------------------------------------------
backlog_ours() {
  local dir="$WORK/backlog" t_down t_up t0 t_full first end f
  start_gateway "$dir" backlog || return 1
  # The consumer starts first (the broker is up) and keeps reading through the outage.
  consume "$dir" ours-consume backlog "$BACKLOG" --from-end --watch="$GW_PID" --samples="$dir/samples.txt" --timeout=3600 --idle-timeout=120 || return 1
  t_down=$(kafka down) || return 1
  log "backlog: Kafka is down; publishing $BACKLOG readings"
  publish "$dir" ours-publish "$BACKLOG" --window="$WINDOW" --first="$WARMUP"
  if ! wait "$PUBLISHER_PID"; then
    log "backlog: the publisher failed:"; cat "$dir/ours-publish.out" >&2
    kafka up > /dev/null || true
    return 1
  fi
  dotnet "$BENCH_DLL" wait-buffer "$dir/buffer.db" "$BACKLOG" --timeout=1800 > "$dir/wait-buffer.out" 2>&1 \
    || { log "backlog: the buffer did not fill:"; cat "$dir/wait-buffer.out" >&2; kafka up > /dev/null || true; return 1; }
  t_full=$(field unix_ns "$dir/wait-buffer.out")
  t_up=$(kafka up) || return 1
  log "backlog: $BACKLOG readings buffered; Kafka is up again, draining"
  wait "$CONSUMER_PID" || true
  CHILDREN=()
  f="$dir/ours-consume.out"
  stop_gateway "$dir" || return 1
  if [ "$(field complete "$f")" != yes ]; then
    log "backlog: the drain did not complete:"; cat "$f" "$dir/ours-consume.err" >&2
    return 1
  fi
  t0=$(field start_unix_ns "$dir/ours-publish.out")
  first=$(field first_unix_ns "$f")
  end=$(field end_unix_ns "$f")
  record backlog ours 1 fill_rate "$(calc "$BACKLOG / (($t_full - $t0) / 1e9)" %.0f)"
  record backlog ours 1 resume_s "$(calc "($first - $t_up) / 1e9" %.2f)"
  record backlog ours 1 drain_rate "$(calc "$BACKLOG / (($end - $first) / 1e9)" %.0f)"
  record backlog ours 1 fill_cpu_us "$(awk -v a="$t0" -v b="$t_full" -v hz="$CLK_TCK" -v n="$BACKLOG" 'NR > 1 && $1 >= a && c0 == "" { c0 = $3 } NR > 1 && $1 <= b { c1 = $3 } END { printf "%.1f", (c1 - c0) * 1e6 / hz / n }' "$dir/samples.txt")"
  record backlog ours 1 drain_cpu_us "$(awk -v a="$first" -v b="$end" -v hz="$CLK_TCK" -v n="$BACKLOG" 'NR > 1 && $1 >= a && c0 == "" { c0 = $3 } NR > 1 && $1 <= b { c1 = $3 } END { printf "%.1f", (c1 - c0) * 1e6 / hz / n }' "$dir/samples.txt")"
  # RSS: during the fill (down .. up) and during the drain (first reading in Kafka .. last), and the
  # drain's first and second halves (flat = no upward trend while the backlog shrinks).
  awk -v down="$t_down" -v up="$t_up" -v a="$first" -v b="$end" '
    NR == 1 { next }
    $1 >= down && $1 <= up { if ($2 > fill) fill = $2 }
    $1 >= a && $1 <= b {
      if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2; if ($5 > anon) anon = $5
      if ($1 < (a + b) / 2) { if ($2 > h1) h1 = $2 } else { if ($2 > h2) h2 = $2 }
    }
    END { m = 1024 / 1e6; printf "fill_rss_max_mb %.1f\ndrain_rss_min_mb %.1f\ndrain_rss_max_mb %.1f\ndrain_rss_h1_mb %.1f\ndrain_rss_h2_mb %.1f\ndrain_rss_anon_max_mb %.1f\n", fill * m, min * m, max * m, h1 * m, h2 * m, anon * m }
  ' "$dir/samples.txt" | while read -r key value; do record backlog ours 1 "$key" "$value"; done
  record backlog ours 1 hwm_mb "$(calc "$(field hwm_kib "$f") * 1024 / 1e6")"
  record backlog ours 1 buffer_mb "$(calc "$(stat -c %s "$dir/buffer.db") / 1e6")"
}

if has_phase throughput; then
  for run in $(seq 1 "$RUNS"); do
    log "throughput run $run/$RUNS: $COUNT readings as fast as the publisher goes, baseline (mosquitto_sub -q 1 | kcat -P)"
    throughput_baseline "$run" || FAILED=1
    log "throughput run $run/$RUNS: the same through edge-gateway"
    throughput_ours "$run" || FAILED=1
  done
fi
if has_phase latency; then
  log "latency: $LAT_RATE readings/s for $LAT_SECONDS s, baseline then edge-gateway"
  paced_baseline latency "$LAT_RATE" "$LAT_SECONDS" || FAILED=1
  paced_ours latency "$LAT_RATE" "$LAT_SECONDS" || FAILED=1
fi
if has_phase rss; then
  log "memory: $RSS_RATE readings/s for $RSS_SECONDS s, baseline then edge-gateway"
  paced_baseline rss "$RSS_RATE" "$RSS_SECONDS" || FAILED=1
  paced_ours rss "$RSS_RATE" "$RSS_SECONDS" || FAILED=1
fi
if has_phase backlog; then
  log "backlog: $BACKLOG readings while Kafka is down, then the drain"
  backlog_ours || FAILED=1
fi
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report ----------------------------------------------------------------------------------------
values() { awk -F'\t' -v p="$1" -v v="$2" -v k="$3" '$1 == p && $2 == v && $4 == k && $5 != "-" { print $5 }' "$RESULTS"; }
one() { local v; v="$(values "$1" "$2" "$4" | head -n 1)"; echo "${v:--}"; } # one PHASE VARIANT RUN KEY
median() { sort -g | awk -v f="${1:-%.1f}" '{ x[n++] = $1 } END { if (n == 0) { print "-"; exit } printf f "\n", (n % 2) ? x[int(n / 2)] : (x[n / 2 - 1] + x[n / 2]) / 2 }'; }
spread() { sort -g | awk -v f="${1:-%.1f}" 'NR == 1 { lo = $1 } { hi = $1; n++ } END { if (n > 1) printf " (" f "-" f ")", lo, hi }'; }
stat_of() { # stat_of PHASE VARIANT KEY [FORMAT]: "median (min-max)" over the runs
  local m
  m="$(values "$1" "$2" "$3" | median "${4:-%.1f}")"
  [ "$m" = "-" ] && { echo "-"; return; }
  echo "$m$(values "$1" "$2" "$3" | spread "${4:-%.1f}")"
}
ratios() { awk -F'\t' '$1 == "throughput" && $4 == "rate" && $5 != "-" { r[$2 "," $3] = $5 } END { for (k in r) { split(k, a, ","); if (a[1] == "ours" && (("base," a[2]) in r) && r["base," a[2]] > 0) print r[k] / r["base," a[2]] } }' "$RESULTS"; }
pair() { [ "$1" = - ] && [ "$2" = - ] && echo - || echo "$1${3:- / }$2"; }

VERDICT=PASS
ROWS=()
row() { ROWS+=("$(printf '| %-56s | %-22s | %-18s | %-18s | %-4s |' "$@")"); }
judge() { # judge yes|no|- : sets MET for the row; a "no" fails the verdict
  case $1 in yes) MET=yes ;; no) MET=NO; VERDICT=FAIL ;; *) MET="-" ;; esac
}
cmp() { # cmp VALUE OP LIMIT: yes / no, or - when there is no value
  [ "$1" = - ] && { echo -; return; }
  awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN { exit !(op == "<=" ? a + 0 <= b + 0 : a + 0 >= b + 0) }' && echo yes || echo no
}

if has_phase throughput; then
  ratio="$(ratios | median %.2f)"
  judge "$(cmp "$ratio" ">=" "$TARGET_RATIO")"
  row "sustained readings/s, QoS 1, $COUNT readings" "$(stat_of throughput ours rate %.0f)" "$(stat_of throughput base rate %.0f)" ">= ${TARGET_RATIO}x baseline" "-"
  row "  ours / baseline, run by run" "$ratio$(ratios | spread %.2f)" "1" ">= $TARGET_RATIO" "$MET"
  judge "$(cmp "$(values throughput ours cpu_us | median)" "<=" "$TARGET_CPU_US")"
  row "CPU us per reading (gateway; mosquitto_sub + kcat)" "$(stat_of throughput ours cpu_us)" "$(stat_of throughput base cpu_us)" "<= $TARGET_CPU_US" "$MET"
  row "  mosquitto us per reading (in + out)" "$(stat_of throughput ours broker_us)" "$(stat_of throughput base broker_us)" "" "-"
  row "  peak RSS MB (gateway VmHWM; tools sampled)" "$(stat_of throughput ours hwm_mb)" "$(stat_of throughput base hwm_mb)" "" "-"
fi
if has_phase latency; then
  judge "$(cmp "$(one latency ours 1 lat_p99_ms)" "<=" "$TARGET_P99_MS")"
  row "latency ms publish -> in Kafka at $LAT_RATE/s, p50" "$(one latency ours 1 lat_p50_ms)" "$(one latency base 1 lat_p50_ms)" "" "-"
  row "  p99" "$(one latency ours 1 lat_p99_ms)" "$(one latency base 1 lat_p99_ms)" "<= $TARGET_P99_MS" "$MET"
  row "  max" "$(one latency ours 1 lat_max_ms)" "$(one latency base 1 lat_max_ms)" "" "-"
  row "  p50 / p99 to the record's CreateTime" "$(pair "$(one latency ours 1 create_p50_ms)" "$(one latency ours 1 create_p99_ms)")" "" "" "-"
  row "  CPU us per reading" "$(one latency ours 1 cpu_us_per_reading)" "$(one latency base 1 cpu_us_per_reading)" "" "-"
  row "  readings per batch; publisher's rate /s" "$(pair "$(one latency ours 1 batch_readings)" "$(one latency ours 1 publish_rate)" "; ")" "" "" "-"
fi
if has_phase rss; then
  judge "$(cmp "$(one rss ours 1 rss_max_mb)" "<=" "$TARGET_RSS_MB")"
  row "RSS MB at $RSS_RATE/s (max of 200 ms samples)" "$(one rss ours 1 rss_max_mb)" "$(one rss base 1 rss_max_mb)" "<= $TARGET_RSS_MB" "$MET"
  row "  VmHWM MB; anonymous part of RSS, max MB" "$(pair "$(one rss ours 1 hwm_mb)" "$(one rss ours 1 rss_anon_max_mb)" "; ")" "" "" "-"
  row "  CPU us per reading" "$(one rss ours 1 cpu_us_per_reading)" "$(one rss base 1 cpu_us_per_reading)" "" "-"
  row "  latency p50 / p99 ms" "$(pair "$(one rss ours 1 lat_p50_ms)" "$(one rss ours 1 lat_p99_ms)")" "$(pair "$(one rss base 1 lat_p50_ms)" "$(one rss base 1 lat_p99_ms)")" "" "-"
  row "  readings per batch; publisher's rate /s" "$(pair "$(one rss ours 1 batch_readings)" "$(one rss ours 1 publish_rate)" "; ")" "" "" "-"
fi
if has_phase backlog; then
  dmax="$(one backlog ours 1 drain_rss_max_mb)"
  h1="$(one backlog ours 1 drain_rss_h1_mb)"
  h2="$(one backlog ours 1 drain_rss_h2_mb)"
  judge "$(cmp "$dmax" "<=" "$TARGET_RSS_MB")"
  row "RSS MB draining $BACKLOG readings, min-max" "$(pair "$(one backlog ours 1 drain_rss_min_mb)" "$dmax" "-")" "" "<= $TARGET_RSS_MB" "$MET"
  flat=-
  if [ "$h1" != - ] && [ "$h2" != - ]; then
    flat=no
    awk -v a="$h1" -v b="$h2" -v t="$TARGET_FLAT_MB" 'BEGIN { exit !(b + 0 <= a + t) }' && flat=yes
  fi
  judge "$flat"
  row "  flat: peak of the drain's 1st / 2nd half" "$(pair "$h1" "$h2")" "" "2nd <= 1st + $TARGET_FLAT_MB" "$MET"
  row "  anonymous part of RSS while draining, max MB" "$(one backlog ours 1 drain_rss_anon_max_mb)" "" "" "-"
  row "  RSS MB filling (Kafka down); VmHWM" "$(pair "$(one backlog ours 1 fill_rss_max_mb)" "$(one backlog ours 1 hwm_mb)" "; ")" "" "" "-"
  row "  drain readings/s; CPU us per reading (Kafka side)" "$(pair "$(one backlog ours 1 drain_rate)" "$(one backlog ours 1 drain_cpu_us)" "; ")" "" "" "-"
  row "  fill readings/s; CPU us per reading (MQTT side)" "$(pair "$(one backlog ours 1 fill_rate)" "$(one backlog ours 1 fill_cpu_us)" "; ")" "" "" "-"
  row "  s from Kafka up to the first delivery" "$(one backlog ours 1 resume_s)" "" "" "-"
  row "  buffer file MB after the drain" "$(one backlog ours 1 buffer_mb)" "" "" "-"
fi
if has_phase throughput; then
  bytes="$(one throughput ours 1 bytes)"
  inline="$(one throughput ours 1 inline_bytes)"
  pct=-
  [ "$bytes" = - ] || [ "$inline" = - ] || pct="$(calc "100 * $bytes / $inline")"
  judge "$(cmp "$pct" "<=" "$TARGET_BYTES_PCT")"
  row "bytes per reading, uncompressed (baseline column:" "$bytes" "inline: $inline" "" "-"
  row "  same readings with inline context), % of inline" "$pct %" "100 %" "<= $TARGET_BYTES_PCT %" "$MET"
  row "  readings; device contexts per batch (run 1)" "$(pair "$(one throughput ours 1 batch_readings)" "$(one throughput ours 1 batch_devices)" "; ")" "" "" "-"
fi
for phase in latency rss; do
  has_phase "$phase" || continue
  rate=$LAT_RATE
  [ "$phase" = latency ] || rate=$RSS_RATE
  bytes="$(one "$phase" ours 1 an_bytes_per_reading)"
  inline="$(one "$phase" ours 1 an_inline_bytes_per_reading)"
  pct=-
  [ "$bytes" = - ] || [ "$inline" = - ] || pct="$(calc "100 * $bytes / $inline")"
  row "  at $rate/s (smaller batches), % of inline" "$bytes = $pct %" "inline: $inline" "(not checked)" "-"
done

echo
echo "edge-gateway end to end: MQTT QoS 1 (mosquitto, loopback) -> gateway -> Kafka (librdkafka mock cluster), $DEVICES devices,"
echo "one reading per message; baseline in the same run: mosquitto_sub -q 1 -t 'city/#' | kcat -P (non-durable, no context)."
echo "Throughput: medians over $RUNS runs, min-max in brackets. Load average at the start / at the end: $LOAD_START / $LOAD_END."
echo
printf '| %-56s | %-22s | %-18s | %-18s | %-4s |\n' "figure" "edge-gateway" "baseline" "target" "met?"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..58})" "$(printf -- '-%.0s' {1..24})" "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..6})"
for line in "${ROWS[@]}"; do echo "$line"; done
cat <<EOF

- Rate: from the publisher's first publish (after start-up and CONNECT) until the consumer has seen the last reading
  in Kafka (readings counted inside the MCP batches; the baseline's kcat writes one record per message).
- CPU: the gateway's utime + stime (/proc) from just before publishing until the last reading is in Kafka; the
  baseline tools' whole lives (bash time). RSS: VmRSS sampled every 200 ms; VmHWM is the kernel's peak.
- Latency: when the consumer (fetch wait 2 ms) sees a reading minus the publish time in its payload (Unix ms,
  rounded); the first second is warm-up and left out. CreateTime: the record's timestamp, taken when the gateway
  hands the batch to librdkafka (before linger and the broker's acknowledgement).
- Bytes: record values as produced (before compression) / readings, against the same records with each device's
  context inlined in every reading instead of once per batch ("flat" and all figures: tests/bench/README.md).
- Run 1: duplicates $(one throughput ours 1 duplicates), flagged readings $(one throughput ours 1 flagged), records re-encode exactly: $(one throughput ours 1 reencodes),
  characters per value ("v") $(one throughput ours 1 value_chars) (calibration x1.1 - 0.5 of one-decimal readings).
- Gateway CPU by thread (share, us per reading), throughput run 1: $(one throughput ours 1 threads)
  at $LAT_RATE/s: $(one latency ours 1 threads)
  at $RSS_RATE/s: $(one rss ours 1 threads)
- Raw results (phase variant run key value):
EOF
sed 's/^/    /' "$RESULTS"
echo

STATUS=0
[ "$VERDICT" = PASS ] || STATUS=1
if [ "$FAILED" -ne 0 ]; then
  echo "INCOMPLETE: some runs failed (see above)"
  STATUS=2
fi
echo "$VERDICT"
exit "$STATUS"

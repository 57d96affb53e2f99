#!/usr/bin/env bash
# MQTT publish/receive throughput of EdgeGateway.Mqtt's client against mosquitto, side by side with
# mosquitto_pub -l / mosquitto_sub in the same run (issue 3). See tests/bench/README.md.
#
#   bash tests/bench/mqtt.sh [COUNT] [RUNS]        # defaults: 200000 messages, 3 runs
#
# Environment: MQTT_BENCH_PAYLOAD (bytes, 120), MQTT_BENCH_WINDOW (our publisher's in-flight window,
# 1000), MQTT_BENCH_EXTRA=0 skips the extra QoS 1 variants (ack each, 5 ms group commit, .NET's default
# thread-pool spinning), MQTT_BENCH_KEEP=1 keeps the work directory (logs, raw results),
# MQTT_BENCH_TIMEOUT (seconds per process per run; default grows with COUNT).
#
# Exit status: 0 when both targets are met, 1 when one is missed, 2 when a run failed.
set -euo pipefail

COUNT="${1:-200000}"
RUNS="${2:-3}"
PAYLOAD="${MQTT_BENCH_PAYLOAD:-120}"
WINDOW="${MQTT_BENCH_WINDOW:-1000}"
EXTRA="${MQTT_BENCH_EXTRA:-1}"
TIMEOUT="${MQTT_BENCH_TIMEOUT:-$((60 + COUNT / 2000))}"
TARGET_RATIO="1.5"  # QoS 1 end to end: MqttClient on both sides / mosquitto_pub + mosquitto_sub, same run
TARGET_SUB_US="8"   # QoS 1 receive side (manual, batched acknowledgement): client CPU µs per message
# .NET 10's default for System.Threading.ThreadPool.UnfairSemaphoreSpinLimit on x64 (MqttBench sets 0).
DEFAULT_SPIN_LIMIT=70

case "$COUNT$RUNS$PAYLOAD$WINDOW" in
  *[!0-9]*) echo "usage: bash tests/bench/mqtt.sh [COUNT] [RUNS]" >&2; exit 2 ;;
esac
if [ "$COUNT" -lt 1000 ] || [ "$RUNS" -lt 1 ] || [ "$PAYLOAD" -lt 64 ]; then
  echo "COUNT must be at least 1000, RUNS at least 1, MQTT_BENCH_PAYLOAD at least 64" >&2
  exit 2
fi
for tool in dotnet mosquitto mosquitto_pub mosquitto_sub stdbuf awk timeout getconf; do
  command -v "$tool" > /dev/null || { echo "error: $tool is missing (needs mosquitto, mosquitto-clients, the .NET 10 SDK)" >&2; exit 2; }
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d -t mqtt-bench.XXXXXX)"
chmod 755 "$WORK"
BROKER_PID=""
CHILDREN=()

cleanup() {
  local pid
  for pid in "${CHILDREN[@]}"; do
    pkill -TERM -P "$pid" 2> /dev/null || true
    kill "$pid" 2> /dev/null || true
  done
  if [ -n "$BROKER_PID" ]; then
    kill "$BROKER_PID" 2> /dev/null || true
    wait "$BROKER_PID" 2> /dev/null || true
  fi
  if [ "${MQTT_BENCH_KEEP:-0}" = 1 ]; then
    echo "work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[mqtt-bench] %s\n' "$*" >&2; }
now_ns() { local t="$EPOCHREALTIME"; echo "${t/./}000"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
CLK_TCK="$(getconf CLK_TCK)"

# --- build ---------------------------------------------------------------------------------------
log "building tests/bench/MqttBench (Release)"
dotnet build "$ROOT/tests/bench/MqttBench/MqttBench.csproj" -c Release -nologo -clp:ErrorsOnly -o "$WORK/bin" > "$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; exit 2; }

# --- payloads: COUNT JSON lines of exactly PAYLOAD bytes (the newline is not part of the message) ----
awk -v n="$COUNT" -v size="$PAYLOAD" 'BEGIN {
  srand(42)
  for (i = 0; i < n; i++) {
    s = sprintf("{\"id\":\"aq-%04d\",\"t\":%d,\"pm25\":%.1f,\"pm10\":%.1f,\"no2\":%.1f,\"seq\":%d,\"pad\":\"", i % 100, 1732270000000 + i, rand() * 99, rand() * 99, rand() * 99, i)
    while (length(s) < size - 2) s = s "x"
    print substr(s "\"}", 1, size)
  }
}' > "$WORK/payload.jsonl"

# --- broker: its own mosquitto on a free loopback port ----------------------------------------------
port_free() { ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
start_broker() {
  local attempt port i
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    port_free "$port" || continue
    cat > "$WORK/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 1000
max_queued_messages 10000000
max_queued_bytes 0
log_dest stdout
log_type error
log_type warning
log_type subscribe
connection_messages false
EOF
    # stdbuf: each log line (subscriptions included) reaches the file at once: it says when a subscriber is ready.
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
log "mosquitto $(mosquitto -h 2> /dev/null | sed -n 's/^mosquitto version //p') (pid $BROKER_PID) on 127.0.0.1:$PORT; $COUNT messages of $PAYLOAD bytes, $RUNS runs"

wait_for() { # wait_for FILE PATTERN PID: until FILE has a line matching PATTERN; fails if PID exits first
  local deadline=$((SECONDS + 60))
  until grep -q -- "$2" "$1" 2> /dev/null; do
    kill -0 "$3" 2> /dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

field() { # field KEY FILE: the value of KEY= on the RESULT line
  sed -n "s/^RESULT .* $1=\([^ ]*\).*/\1/p" "$2" | head -n 1
}

# One line per run and variant in $WORK/results.tsv:
# variant qos run e2e_rate sub_us pub_us broker_us sub_us_steady complete
RESULTS="$WORK/results.tsv"
: > "$RESULTS"

run_cli() { # run_cli VARIANT QOS RUN [OPTION...]: OPTIONs (e.g. -V 5) go to both tools
  local variant=$1 qos=$2 run=$3 id="$1-$2-$3-$$"
  shift 3
  local b0 b1 t0 t1 sub_pid pub_pid status=0
  b0=$(cpu_ticks "$BROKER_PID")
  ( TIMEFORMAT='%3U %3S'; time timeout "$TIMEOUT" mosquitto_sub -h 127.0.0.1 -p "$PORT" "$@" -i "$id-sub" -t 'bench/#' -q "$qos" -C "$COUNT" > /dev/null ) 2> "$WORK/$id-sub.time" &
  sub_pid=$!
  CHILDREN+=("$sub_pid")
  wait_for "$WORK/broker.log" " $id-sub " "$sub_pid" || { log "mosquitto_sub did not subscribe"; return 1; }
  t0=$(now_ns)
  # mosquitto_pub -l (2.0.11) drops the messages still queued when its input ends: keep stdin open
  # until the subscriber has everything.
  ( TIMEFORMAT='%3U %3S'; time ( ( cat "$WORK/payload.jsonl"; while kill -0 "$sub_pid" 2> /dev/null; do sleep 0.05; done ) \
      | timeout "$TIMEOUT" mosquitto_pub -h 127.0.0.1 -p "$PORT" "$@" -i "$id-pub" -t bench/aq -q "$qos" -l ) ) 2> "$WORK/$id-pub.time" &
  pub_pid=$!
  CHILDREN+=("$pub_pid")
  wait "$sub_pid" || status=$?
  t1=$(now_ns)
  wait "$pub_pid" || true
  CHILDREN=()
  b1=$(cpu_ticks "$BROKER_PID")
  if [ "$status" -ne 0 ]; then
    log "mosquitto_sub did not get $COUNT messages within ${TIMEOUT}s (status $status)"
    printf '%s\t%s\t%s\t-\t-\t-\t-\t-\tno\n' "$variant" "$qos" "$run" >> "$RESULTS"
    return 0
  fi
  awk -v name="$variant" -v q="$qos" -v r="$run" -v n="$COUNT" -v t0="$t0" -v t1="$t1" -v b="$((b1 - b0))" -v hz="$CLK_TCK" \
      -v subt="$(cat "$WORK/$id-sub.time")" -v pubt="$(cat "$WORK/$id-pub.time")" 'BEGIN {
    split(subt, s, " "); split(pubt, p, " ")
    printf "%s\t%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t-\tyes\n", name, q, r, n / ((t1 - t0) / 1e9), (s[1] + s[2]) * 1e6 / n, (p[1] + p[2]) * 1e6 / n, b / hz * 1e6 / n
  }' >> "$RESULTS"
}

run_ours() { # run_ours VARIANT QOS RUN ACK [SUB_OPTION...]; env: SPIN (overrides MqttBench's spin limit)
  local variant=$1 qos=$2 run=$3 ack=$4 id="$1-$2-$3"
  shift 4
  local b0 b1 sub_pid pub_pid status=0 pub_status=0
  local -a env_prefix=(env)
  [ -z "${SPIN:-}" ] || env_prefix+=("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=$SPIN")
  b0=$(cpu_ticks "$BROKER_PID")
  timeout "$TIMEOUT" "${env_prefix[@]}" dotnet "$WORK/bin/MqttBench.dll" sub 127.0.0.1 "$PORT" 'bench/#' "$qos" "$COUNT" "$ack" 1000 "$@" > "$WORK/$id-sub.out" 2>&1 &
  sub_pid=$!
  CHILDREN+=("$sub_pid")
  wait_for "$WORK/$id-sub.out" '^READY' "$sub_pid" || { log "MqttBench sub did not start:"; cat "$WORK/$id-sub.out" >&2; return 1; }
  timeout "$TIMEOUT" "${env_prefix[@]}" dotnet "$WORK/bin/MqttBench.dll" pub 127.0.0.1 "$PORT" bench/aq "$qos" "$COUNT" "$PAYLOAD" "$WINDOW" > "$WORK/$id-pub.out" 2>&1 &
  pub_pid=$!
  CHILDREN+=("$pub_pid")
  wait "$sub_pid" || status=$?
  wait "$pub_pid" || pub_status=$?
  CHILDREN=()
  b1=$(cpu_ticks "$BROKER_PID")
  [ "$status" -ne 0 ] || status=$pub_status
  if [ "$status" -ne 0 ] || [ "$(field messages "$WORK/$id-sub.out")" != "$COUNT" ]; then
    log "$variant QoS $qos run $run failed (status $status):"
    cat "$WORK/$id-sub.out" "$WORK/$id-pub.out" >&2 || true
    printf '%s\t%s\t%s\t-\t-\t-\t-\t-\tno\n' "$variant" "$qos" "$run" >> "$RESULTS"
    return 0
  fi
  # End to end: from the publisher's first PublishAsync (after .NET start-up and CONNECT) to the
  # subscriber's last message acknowledged.
  awk -v name="$variant" -v q="$qos" -v r="$run" -v n="$COUNT" -v b="$((b1 - b0))" -v hz="$CLK_TCK" \
      -v t0="$(field start_unix_ns "$WORK/$id-pub.out")" -v t1="$(field end_unix_ns "$WORK/$id-sub.out")" \
      -v sub_us="$(field cpu_us_per_msg "$WORK/$id-sub.out")" -v pub_us="$(field cpu_us_per_msg "$WORK/$id-pub.out")" \
      -v steady="$(field steady_cpu_us_per_msg "$WORK/$id-sub.out")" 'BEGIN {
    printf "%s\t%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\tyes\n", name, q, r, n / ((t1 - t0) / 1e9), sub_us, pub_us, b / hz * 1e6 / n, steady
  }' >> "$RESULTS"
}

failed=0
for run in $(seq 1 "$RUNS"); do
  for qos in 0 1; do
    log "run $run/$RUNS, QoS $qos: mosquitto_pub -l -> mosquitto_sub"
    run_cli cli "$qos" "$run" || failed=1
    if [ "$qos" = 1 ] && [ "$EXTRA" = 1 ]; then
      log "run $run/$RUNS, QoS 1: mosquitto_pub -l -V 5 -> mosquitto_sub -V 5"
      run_cli cli5 1 "$run" -V 5 || failed=1
    fi
    log "run $run/$RUNS, QoS $qos: MqttBench pub -> MqttBench sub (batched acknowledgements)"
    run_ours ours "$qos" "$run" batch || failed=1
    if [ "$qos" = 1 ] && [ "$EXTRA" = 1 ]; then
      log "run $run/$RUNS, QoS 1: ... acknowledging each message and waiting for it"
      run_ours each 1 "$run" each || failed=1
      log "run $run/$RUNS, QoS 1: ... acknowledging after a 5 ms group-commit wait, as the gateway does"
      run_ours commit5 1 "$run" batch --commit-wait=5 || failed=1
      log "run $run/$RUNS, QoS 1: ... with .NET's default thread-pool spinning"
      SPIN=$DEFAULT_SPIN_LIMIT run_ours spin 1 "$run" batch || failed=1
    fi
  done
done

# --- report ----------------------------------------------------------------------------------------
stats() { # stats VARIANT QOS COLUMN: "median (min–max)"
  awk -F'\t' -v v="$1" -v q="$2" -v c="$3" '$1 == v && $2 == q && $9 == "yes" && $c != "-" { x[n++] = $c }
    END {
      if (n == 0) { print "-"; exit }
      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }
      m = (n % 2) ? x[int(n / 2)] : (x[n / 2 - 1] + x[n / 2]) / 2
      fmt = (c == 4) ? "%.0f" : "%.1f"
      printf fmt " (" fmt "–" fmt ")\n", m, x[0], x[n - 1]
    }' "$RESULTS"
}
median() { sort -g | awk '{ x[n++] = $1 } END { if (n == 0) { print "-"; exit } printf "%.2f\n", (n % 2) ? x[int(n / 2)] : (x[n / 2 - 1] + x[n / 2]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.2f–%.2f", lo, hi; else printf "-" }'; }
ratios() { # ratios VARIANT QOS [REFERENCE]: end-to-end rate of VARIANT / REFERENCE's (default cli), run by run
  awk -F'\t' -v v="$1" -v q="$2" -v ref="${3:-cli}" '$2 == q && $9 == "yes" { r[$1 "," $3] = $4 }
    END { for (k in r) { split(k, a, ","); if (a[1] == v && ((ref "," a[2]) in r)) print r[k] / r[ref "," a[2]] } }' "$RESULTS"
}

echo
echo "Loopback, one publisher -> mosquitto $(mosquitto -h 2> /dev/null | sed -n 's/^mosquitto version //p') -> one subscriber; $COUNT messages of $PAYLOAD bytes a run, $RUNS runs."
echo "Medians, min–max in brackets. Rate: messages/s end to end. CPU: µs per message (broker: in + out)."
echo
printf '| %-58s | %-20s | %-18s | %-18s | %-18s | %-18s | %-17s |\n' "QoS: publisher → subscriber" "rate /s" "subscriber µs/msg" "  after warm-up" "publisher µs/msg" "broker µs/msg" "rate / CLI's"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "$(printf -- '-%.0s' {1..22})" "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..19})"
for qos in 0 1; do
  for variant in cli cli5 ours each commit5 spin; do
    grep -q "^$variant	$qos	" "$RESULTS" || continue
    case $variant in
      cli) label="mosquitto_pub -l → mosquitto_sub (3.1.1)" ;;
      cli5) label="mosquitto_pub -l -V 5 → mosquitto_sub -V 5" ;;
      ours) label="MqttClient → MqttClient (5.0), batched ack" ;;
      each) label="  same, awaiting each ack" ;;
      commit5) label="  same, ack after a 5 ms group commit" ;;
      spin) label="  same, batched ack, .NET default pool spinning" ;;
    esac
    ratio="1"
    if [ "$variant" != cli ]; then
      ratio="$(ratios "$variant" "$qos" | median)"
      [ "$ratio" = "-" ] || ratio="$ratio ($(ratios "$variant" "$qos" | range))"
    fi
    printf '| %-58s | %-20s | %-18s | %-18s | %-18s | %-18s | %-17s |\n' "$qos: $label" \
      "$(stats "$variant" "$qos" 4)" "$(stats "$variant" "$qos" 5)" "$(stats "$variant" "$qos" 8)" "$(stats "$variant" "$qos" 6)" "$(stats "$variant" "$qos" 7)" "$ratio"
  done
done
cat <<EOF

- The baseline is the tools as the issue names them: mosquitto_pub -l -q Q / mosquitto_sub -q Q -C N, which speak
  MQTT 3.1.1 (mosquitto_pub keeps libmosquitto's in-flight window of 20). With -V 5 the window comes from the
  broker's Receive Maximum (1000 here): the "-V 5" row. MqttClient speaks 5.0 (the gateway's default).
- CLI rate: from starting mosquitto_pub until mosquitto_sub has all messages; CLI CPU: the whole process.
- MqttClient rate: from the publisher's first PublishAsync (after .NET start-up and CONNECT) until the subscriber
  has acknowledged the last message; MqttClient CPU: Process.TotalProcessorTime from the first to the last message
  (JIT warm-up included), and "after warm-up" from message $((COUNT / 5)) on.
- MqttBench runs with ThreadPoolSpinCount=0 (no idle spinning in the thread pool), as the gateway should; the
  "default pool spinning" row runs it with .NET's default (DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=$DEFAULT_SPIN_LIMIT).
- Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the box slows every figure).
- Raw results (variant qos run rate sub_us pub_us broker_us sub_us_after_warm_up complete):
EOF
sed 's/^/    /' "$RESULTS"
echo

ratio="$(ratios ours 1 | median)"
sub_us="$(awk -F'\t' '$1 == "ours" && $2 == 1 && $9 == "yes" { print $5 }' "$RESULTS" | median)"
verdict=PASS
check() { # check OK TEXT
  if [ "$1" = yes ]; then echo "PASS $2"; else echo "FAIL $2"; verdict=FAIL; fi
}
ok=no
[ "$ratio" != "-" ] && awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN { exit !(r >= t) }' && ok=yes
check "$ok" "QoS 1 end to end, MqttClient on both sides vs mosquitto_pub -l + mosquitto_sub: median ratio $ratio (target at least $TARGET_RATIO)"
ratio5="$(ratios ours 1 cli5 | median)"
[ "$ratio5" = "-" ] || echo "     (against mosquitto_pub/mosquitto_sub -V 5: median ratio $ratio5 ($(ratios ours 1 cli5 | range)))"
ok=no
[ "$sub_us" != "-" ] && awk -v u="$sub_us" -v t="$TARGET_SUB_US" 'BEGIN { exit !(u <= t) }' && ok=yes
check "$ok" "QoS 1 receive side, manual batched acknowledgement: median $sub_us µs of client CPU per message (target at most $TARGET_SUB_US)"
status=0
[ "$verdict" = PASS ] || status=1
if [ "$failed" -ne 0 ] || grep -q 'no$' "$RESULTS"; then
  echo "INCOMPLETE: some runs failed (see above)"
  status=2
fi
echo "$verdict"
exit "$status"

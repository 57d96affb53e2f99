#!/usr/bin/env bash
# Builds everything and runs the whole test suite. Exits non-zero on any failure.
#   deploy/test.sh                                    # everything, then the demo for 20 s (lost must be 0)
#   deploy/test.sh --filter "FullyQualifiedName~Pty"  # extra arguments go to 'dotnet test'
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$EDGEGW_ROOT"

install_prerequisites

results="$EDGEGW_ROOT/deploy/out/test-results"
rm -rf "$results"
mkdir -p "$results"

log "building (Release, warnings are errors)"
dotnet build EdgeGateway.sln -c Release -nologo -clp:ErrorsOnly

# The packaging tests check these; with a --filter they are built only if a selected test needs them.
if [ "$#" -eq 0 ]; then
  export EDGEGW_PACKAGES_DIR="$EDGEGW_ROOT/deploy/out/packages"
  rm -rf "$EDGEGW_PACKAGES_DIR"
  log "building the Debian packages"
  bash deploy/package.sh
fi

# The test classes that start edge-gateway as a process (DotNetPrograms); run again against the native build.
NATIVE_TEST_FILTER="$(printf 'FullyQualifiedName~EdgeGateway.Tests.%s|' \
  Cli.CommandLineTests Cli.DoctorCommandTests Gpio.GpioEndToEndTests Hosting.SystemdNotificationTests \
  Logging.OtlpExportTests Observability.MetricsEndToEndTests Operations.McpConfigurationTests \
  Operations.McpHttpEndToEndTests Operations.McpKafkaEndToEndTests Operations.McpPersonalDataTests \
  Operations.McpStdioTests Pipeline.BadInputTests Pipeline.CrashTests Pipeline.EndToEndTests \
  Pipeline.ForwardingModesTests Pipeline.FullBufferBlockTests Pipeline.FullBufferDropTests Pipeline.KafkaOutageTests \
  Security.KafkaTlsGatewayTests Security.MqttTlsGatewayTests Security.SecretsAbsentTests Serial.SerialEndToEndTests \
  Status.StatusCommandTests Status.StatusEndToEndTests StreamProcessor.FieldEncryptionEndToEndTests)"
NATIVE_TEST_FILTER="${NATIVE_TEST_FILTER%|}"

log "running tests"
status=0
# A hung test is killed after 10 minutes instead of eating CI's 90.
dotnet test EdgeGateway.sln -c Release --no-build -nologo \
  --results-directory "$results" --logger "trx" --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m --blame-hang-dump-type none "$@" || status=$?

# The native build runs the same code with reflection resolved ahead of time: what it cannot do fails only at run
# time, so the tests that start edge-gateway as a process run again against it.
if [ "$#" -eq 0 ]; then
  log "building the native gateway (Native AOT) and running the process-level tests against it"
  native="$EDGEGW_ROOT/deploy/out/native"
  rm -rf "$native"
  if publish_native_gateway "$native"; then
    EDGEGW_TEST_NATIVE_GATEWAY="$native/edge-gateway" dotnet test tests/EdgeGateway.Tests -c Release --no-build -nologo \
      --results-directory "$results" --logger "trx;LogFilePrefix=native" --logger "console;verbosity=minimal" \
      --blame-hang-timeout 10m --blame-hang-dump-type none --filter "$NATIVE_TEST_FILTER" || status=1
  else
    echo "error: the native build failed" >&2
    status=1
  fi
fi

# One summary line over every test project, from the TRX result files.
passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  count() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total="$(count total)" executed="$(count executed)"
  passed=$((passed + $(count passed)))
  failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
  skipped=$((skipped + total - executed))
done
if [ "$files" -eq 0 ]; then
  echo "error: no test results were written" >&2
  exit "${status:-1}"
fi
# Failures again at the very end, so a log's tail (all CI shows) names them with their messages.
if [ "$failed" -gt 0 ] && ! command -v python3 >/dev/null; then
  grep -ho '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$results"/*.trx | sed 's/.*testName="\([^"]*\)".*/FAILED \1/' || true
elif [ "$failed" -gt 0 ]; then
  python3 - "$results"/*.trx <<'PY' || true
import os, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sys.argv[1:]:
    build = " (native build)" if os.path.basename(path).startswith("native") else ""
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        if result.get("outcome") in ("Passed", "NotExecuted"):
            continue
        message = result.findtext(".//t:Message", "", ns).strip()
        print(f"FAILED {result.get('testName')}{build}\n  {message[:1500]}")
PY
fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$failed" -gt 0 ]; then
  status=1
fi

# The demo itself, short, on the build above: it must report lost = 0 (exit code 0).
if [ "$#" -eq 0 ]; then
  log "running the demo for 20 s (deploy/demo.sh --duration 20 --no-build)"
  bash deploy/demo.sh --duration 20 --no-build || { echo "error: the demo failed" >&2; status=1; }
fi
exit "$status"

#!/usr/bin/env bash
# Shared by deploy/test.sh and deploy/demo.sh: find the repository, install what is missing.
# Idempotent: a second run installs nothing and takes a second.

EDGEGW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export EDGEGW_ROOT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The Debian packages the gateway, the simulator and the tests use.
EDGEGW_PACKAGES=(mosquitto mosquitto-clients librdkafka1 kcat socat libgpiod2 openssl file systemd)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' (install sudo or run as root)"
  fi
}

# Installs every package of "$@" that is not installed yet; does nothing when all are there.
install_packages() {
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${missing[*]} by hand (this project targets Debian)"
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The .NET SDK is not in Debian's archive; say how to get it rather than fail obscurely.
require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    die "the .NET 10 SDK is required (dotnet not on PATH): see https://learn.microsoft.com/dotnet/core/install/linux-debian"
  fi
  local version
  version="$(dotnet --version 2>/dev/null || true)"
  case "$version" in
    10.*) ;;
    *) die "the .NET 10 SDK is required (found '${version:-none}'); global.json pins the 10.0.4xx band" ;;
  esac
}

install_prerequisites() {
  require_dotnet
  install_packages "${EDGEGW_PACKAGES[@]}"
}

# Publishes the native gateway (Native AOT: no JIT, about a third less memory; README "Native build") for this
# machine's architecture into "$1". The AOT compiler links with a C toolchain: clang (any version Debian has) and
# zlib's headers, installed when missing.
publish_native_gateway() {
  local out="$1" cc rid
  case "$(uname -m)" in
    x86_64) rid=linux-x64 ;;
    aarch64) rid=linux-arm64 ;;
    *) die "Native AOT builds for x86_64 and aarch64 only, not $(uname -m)" ;;
  esac
  cc="$(command -v clang || true)"
  if [ -z "$cc" ]; then
    cc="$(find /usr/bin -maxdepth 1 -name 'clang-[0-9]*' | sort -V | tail -n 1)"
  fi
  if [ -z "$cc" ]; then
    install_packages clang
    cc=clang
  fi
  install_packages zlib1g-dev
  dotnet publish "$EDGEGW_ROOT/src/EdgeGateway" -c Release -r "$rid" -p:PublishAot=true \
    -p:CppCompilerAndLinker="$(basename "$cc")" -nologo -clp:ErrorsOnly -o "$out"
}

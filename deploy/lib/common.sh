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

# Publishes the native gateway (Native AOT: no JIT, no .NET runtime on the device, about a third less memory; README
# "Native build") into "$1", for this machine's architecture or "$2" (amd64 or arm64; arm64 on an amd64 machine is a
# cross build with Debian's aarch64 toolchain). The AOT compiler links with clang (any version Debian has); what is
# missing is installed.
publish_native_gateway() {
  local out="$1" arch="${2:-}" host rid cc extra=()
  case "$(uname -m)" in
    x86_64) host=amd64 ;;
    aarch64) host=arm64 ;;
    *) host="$(uname -m)" ;;
  esac
  arch="${arch:-$host}"
  case "$arch" in
    amd64) rid=linux-x64 ;;
    arm64) rid=linux-arm64 ;;
    *) die "Native AOT builds for amd64 and arm64, not '$arch' (32-bit ARM keeps the JIT build)" ;;
  esac
  cc="$(command -v clang || true)"
  if [ -z "$cc" ]; then
    cc="$(find /usr/bin -maxdepth 1 -name 'clang-[0-9]*' | sort -V | tail -n 1)"
  fi
  if [ -z "$cc" ]; then
    install_packages clang
    cc=clang
  fi
  if [ "$arch" = "$host" ]; then
    install_packages zlib1g-dev
  elif [ "$host/$arch" = amd64/arm64 ]; then
    # clang finds Debian's cross gcc (crt files, libgcc) by itself; lld links aarch64, binutils strips it.
    install_packages gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu lld
    extra=(-p:LinkerFlavor=lld -p:ObjCopyName=aarch64-linux-gnu-objcopy)
  else
    die "cannot build a native $arch gateway on $host (amd64 builds amd64 and arm64, arm64 builds arm64)"
  fi
  dotnet publish "$EDGEGW_ROOT/src/EdgeGateway" -c Release -r "$rid" -p:PublishAot=true \
    -p:CppCompilerAndLinker="$(basename "$cc")" "${extra[@]}" -nologo -clp:ErrorsOnly -o "$out"
}

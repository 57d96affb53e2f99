#!/usr/bin/env bash
# Builds the edge-gateway Debian packages, one per architecture, with dpkg-deb.
#   deploy/package.sh                      # amd64, arm64 and armhf
#   deploy/package.sh amd64                # only these architectures
#   EDGEGW_PACKAGES_DIR=DIR deploy/package.sh   # where the .deb files go (default deploy/out/packages)
# amd64 is self-contained (this mirror has the linux-x64 runtime packs only); arm64 and armhf are
# framework-dependent and depend on Microsoft's aspnetcore-runtime-10.0 (README: Install on an edge device).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$EDGEGW_ROOT"

require_dotnet
install_packages file

architectures=("$@")
[ "${#architectures[@]}" -gt 0 ] || architectures=(amd64 arm64 armhf)
out="${EDGEGW_PACKAGES_DIR:-$EDGEGW_ROOT/deploy/out/packages}"
mkdir -p "$out"
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)"
[ -n "$version" ] || die "no <Version> in Directory.Build.props"

# Runtime libraries .NET itself needs (self-contained or not), plus what the gateway loads.
common_depends="libc6, libgcc-s1, libstdc++6, zlib1g, libssl3, librdkafka1, libgpiod2, passwd"

build_one() {
  local arch="$1" rid self_contained depends
  case "$arch" in
    amd64) rid=linux-x64 self_contained=true depends="$common_depends" ;;
    arm64) rid=linux-arm64 self_contained=false depends="$common_depends, aspnetcore-runtime-10.0" ;;
    armhf) rid=linux-arm self_contained=false depends="$common_depends, aspnetcore-runtime-10.0" ;;
    *) die "unknown architecture '$arch' (amd64, arm64, armhf)" ;;
  esac

  local work="$EDGEGW_ROOT/deploy/out/package-build/$arch"
  local root="$work/root" app="$work/root/usr/lib/edge-gateway"
  rm -rf "$work"
  mkdir -p "$app"

  log "publishing $rid (self-contained: $self_contained)"
  local publish_args=(-c Release -r "$rid" --self-contained "$self_contained" -o "$app" -nologo -clp:ErrorsOnly
    -p:SatelliteResourceLanguages=en -p:GenerateDocumentationFile=false)
  if [ "$self_contained" = false ]; then
    # No apphost: the linux-arm64/arm apphost packs are not in this mirror; a launcher runs 'dotnet' instead.
    publish_args+=(-p:UseAppHost=false)
  fi
  dotnet publish src/EdgeGateway/EdgeGateway.csproj "${publish_args[@]}"

  # Native libraries of other platforms that some packages carry along.
  rm -rf "$app/runtimes"
  find "$app" -name '*.xml' -delete
  find "$app" -type f -exec chmod 0644 {} +

  mkdir -p "$root/usr/bin"
  if [ "$self_contained" = true ]; then
    chmod 0755 "$app/edge-gateway"
    ln -s ../lib/edge-gateway/edge-gateway "$root/usr/bin/edge-gateway"
  else
    cat > "$root/usr/bin/edge-gateway" <<'LAUNCHER'
#!/bin/sh
# Runs the framework-dependent gateway with the system's .NET runtime (aspnetcore-runtime-10.0).
exec "${DOTNET_ROOT:+$DOTNET_ROOT/}dotnet" /usr/lib/edge-gateway/edge-gateway.dll "$@"
LAUNCHER
    chmod 0755 "$root/usr/bin/edge-gateway"
  fi

  install -D -m 0644 deploy/package/gateway.json "$root/etc/edge-gateway/gateway.json"
  install -D -m 0644 deploy/package/devices.json "$root/etc/edge-gateway/devices.json"
  install -D -m 0644 deploy/package/mosquitto.conf "$root/etc/edge-gateway/mosquitto.conf"
  install -D -m 0644 deploy/package/edge-gateway.service "$root/usr/lib/systemd/system/edge-gateway.service"
  install -D -m 0644 README.md "$root/usr/share/doc/edge-gateway/README.md"
  install -D -m 0644 src/EdgeGateway/Forwarding/WIRE-FORMAT.md "$root/usr/share/doc/edge-gateway/WIRE-FORMAT.md"
  install -D -m 0644 src/EdgeGateway/Forwarding/batch-arguments.schema.json "$root/usr/share/doc/edge-gateway/batch-arguments.schema.json"
  install -d -m 0750 "$root/var/lib/edge-gateway"

  mkdir -p "$root/DEBIAN"
  install -m 0755 deploy/package/debian/postinst deploy/package/debian/prerm deploy/package/debian/postrm "$root/DEBIAN/"
  printf '%s\n' /etc/edge-gateway/gateway.json /etc/edge-gateway/devices.json /etc/edge-gateway/mosquitto.conf > "$root/DEBIAN/conffiles"
  cat > "$root/DEBIAN/control" <<CONTROL
Package: edge-gateway
Version: $version
Architecture: $arch
Maintainer: EdgeGateway team <edge-gateway@example.city>
Section: net
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Recommends: mosquitto
Description: edge gateway for smart-city sensor networks
 Reads sensors over MQTT, serial and GPIO, attaches device context, buffers
 every reading durably in SQLite and forwards context-enriched batches as MCP
 JSON-RPC messages over Kafka. Configured remotely through MCP tools.
CONTROL

  local deb="$out/edge-gateway_${version}_${arch}.deb"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
  log "built $deb ($(du -h "$deb" | cut -f1))"
}

for arch in "${architectures[@]}"; do
  build_one "$arch"
done

#!/usr/bin/env bash
# Installs the system programs the e2e suites need, via apt, only when they are missing.
#
#   bash scripts/e2e-deps.sh                      # the default list below
#   bash scripts/e2e-deps.sh pkg:/path/to/bin ... # an explicit list (same format)
#
# Fast and silent-ish when everything is present: nothing touches apt unless a binary is
# missing, and `apt-get update` only runs when something must be installed.
#
# Services: Debian packages such as mosquitto start a system service on install (mosquitto on
# port 1883). The tests never use it (each starts its own process on a free port with its own
# config), but it must not linger either, so during an install service start-up is blocked
# with a temporary policy-rc.d, and a service this script installed is stopped and disabled
# afterwards. A service that was already installed before is left alone.
set -euo pipefail

# One entry per program: "<apt package>:<binary the tests run>[:<system service to keep stopped>]".
DEFAULT_DEPS=(
  "mosquitto:/usr/sbin/mosquitto:mosquitto"
  "qbittorrent-nox:/usr/bin/qbittorrent-nox"
  "transmission-daemon:/usr/bin/transmission-daemon:transmission-daemon"
  "nzbget:/usr/bin/nzbget"
  "deluged:/usr/bin/deluged:deluged"
  "deluge-web:/usr/bin/deluge-web:deluge-web"
  "chromium:/usr/bin/chromium"
)

log() { printf 'e2e-deps: %s\n' "$*"; }
die() {
  printf 'e2e-deps: ERROR: %s\n' "$*" >&2
  exit 1
}

if [[ $# -gt 0 ]]; then
  DEPS=("$@")
else
  DEPS=("${DEFAULT_DEPS[@]}")
fi

have_binary() {
  local bin=$1
  if [[ $bin == */* ]]; then
    [[ -x $bin ]]
  else
    command -v "$bin" >/dev/null 2>&1
  fi
}

missing_pkgs=()
missing_bins=()
services=()
for dep in "${DEPS[@]}"; do
  IFS=: read -r pkg bin service <<<"$dep"
  [[ -n ${pkg:-} && -n ${bin:-} ]] || die "bad entry \"$dep\": expected <package>:<binary>[:<service>]"
  if have_binary "$bin"; then
    continue
  fi
  missing_pkgs+=("$pkg")
  missing_bins+=("$bin")
  [[ -n ${service:-} ]] && services+=("$service")
done

if [[ ${#missing_pkgs[@]} -eq 0 ]]; then
  log "all present (${DEPS[*]})"
  exit 0
fi

log "missing: ${missing_bins[*]} -> installing apt packages: ${missing_pkgs[*]}"

command -v apt-get >/dev/null 2>&1 ||
  die "apt-get is not available on this machine; install these packages by hand: ${missing_pkgs[*]}"

# as_root CMD...: runs CMD as root (directly when root, else through sudo).
if [[ $(id -u) -eq 0 ]]; then
  as_root() { "$@"; }
else
  command -v sudo >/dev/null 2>&1 ||
    die "not running as root and sudo is not installed; run as root, or install by hand: ${missing_pkgs[*]}"
  if [[ -t 0 ]]; then
    as_root() { sudo "$@"; }
  else
    # No terminal to type a password into: fail instead of hanging.
    sudo -n true 2>/dev/null ||
      die "not running as root and sudo needs a password (no terminal); run as root, or install by hand: ${missing_pkgs[*]}"
    as_root() { sudo -n "$@"; }
  fi
fi

# Block service start-up during the install (honoured by invoke-rc.d and deb-systemd-invoke),
# unless the machine already has a policy (Docker images do: exit 101).
POLICY=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  if [[ $created_policy -eq 1 ]]; then
    as_root rm -f "$POLICY" || true
  fi
}
trap cleanup EXIT
if [[ ! -e $POLICY ]]; then
  printf '#!/bin/sh\n# Temporary, from media-tracker scripts/e2e-deps.sh: no service start-up during the install.\nexit 101\n' |
    as_root tee "$POLICY" >/dev/null
  as_root chmod 755 "$POLICY"
  created_policy=1
fi

apt_get() { as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q "$@"; }
apt_get update ||
  die "apt-get update failed; check the network and the apt sources, or install by hand: ${missing_pkgs[*]}"
apt_get install -y --no-install-recommends "${missing_pkgs[@]}" ||
  die "apt-get install ${missing_pkgs[*]} failed; install them by hand"

cleanup
created_policy=0

# Keep the services installed just now stopped and disabled: the tests run their own.
for service in "${services[@]+"${services[@]}"}"; do
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable --now "$service" >/dev/null 2>&1 || continue
  elif [[ -x /etc/init.d/$service ]]; then
    as_root "/etc/init.d/$service" stop >/dev/null 2>&1 || true
  else
    continue
  fi
  log "stopped the system service $service (the tests start their own)"
done

for bin in "${missing_bins[@]}"; do
  have_binary "$bin" || die "installed ${missing_pkgs[*]} but $bin is still missing"
done
log "installed: ${missing_pkgs[*]}"

#!/usr/bin/env bash
# Installs Home Assistant Core for the e2e suite into a Python virtual environment.
#
#   bash scripts/ha-venv.sh                                   # .venv-ha/ in the repository
#   MEDIA_TRACKER_HA_VENV=/path/to/venv bash scripts/ha-venv.sh   # an existing or new venv elsewhere
#
# The versions are pinned in test/e2e/home-assistant/requirements.txt (+ constraints.txt).
# A stamp in the venv records what was installed, so a second run with unchanged pins returns
# at once without asking the package index anything. HA 2024.1 needs Python 3.11: the script
# uses $MEDIA_TRACKER_HA_PYTHON, else python3.11, else python3 when that is 3.11.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQS_DIR="$ROOT/test/e2e/home-assistant"
REQUIREMENTS="$REQS_DIR/requirements.txt"
CONSTRAINTS="$REQS_DIR/constraints.txt"
DEFAULT_VENV="$ROOT/.venv-ha"
VENV="${MEDIA_TRACKER_HA_VENV:-$DEFAULT_VENV}"
STAMP="$VENV/.media-tracker-requirements"
WANT_VERSION="$(sed -n 's/^homeassistant==//p' "$REQUIREMENTS")"

log() { printf 'ha-venv: %s\n' "$*"; }
die() {
  printf 'ha-venv: ERROR: %s\n' "$*" >&2
  exit 1
}

[[ -n $WANT_VERSION ]] || die "$REQUIREMENTS pins no homeassistant version"
fingerprint="$(cat "$REQUIREMENTS" "$CONSTRAINTS" | sha256sum | cut -d' ' -f1)"

if [[ -x $VENV/bin/hass && -f $STAMP && $(cat "$STAMP") == "$fingerprint" ]]; then
  log "Home Assistant $WANT_VERSION is installed in $VENV (up to date)"
  exit 0
fi

is_311() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' >/dev/null 2>&1; }

pick_python() {
  if [[ -n ${MEDIA_TRACKER_HA_PYTHON:-} ]]; then
    is_311 "$MEDIA_TRACKER_HA_PYTHON" || die "\$MEDIA_TRACKER_HA_PYTHON ($MEDIA_TRACKER_HA_PYTHON) is not Python 3.11"
    printf '%s\n' "$MEDIA_TRACKER_HA_PYTHON"
    return
  fi
  local candidate
  for candidate in python3.11 python3 /usr/bin/python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && is_311 "$candidate"; then
      command -v "$candidate"
      return
    fi
  done
  die "Python 3.11 not found (Home Assistant $WANT_VERSION needs it); install python3.11 or set \$MEDIA_TRACKER_HA_PYTHON"
}

# Debian ships the venv module (ensurepip) in a separate package.
ensure_venv_module() {
  local py=$1
  "$py" -c 'import ensurepip, venv' >/dev/null 2>&1 && return
  [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 ||
    die "$py has no venv/ensurepip module; install python3.11-venv (Debian) and run again"
  log "installing python3.11-venv (the venv module of Debian's Python)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q update
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q install -y --no-install-recommends python3.11-venv
}

if [[ -d $VENV ]] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  # A venv whose interpreter is gone cannot be repaired; only our own default one is replaced.
  [[ $VENV == "$DEFAULT_VENV" ]] || die "$VENV exists but its Python does not run; remove it or point \$MEDIA_TRACKER_HA_VENV elsewhere"
  log "$VENV is broken (its Python does not run): recreating it"
  rm -rf "$VENV"
fi

if [[ ! -x $VENV/bin/python ]]; then
  python="$(pick_python)"
  ensure_venv_module "$python"
  log "creating $VENV with $python ($("$python" --version 2>&1))"
  "$python" -m venv "$VENV"
fi

is_311 "$VENV/bin/python" || die "$VENV runs $("$VENV/bin/python" --version 2>&1), Home Assistant $WANT_VERSION needs 3.11"

log "installing $REQUIREMENTS into $VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet -r "$REQUIREMENTS"
"$VENV/bin/python" -m pip check --disable-pip-version-check

got_version="$("$VENV/bin/hass" --version 2>/dev/null | tr -d '[:space:]')"
[[ $got_version == "$WANT_VERSION" ]] || die "$VENV/bin/hass reports version '$got_version', expected $WANT_VERSION"

printf '%s\n' "$fingerprint" >"$STAMP"
log "Home Assistant $got_version is ready in $VENV"

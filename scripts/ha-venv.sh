#!/usr/bin/env bash
# Installs the Home Assistant Cores of the e2e suite, each into its own Python virtual environment:
#
#   2024.1  the oldest HA the suite runs (config.yaml promises 2023.9), on Python 3.11, in .venv-ha/
#           pins: test/e2e/home-assistant/requirements.txt (+ constraints.txt)
#   2025.4  the newest HA the package index serves for Python 3.13, in .venv-ha-2025/
#           pins: test/e2e/home-assistant/2025/requirements.txt (+ constraints.txt)
#
#   bash scripts/ha-venv.sh                                    # both
#   MEDIA_TRACKER_HA_VERSIONS=2025.4 bash scripts/ha-venv.sh   # one (a space- or comma-separated list)
#   MEDIA_TRACKER_HA_VENV=/path  MEDIA_TRACKER_HA_2025_VENV=/path   # venvs elsewhere (the suite reads the same)
#   MEDIA_TRACKER_HA_PYTHON=/path/python3.11  MEDIA_TRACKER_HA_2025_PYTHON=/path/python3.13
#
# A stamp in each venv records what was installed, so a second run with unchanged pins returns at
# once without asking the package index anything. pip's output goes to <venv>/pip-install.log;
# only a summary (and the log's tail on a failure) is printed. Python 3.13 is looked up as
# python3.13, then in pyenv ($(pyenv root), else ~/.pyenv) as versions/3.13.*.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSIONS="${MEDIA_TRACKER_HA_VERSIONS:-2024.1 2025.4}"

log() { printf 'ha-venv: %s\n' "$*"; }
die() {
  printf 'ha-venv: ERROR: %s\n' "$*" >&2
  exit 1
}

is_python() { "$1" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$2' else 1)" >/dev/null 2>&1; }

pyenv_root() {
  if command -v pyenv >/dev/null 2>&1; then pyenv root; else printf '%s\n' "$HOME/.pyenv"; fi
}

# pick_python <major.minor> <override>: the override, else pythonX.Y / python3 / Debian's / pyenv's.
pick_python() {
  local want=$1 override=$2 candidate
  if [[ -n $override ]]; then
    is_python "$override" "$want" || die "$override is not Python $want"
    printf '%s\n' "$override"
    return
  fi
  for candidate in "python$want" python3 "/usr/bin/python$want"; do
    if command -v "$candidate" >/dev/null 2>&1 && is_python "$candidate" "$want"; then
      command -v "$candidate"
      return
    fi
  done
  for candidate in "$(pyenv_root)/versions/$want".*/bin/python3; do
    if [[ -x $candidate ]] && is_python "$candidate" "$want"; then
      printf '%s\n' "$candidate"
      return
    fi
  done
  die "Python $want not found (Home Assistant $WANT_VERSION needs it); install python$want (or pyenv's $want) or set the override variable"
}

# Debian ships the venv module (ensurepip) in a separate package; pyenv's Pythons have it.
ensure_venv_module() {
  local py=$1 want=$2
  "$py" -c 'import ensurepip, venv' >/dev/null 2>&1 && return
  [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 ||
    die "$py has no venv/ensurepip module; install python$want-venv (Debian) and run again"
  log "installing python$want-venv (the venv module of Debian's Python)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q update
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q install -y --no-install-recommends "python$want-venv"
}

# install <label> <requirements dir> <default venv> <venv override> <python major.minor> <python override>
install() {
  local label=$1 reqs_dir=$2 default_venv=$3 venv=${4:-$3} want_python=$5 python_override=$6
  local requirements="$reqs_dir/requirements.txt" constraints="$reqs_dir/constraints.txt"
  local stamp="$venv/.media-tracker-requirements" pip_log="$venv/pip-install.log"
  WANT_VERSION="$(sed -n 's/^homeassistant==//p' "$requirements")"
  [[ -n $WANT_VERSION ]] || die "$requirements pins no homeassistant version"
  local fingerprint
  fingerprint="$(cat "$requirements" "$constraints" | sha256sum | cut -d' ' -f1)"

  if [[ -x $venv/bin/hass && -f $stamp && $(cat "$stamp") == "$fingerprint" ]]; then
    log "[$label] Home Assistant $WANT_VERSION is installed in $venv (up to date)"
    return
  fi

  if [[ -d $venv ]] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    # A venv whose interpreter is gone cannot be repaired; only our own default one is replaced.
    [[ $venv == "$default_venv" ]] || die "$venv exists but its Python does not run; remove it or point the venv variable elsewhere"
    log "[$label] $venv is broken (its Python does not run): recreating it"
    rm -rf "$venv"
  fi

  if [[ ! -x $venv/bin/python ]]; then
    local python
    python="$(pick_python "$want_python" "$python_override")"
    ensure_venv_module "$python" "$want_python"
    log "[$label] creating $venv with $python ($("$python" --version 2>&1))"
    "$python" -m venv "$venv"
  fi

  is_python "$venv/bin/python" "$want_python" || die "$venv runs $("$venv/bin/python" --version 2>&1), Home Assistant $WANT_VERSION needs $want_python"

  log "[$label] installing $requirements into $venv (pip log: $pip_log)"
  local started=$SECONDS
  if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -r "$requirements" >"$pip_log" 2>&1 ||
    ! "$venv/bin/python" -m pip check --disable-pip-version-check >>"$pip_log" 2>&1; then
    tail -n 40 "$pip_log" >&2
    die "[$label] pip failed; the whole output is in $pip_log"
  fi
  local built
  built="$(sed -n 's/^Successfully built //p' "$pip_log" | tr -s ' ' | head -n1)"

  local got_version
  got_version="$("$venv/bin/hass" --version 2>/dev/null | tr -d '[:space:]')"
  [[ $got_version == "$WANT_VERSION" ]] || die "$venv/bin/hass reports version '$got_version', expected $WANT_VERSION"

  printf '%s\n' "$fingerprint" >"$stamp"
  log "[$label] Home Assistant $got_version is ready in $venv: $("$venv/bin/python" -m pip list --disable-pip-version-check 2>/dev/null | tail -n +3 | wc -l) packages in $((SECONDS - started)) s${built:+ (built from source: $built)}"
}

for version in ${VERSIONS//,/ }; do
  case $version in
    2024.1) install 2024.1 "$ROOT/test/e2e/home-assistant" "$ROOT/.venv-ha" "${MEDIA_TRACKER_HA_VENV:-}" 3.11 "${MEDIA_TRACKER_HA_PYTHON:-}" ;;
    2025.4) install 2025.4 "$ROOT/test/e2e/home-assistant/2025" "$ROOT/.venv-ha-2025" "${MEDIA_TRACKER_HA_2025_VENV:-}" 3.13 "${MEDIA_TRACKER_HA_2025_PYTHON:-}" ;;
    *) die "unknown Home Assistant version '$version' in \$MEDIA_TRACKER_HA_VERSIONS (known: 2024.1 2025.4)" ;;
  esac
done

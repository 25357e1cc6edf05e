#!/usr/bin/env bash
# Builds (once) the cached venv of the Home Assistant Core peer and prints its path.
#
# The venv lives in the user's cache, so every clone and every run reuses it; it is rebuilt only
# when Tests/Interop/hass/pins.txt changes. Home Assistant is installed with its own pins (the
# wheel's package_constraints.txt) because an unconstrained resolve backtracks for minutes. What
# Home Assistant would pip-install at its first start (recorder, frontend, MQTT, …) is installed
# here by starting it once, so the tests can run it with --skip-pip and it is ready in seconds.
#
#   Tests/Interop/hass/install.sh        build if needed, print the venv path on stdout
#   OPENSENSOR_HASS_VENV=DIR             another place for the venv
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PINS=$HERE/pins.txt
VENV=${OPENSENSOR_HASS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/opensensor-test/hass-venv}
PY=/usr/bin/python3   # Debian's: Home Assistant 2024.3 needs 3.11, which bookworm ships

say() { printf '==> hass venv: %s\n' "$*" >&2; }
die() { printf 'Tests/Interop/hass/install.sh: FAILED: %s\n' "$*" >&2; exit 1; }

[[ -x $PY ]] || die "$PY is missing (apt-get install python3)"
"$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$PY is $("$PY" -V 2>&1), Home Assistant 2024.3.3 needs Python 3.11"

if [[ ! -x $VENV/bin/hass ]] || ! cmp -s "$PINS" "$VENV/.pins"; then
    say "building $VENV (a few minutes, once)"
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PY" -m venv "$VENV" || die "$PY -m venv (apt-get install python3-venv)"
    pip=("$VENV/bin/pip" --disable-pip-version-check -q)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    ha_pin=$(grep -E '^homeassistant==' "$PINS") || die "$PINS has no homeassistant== line"
    "${pip[@]}" download --no-deps -d "$work" "$ha_pin" || die "pip download $ha_pin"
    "$VENV/bin/python" - "$work" <<'PY' || die "no package_constraints.txt in the $ha_pin wheel"
import glob, sys, zipfile
work = sys.argv[1]
wheel = glob.glob(f"{work}/homeassistant-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("homeassistant/package_constraints.txt")
open(f"{work}/constraints.txt", "wb").write(data)
PY
    grep -vE '^\s*(#|$)' "$PINS" > "$work/requirements.txt"
    "${pip[@]}" install -c "$work/constraints.txt" -r "$work/requirements.txt" \
        || die "pip install $(tr '\n' ' ' < "$work/requirements.txt")"
    cp "$PINS" "$VENV/.pins"
fi

[[ -f $VENV/.warm ]] || "$HERE/warm.sh" "$VENV" || die "warming up Home Assistant's components"
echo "$VENV"

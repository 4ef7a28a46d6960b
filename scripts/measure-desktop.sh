#!/usr/bin/env bash
# Start-up time (process start to the sign-in screen) and idle memory after opening a chart, on
# the release build under Xvfb with a real Secret Service keyring. Prints JSON; the numbers in
# docs/benchmarks.md come from here.
#   scripts/measure-desktop.sh [RUNS]     (default 5 starts), on a demo clinic of 500 patients
#   TEND_MEASURE_CLINIC=DIR TEND_MEASURE_PASSPHRASE=… TEND_MEASURE_USER=… TEND_MEASURE_PASSWORD=… \
#     scripts/measure-desktop.sh 1        on a copy of another clinic
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"
target=$(bash scripts/setup.sh)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target}"
tools="${XDG_CACHE_HOME:-$HOME/.cache}/tend/tools"
bash scripts/e2e.sh --collect-only -q >/dev/null  # installs tauri-driver and selenium if needed
cargo build --locked --release -p tend-desktop -p tend-cli --quiet

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${TEND_MEASURE_CLINIC:-}" ]; then
  # Another clinic (a copy, so the measurement's sign-ins stay out of it), with the passphrase
  # and a clinician's sign-in given as TEND_MEASURE_PASSPHRASE, _USER and _PASSWORD.
  cp -r "$TEND_MEASURE_CLINIC" "$work/clinic"
  rm -f "$work/clinic/tend.lock"
else
  TEND_PASSPHRASE="demo clinic passphrase" "$CARGO_TARGET_DIR/release/tend" --data-dir "$work/clinic" demo --patients 500 --seed 1 >/dev/null
fi

# A throwaway home, so the keyring made here is not left behind in the real one.
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$XDG_DATA_HOME"
dbus-run-session -- bash -c '
  set -euo pipefail
  echo -n "measure" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$2.display" 2>/dev/null &
  xvfb=$!
  while [ ! -s "$2.display" ]; do sleep 0.05; done
  export DISPLAY=":$(cat "$2.display")"
  port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
  "$0/bin/tauri-driver" --port "$port" --native-driver /usr/bin/WebKitWebDriver >/dev/null 2>&1 &
  driver=$!
  sleep 1
  status=0
  "$0/venv/bin/python" tests/e2e/measure.py "http://127.0.0.1:$port" "$1/release/tend-desktop" "$2" "$3" || status=$?
  kill "$driver" "$xvfb" 2>/dev/null || true
  exit $status
' "$tools" "$CARGO_TARGET_DIR" "$work/clinic" "$runs" 2>"$work/measure.log" || {
  # WebKit, the driver and the keyring are chatty; their words matter only when a run fails.
  cat "$work/measure.log" >&2
  exit 1
}

#!/usr/bin/env bash
# Runs Tend on a fresh Debian/Ubuntu machine: installs what it needs (idempotently), builds, and
# opens the desktop app on the demo clinic, creating the clinic on first run.
#   scripts/run.sh                       the demo clinic in ~/.local/share/tend-demo
#   TEND_DATA_DIR=/some/folder scripts/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=$(bash scripts/setup.sh)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target}"
cargo build --locked -p tend-cli -p tend-desktop
demo_dir="${TEND_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/tend-demo}"
if [ ! -e "$demo_dir/tend.db" ]; then
  # The first run fills the new demo clinic with 500 made-up patients and their histories.
  echo "run: creating the demo clinic in $demo_dir" >&2
  TEND_PASSPHRASE="demo clinic passphrase" "$CARGO_TARGET_DIR/debug/tend" --data-dir "$demo_dir" \
    demo --patients 500 --seed 1 >/dev/null
fi
cat >&2 <<'TEXT'
run: the demo clinic's passphrase is "demo clinic passphrase" (asked only when this desktop has
     no keyring). Sign in as rosa (front desk), ana (doctor), nina (nurse) or admin, with the
     password "<name> demo password" ("demo admin password" for admin).
TEXT
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: there is no display here; opening the window on a virtual one (xvfb-run)" >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$CARGO_TARGET_DIR/debug/tend-desktop" --data-dir "$demo_dir"
fi
exec "$CARGO_TARGET_DIR/debug/tend-desktop" --data-dir "$demo_dir"

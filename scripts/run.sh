#!/usr/bin/env bash
# Runs Tend on a fresh Debian/Ubuntu machine: installs what it needs (idempotently), builds, and
# opens the demo clinic, creating it on first run. For now this is the CLI's demo; the desktop
# app takes its place when it lands.
#   scripts/run.sh                       the demo clinic in ~/.local/share/tend-demo
#   TEND_DATA_DIR=/some/folder scripts/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=$(bash scripts/setup.sh)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target}"
cargo build --locked -p tend-cli --bin tend
demo_dir="${TEND_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/tend-demo}"
# The first run fills the new demo clinic with 500 made-up patients and their histories.
first_run=()
[ -e "$demo_dir/tend.db" ] || first_run=(--patients 500 --seed 1)
exec "$CARGO_TARGET_DIR/debug/tend" --data-dir "$demo_dir" demo "${first_run[@]}" "$@"

#!/usr/bin/env bash
# End-to-end tests of the desktop app: the real window under Xvfb, driven over WebDriver.
# Installs its own tools (tauri-driver from crates.io, selenium and pytest from PyPI, in a cache
# folder outside the clone), builds the app once into the shared target folder, and leaves a
# screenshot of every step in $TEND_E2E_ARTIFACTS (default: target folder's e2e/).
#   scripts/e2e.sh              every scenario
#   scripts/e2e.sh -k doctor    arguments go to pytest
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=$(bash scripts/setup.sh)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target}"
tools="${XDG_CACHE_HOME:-$HOME/.cache}/tend/tools"
mkdir -p "$tools"

if [ ! -x "$tools/bin/tauri-driver" ]; then
  echo "e2e: installing tauri-driver 2.1.0" >&2
  cargo install tauri-driver --locked --version 2.1.0 --root "$tools" --quiet
fi
if ! "$tools/venv/bin/python" -c "import selenium, pytest, pytest_timeout" 2>/dev/null; then
  echo "e2e: installing selenium and pytest" >&2
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --requirement tests/e2e/requirements.txt
fi

echo "e2e: building the app (debug, bundled UI) and the sync server" >&2
cargo build --locked -p tend-desktop -p tend-cli --quiet
cargo build --locked --manifest-path crates/server/Cargo.toml --quiet
export TEND_SERVER_BIN="$CARGO_TARGET_DIR/debug/tend-server"
# The sync scenario needs PostgreSQL: the test command's, or a throwaway one for this run.
if [ -z "${TEND_TEST_DATABASE_URL:-}" ]; then
  eval "$(bash scripts/postgres.sh start)"
  root=$(pwd)
  trap 'bash "$root/scripts/postgres.sh" stop "$TEND_PG_DIR"' EXIT
fi
export TEND_TEST_DATABASE_URL

export PATH="$tools/bin:$PATH"
export TEND_APP="$CARGO_TARGET_DIR/debug/tend-desktop"
export TEND_CLI="$CARGO_TARGET_DIR/debug/tend"
export TEND_E2E_ARTIFACTS="${TEND_E2E_ARTIFACTS:-$CARGO_TARGET_DIR/e2e}"
rm -rf "$TEND_E2E_ARTIFACTS"
echo "e2e: screenshots go to $TEND_E2E_ARTIFACTS" >&2
cd tests/e2e
"$tools/venv/bin/python" -m pytest -p no:cacheprovider -q "$@"

#!/usr/bin/env bash
# Runs every test Tend has, on a fresh Debian/Ubuntu machine or a developer's: installs what the
# tests need (idempotently), then builds once into one shared target folder and tests.
#   scripts/test.sh            everything
#   scripts/test.sh -p tend-store   arguments go to `cargo test`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=$(bash scripts/setup.sh)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target}"
export TEND_CRASH_ROUNDS="${TEND_CRASH_ROUNDS:-100}"

# The sync tests run a real tend-server (its own cargo workspace, same target folder) against a
# throwaway PostgreSQL that lives as long as this script.
echo "test: building tend-server" >&2
cargo build --locked --manifest-path crates/server/Cargo.toml --quiet
if [ -z "${TEND_TEST_DATABASE_URL:-}" ]; then
  eval "$(bash scripts/postgres.sh start)"
  trap 'bash scripts/postgres.sh stop "$TEND_PG_DIR"' EXIT
fi
export TEND_TEST_DATABASE_URL
export TEND_SYNC_CASES="${TEND_SYNC_CASES:-256}"

echo "test: cargo test (target folder $CARGO_TARGET_DIR)" >&2
cargo test --workspace --locked "$@"

# With arguments only the cargo tests run (a developer narrowing down); otherwise the UI's unit
# tests and the end-to-end tests of the real window follow.
if [ $# -eq 0 ]; then
  echo "test: UI unit tests" >&2
  bash scripts/ui.sh test
  echo "test: end-to-end tests (real window under Xvfb)" >&2
  bash scripts/e2e.sh
fi

#!/usr/bin/env bash
# The benchmarks of docs/benchmarks.md, on the release build, with a throwaway PostgreSQL and a
# real tend-server for the sync ones.
#   scripts/bench.sh              everything (a 100,000-patient clinic: takes a while)
#   scripts/bench.sh --sync-only  just sync_first_pull and sync_round_trip
#   scripts/bench.sh --quick      small sizes: checks the benchmarks run
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=$(bash scripts/setup.sh)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target}"
cargo build --locked --release -p tend-cli --quiet
cargo build --locked --release --manifest-path crates/server/Cargo.toml --quiet
if [ -z "${TEND_BENCH_DATABASE_URL:-}" ]; then
  eval "$(bash scripts/postgres.sh start)"
  root=$(pwd)
  trap 'bash "$root/scripts/postgres.sh" stop "$TEND_PG_DIR"' EXIT
  export TEND_BENCH_DATABASE_URL="$TEND_TEST_DATABASE_URL"
fi
"$CARGO_TARGET_DIR/release/tend" bench "$@"

#!/usr/bin/env bash
# Builds the web UI into ui/dist, which the desktop shell embeds at compile time (so it must run
# before cargo builds or lints tend-desktop). Installs npm packages from the lockfile when they
# are missing or the lockfile changed. Output goes to stderr; stdout stays free for callers.
#   scripts/ui.sh          install if needed, build
#   scripts/ui.sh test     also check formatting (Prettier) and lints (ESLint), type check
#                          (svelte-check) and run the UI's unit tests (Vitest)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../ui"

command -v npm >/dev/null || { echo "ui: npm is missing; install Node.js 20.19 or later" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "ui: Node.js $(node --version) is too old; Vite needs 20.19 or later" >&2; exit 1; }

stamp=node_modules/.tend-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "ui: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$stamp"
fi

echo "ui: vite build" >&2
npx vite build --logLevel warn >&2

if [ "${1:-}" = "test" ]; then
  echo "ui: prettier --check, eslint" >&2
  npx prettier --check . >&2
  npx eslint --max-warnings 0 . >&2
  echo "ui: svelte-check" >&2
  # Warnings fail the check too (issue 20): an a11y or reactivity warning is a defect, and one
  # that is right to ignore is ignored beside its element with the reason.
  npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output human >&2
  echo "ui: vitest" >&2
  npx vitest run >&2
fi

#!/usr/bin/env bash
# Installers from `tauri build`: here (Debian) a .deb and an .rpm; the same configuration makes
# .msi on Windows, .dmg on macOS and an AppImage on a machine that can download the AppImage
# runtime (these build machines cannot, so it is not attempted here).
#   scripts/package.sh                 deb and rpm, into the target folder's release/bundle/
#   scripts/package.sh --bundles deb   arguments go to `tauri build`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=$(bash scripts/setup.sh)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target}"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--bundles deb,rpm)
cd src-tauri
exec ../ui/node_modules/.bin/tauri build "${args[@]}"

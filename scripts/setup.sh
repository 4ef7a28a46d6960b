#!/usr/bin/env bash
# Installs everything Tend needs to build, run and test on Debian/Ubuntu. Idempotent: a package
# that is already installed is not installed again, and a second run does nothing but check.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# System packages: the C toolchain for SQLCipher's vendored OpenSSL, libdbus for the Secret
# Service keyring, and the tools the tests drive (a throwaway D-Bus session with gnome-keyring,
# keyutils, poppler for reading PDFs back, openssl for the pinned-certificate sync test's own
# certificate), and for the desktop app: WebKitGTK and GTK to build
# the Tauri shell, Xvfb to give it a screen in tests, WebKitWebDriver to drive it, ImageMagick to
# take screenshots of the whole screen.
packages=(
  build-essential pkg-config perl make file
  libdbus-1-dev dbus dbus-x11 gnome-keyring libsecret-tools keyutils
  poppler-utils openssl
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libsoup-3.0-dev libssl-dev
  xvfb xauth webkit2gtk-driver imagemagick
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo is not on PATH; install Rust from https://rustup.rs" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy >/dev/null 2>&1 || true

# Node.js for the UI (Debian's nodejs when there is none; Vite needs 20.19 or later).
if ! command -v npm >/dev/null; then
  echo "setup: installing nodejs and npm" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# The desktop shell embeds ui/dist when it compiles, so the UI is built before any cargo step.
bash "$here/scripts/ui.sh"

# One cargo target directory outside the clone, shared by every crate and every command.
echo "${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tend/target}"
: "$here"

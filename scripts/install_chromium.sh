#!/usr/bin/env bash
# Make Debian's `chromium` available for the browser tests (tests/test_site.py).
# No-op when chromium is already on PATH. Never downloads a browser from anywhere but apt.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(command -v chromium)"
  exit 0
fi
if command -v chromium-browser >/dev/null 2>&1 && chromium-browser --version >/dev/null 2>&1; then
  echo "chromium-browser already installed: $(command -v chromium-browser) (the tests use it too)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: chromium is not installed and apt-get is not available on this system." >&2
  echo "Install Chromium with your package manager so that 'chromium' is on PATH, then re-run pytest." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "error: chromium is not installed, and installing it needs root (sudo is not available)." >&2
  echo "Run as root: apt-get update && apt-get install -y chromium" >&2
  exit 1
fi

echo "installing the Debian package 'chromium' with apt-get ..."
if ! $SUDO apt-get update || ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium; then
  # Ubuntu ships chromium as a snap stub; chromium-browser is the name on some releases.
  echo "error: 'apt-get install -y chromium' failed. On Ubuntu, the apt package is a snap stub:" >&2
  echo "install Chromium some other way so that 'chromium' (or /usr/bin/chromium) exists." >&2
  exit 1
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "error: apt-get finished but 'chromium' is still not on PATH." >&2
  exit 1
fi
echo "chromium installed: $(command -v chromium)"

#!/usr/bin/env bash
# Make Debian's `chromium` available for the browser tests (tests/site/), and poppler-utils'
# `pdftotext` and `pdfinfo` for the test of the book's PDF (tests/site/test_pdf.py).
# A no-op for whatever is already on PATH. Never downloads a browser from anywhere but apt.
set -euo pipefail

missing=()
if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(command -v chromium)"
elif command -v chromium-browser >/dev/null 2>&1 && chromium-browser --version >/dev/null 2>&1; then
  echo "chromium-browser already installed: $(command -v chromium-browser) (the tests use it too)"
else
  missing+=(chromium)
fi
if command -v pdftotext >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
  echo "poppler-utils already installed: $(command -v pdftotext)"
else
  missing+=(poppler-utils)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: ${missing[*]} not installed and apt-get is not available on this system." >&2
  echo "Install them with your package manager so that 'chromium' and 'pdftotext' are on PATH, then re-run pytest." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "error: ${missing[*]} not installed, and installing needs root (sudo is not available)." >&2
  echo "Run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing the Debian packages ${missing[*]} with apt-get ..."
if ! $SUDO apt-get update || ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"; then
  # Ubuntu ships chromium as a snap stub; chromium-browser is the name on some releases.
  echo "error: 'apt-get install -y ${missing[*]}' failed. On Ubuntu, the chromium apt package is a snap stub:" >&2
  echo "install Chromium some other way so that 'chromium' (or /usr/bin/chromium) exists." >&2
  exit 1
fi

for package in "${missing[@]}"; do
  command="$package"; [ "$package" = poppler-utils ] && command=pdftotext
  if ! command -v "$command" >/dev/null 2>&1; then
    echo "error: apt-get finished but '$command' is still not on PATH." >&2
    exit 1
  fi
done
echo "installed: ${missing[*]}"

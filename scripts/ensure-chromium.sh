#!/usr/bin/env bash
# Make sure Debian's chromium is installed: the browser tests drive /usr/bin/chromium through
# Playwright, which must never download a browser of its own (no `playwright install`).
# Idempotent.
set -euo pipefail

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
if ((${#need[@]})); then
  echo "installing ${need[*]} from Debian's archive"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io (and debootstrap, for the offline
# base image) when missing, start dockerd when no daemon answers. Idempotent.
set -euo pipefail

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if ((${#need[@]})); then
  echo "installing ${need[*]} from Debian's archive"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" iptables
fi

if docker info >/dev/null 2>&1; then
  exit 0
fi
echo "no Docker daemon answers: starting dockerd (log: /tmp/rlcode-dockerd.log)"
$SUDO bash -c 'setsid dockerd >/tmp/rlcode-dockerd.log 2>&1 < /dev/null &'
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
echo "dockerd did not come up; last lines of its log:" >&2
tail -20 /tmp/rlcode-dockerd.log >&2 || true
exit 1

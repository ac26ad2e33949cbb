#!/usr/bin/env bash
# Provides systemd-analyze for SystemdUnitTest: installs Debian's systemd package when the command
# is missing, and does nothing otherwise. Installing the package does not start systemd; only its
# tools are used.
set -euo pipefail

if command -v systemd-analyze >/dev/null 2>&1; then
  exit 0
fi

echo "systemd-analyze absent: installing the systemd package"
export DEBIAN_FRONTEND=noninteractive
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -q
$sudo_cmd apt-get install -y -q --no-install-recommends systemd
command -v systemd-analyze >/dev/null

#!/usr/bin/env bash
# Provides promtool for MonitoringRulesTest and DashboardMetricsTest: installs Debian's prometheus
# package, which ships it, when the command is missing, and does nothing otherwise. The package's
# Prometheus server is not started where systemd does not run, and is stopped where it does: only
# promtool is used.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi

echo "promtool absent: installing the prometheus package"
export DEBIAN_FRONTEND=noninteractive
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -q
$sudo_cmd apt-get install -y -q --no-install-recommends prometheus
$sudo_cmd systemctl disable --now prometheus >/dev/null 2>&1 || true
command -v promtool >/dev/null

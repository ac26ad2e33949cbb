#!/usr/bin/env bash
# Startup time and memory of arcfleet against the demo's embedded API server (no cluster needed):
# builds the JVM application, then starts it 1 + 5 times, each time in a fresh namespace with the demo's
# 4 sets, and prints the time from process start to /q/health/started and /q/health/ready (200 once
# every set is in line) and the resident memory (VmRSS from /proc/<pid>/status) at ready and after
# 15 s idle. A native executable in target/*-runner (./mvnw -B package -Dnative) is measured as well.
# It takes about 4 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -B -q -Pdemo package -Ddemo.main-class=dev.arcfleet.demo.StartupBenchmark "$@"

#!/usr/bin/env bash
# Startup time and memory of arcfleet against the demo's embedded API server (no cluster needed):
# builds the JVM application, then starts it 1 + 5 times with the demo's 4 sets and 1 + 5 times with an
# empty configuration (repositories: []), each time in a fresh namespace, with README's JAVA_OPTS, and
# prints the time from process start to /q/health/started and /q/health/ready (200 once every set is in
# line), the CPU time used until ready, and the resident memory (VmRSS from /proc/<pid>/status) at ready
# and after 15 s idle. A native executable in target/*-runner (./mvnw -B package -Dnative) is measured as
# well. It takes about 8 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -B -q -Pdemo package -Ddemo.main-class=dev.arcfleet.demo.StartupBenchmark "$@"

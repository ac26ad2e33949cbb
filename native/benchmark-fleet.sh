#!/usr/bin/env bash
# arcfleet end to end at fleet scale against the demo's embedded API server (no cluster needed): builds the
# JVM application, starts it as its own process for each measurement, and prints one table: start -> ready,
# full sync at 30, 300 and 1,000 sets beside raw parallel server-side apply and kubectl apply --server-side
# of the same objects, edit -> applied, idle CPU and writes, RSS, and 3,000 sets refused. Options are
# -Dbench.* properties (docs/benchmarks/README.md, "End to end"), such as -Dbench.sizes=30,300 -Dbench.idle=1m;
# other arguments go to Maven. The full run takes about 20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=()
maven=()
for arg in "$@"; do
  case "$arg" in
    -Dbench.*) bench+=("${arg#-D}") ;;
    *) maven+=("$arg") ;;
  esac
done
# Maven does not hand its -D properties to the program it runs; the benchmark reads them from here.
export BENCH_PROPERTIES="${bench[*]:-}"
exec ./mvnw -B -q -Pdemo package -Ddemo.main-class=dev.arcfleet.demo.FleetBenchmark "${maven[@]}"

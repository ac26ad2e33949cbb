#!/usr/bin/env bash
# Runs one of arcfleet's benchmarks (src/bench/java/dev/arcfleet/bench), each with this one command:
#
#   bash src/bench/run.sh NAME [-Dproperty=value ...] [Maven arguments ...]
#
# NAME              class                   what it measures (docs/benchmarks/README.md; properties: how-to-run.md)
# fleet             FleetBenchmark          end to end against the demo's API server: start -> ready, full sync at
#                                           30, 300 and 1,000 sets beside raw server-side apply and kubectl, edit ->
#                                           applied, idle CPU and writes, RSS, 3,000 sets refused (about 25 minutes)
# startup           StartupBenchmark        start -> started/ready, CPU until ready and RSS, JVM and native builds
#                                           (about 8 minutes)
# converge          ConvergeBenchmark       converging 10 repositories x 3 instances from empty, alone and beside
#                                           the ARC stand-in, and an idle cycle
# soak              SoakBenchmark           creating and pruning 30 sets round after round: heap growth
#                                           (-Darcfleet.soak.rounds=N, 500 by default)
# cache-measure     CacheMeasureBenchmark   measuring a 100,000-file cache while cycles run every 200 ms
#                                           (-Dbench.files=N), and 300 new sets' directories (as below)
# cache-measure-new CacheMeasureBenchmark   measuring 300 new sets' directories: find processes and CPU
#                                           (-Dbench.sets=N)
# cache-delete      CacheDeleteBenchmark    deleting a removed set's 100,000 root-owned files as each shipped
#                                           identity; needs root (-Dbench.files=N)
# cache-delete-beside CacheDeleteBenchmark  a set added while a removed set's 2,000,000 files are deleted: until
#                                           its directory and AutoscalingRunnerSet exist (-Dbench.beside-files=N)
#
# fleet and startup are programs: the script builds the JVM application and runs them with it through the
# demo profile (./mvnw -Pdemo package -Ddemo.main-class=...); fleet's -Dbench.* arguments are handed to it in
# BENCH_PROPERTIES, since Maven does not pass its -D properties to the program it runs. The others are JUnit
# classes, run by surefire under the benchmark profile (./mvnw -Pbenchmark test -Dtest=...), which hands every
# -D argument to the test JVM. Other arguments go to Maven. A plain ./mvnw verify compiles them all and runs none.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
name="$1"
shift
case "$name" in
  fleet|FleetBenchmark) program=FleetBenchmark ;;
  startup|StartupBenchmark) program=StartupBenchmark ;;
  converge|ConvergeBenchmark) test=ConvergeBenchmark ;;
  soak|SoakBenchmark) test=SoakBenchmark ;;
  cache-measure|CacheMeasureBenchmark) test=CacheMeasureBenchmark ;;
  cache-measure-new) test='CacheMeasureBenchmark#measureManyNewSets' ;;
  cache-delete|CacheDeleteBenchmark) test='CacheDeleteBenchmark#deleteRootOwnedCache' ;;
  cache-delete-beside) test='CacheDeleteBenchmark#newSetBesideADeletion' ;;
  -h|--help|help) usage ;;
  *) echo "unknown benchmark: $name" >&2; usage ;;
esac

if [ -n "${program:-}" ]; then
  bench=()
  maven=()
  for arg in "$@"; do
    case "$arg" in
      -Dbench.*) bench+=("${arg#-D}") ;;
      *) maven+=("$arg") ;;
    esac
  done
  export BENCH_PROPERTIES="${bench[*]:-}"
  exec ./mvnw -B -q -Pdemo package -Ddemo.main-class="dev.arcfleet.bench.$program" ${maven[@]+"${maven[@]}"}
fi
exec ./mvnw -B -Pbenchmark test -Dtest="$test" "$@"

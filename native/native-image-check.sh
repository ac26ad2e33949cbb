#!/usr/bin/env bash
# The native check: GraalVM's own native-image build of arcfleet, through points-to analysis and compilation
# to the relocatable object, without the final link (see docs/native.md).
#
# Everything comes from Maven Central and this machine: Quarkus writes the native sources, GraalVM's builder
# jars come from Maven Central (native/builder/pom.xml), and they run on a copy of Temurin's JDK 25. Maven
# Central has no native-image driver, so native/BuilderInvocation.java does its part. The check fails when
# the builder reports any error (a class initialised at build time that must not be, an unsupported feature
# that is reachable, a type missing from the class path, a configuration file it cannot read) or when
# arcfleet's own code calls reflection or resource look-ups the image could not resolve at build time.
# It prints the builder's figures: reachable types, fields and methods, step times and peak memory.
#
# Takes 15 to 35 minutes and up to 8 GB of memory on 2 cores. NATIVE_JDK (default: Temurin 25 under /usr/lib/jvm)
# and NATIVE_IMAGE_HEAP (the builder's -Xmx, default 8g) override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

jdk=${NATIVE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
heap=${NATIVE_IMAGE_HEAP:-8g}
work=$PWD/target/native-image-check

grep -q '^JAVA_VERSION="25' "$jdk/release" 2>/dev/null \
  || { echo "native check: needs a JDK 25 (set NATIVE_JDK); $jdk is not one" >&2; exit 1; }

echo "== Quarkus native sources"
./mvnw -B -q package -Dnative -Dquarkus.native.sources-only=true -DskipTests
sources=$PWD/target/native-sources
runner_jar=$(ls "$sources"/*-runner.jar)

echo "== GraalVM builder jars from Maven Central"
rm -rf "$work/builder" "$work/svm-sources" "$work/out" "$work/tmp"
./mvnw -B -q -f native/builder/pom.xml dependency:copy-dependencies -DoutputDirectory="$work/builder"
./mvnw -B -q -f native/builder/pom.xml dependency:copy-dependencies \
  -Dclassifier=sources -DincludeArtifactIds=svm -DoutputDirectory="$work/svm-sources"

# The builder loads its progress reporter's helper library from its java.home, so it runs on a copy of the JDK.
if ! cmp -s "$jdk/release" "$work/jdk/release"; then
  rm -rf "$work/jdk"
  cp -a "$jdk" "$work/jdk"
fi
mkdir -p "$work/jdk/lib/svm/builder/lib"
gcc -shared -fPIC -O2 -I"$work/jdk/include" -I"$work/jdk/include/linux" \
  -o "$work/jdk/lib/svm/builder/lib/libreporterchelper.so" native/reporterchelper.c

# What the check adds to a plain build:
# - unsupported features that are reachable fail the build instead of failing at run time;
# - configuration files that do not match their schema fail the build;
# - reflection and resource calls that the analysis cannot fold are reported for arcfleet's jar;
# - the build stops after writing the relocatable object: linking needs JDK and GraalVM static libraries
#   that neither Maven Central nor Debian has.
checks=(-H:+UnlockExperimentalVMOptions -H:-ReportUnsupportedElementsAtRuntime -H:+StrictConfiguration
  "-H:TrackDynamicAccess=path=$runner_jar,to-console,no-dump"
  -H:+ExitAfterRelocatableImageWrite "-H:TempDirectory=$work/tmp" -H:-UnlockExperimentalVMOptions)

"$work/jdk/bin/java" native/BuilderInvocation.java sources="$sources" builder-jars="$work/builder" \
  svm-sources="$(ls "$work"/svm-sources/*.jar)" clibraries="$work/clibraries" output="$work/out" \
  heap="$heap" -- "${checks[@]}"

echo "== native-image builder (log: $work/build.log)"
start=$(date +%s)
set +e
# GraalVM 25.0.4's compiler on Temurin 25.0.x: JVMCI versions differ only in the update, so warn, not stop.
# It runs in its output directory, like the driver, which resolves Quarkus's relative output paths there.
(cd "$work/out" && JVMCI_VERSION_CHECK=warn "$work/jdk/bin/java" @builder.argfile > "$work/build.log" 2>&1)
status=$?
set -e
elapsed=$(( $(date +%s) - start ))

echo "== figures"
grep -E '^\[[1-8]/8\]|found reachable|registered for|Peak RSS|^Finished generating|^(Error|Warning):|^Fatal error' \
  "$work/build.log" || true
echo "builder exit status $status after ${elapsed}s"

failures=()
(( status == 0 )) || failures+=("the builder failed (exit status $status); see $work/build.log")
object=$(ls "$work"/tmp/SVM-*/*.o 2>/dev/null | head -1 || true)
[[ -n $object ]] || failures+=("no relocatable object was written")
# The dynamic-access report lists call sites as "at <class>.<method>(<file>:<line>)".
own_calls=$(sed -n '/^Dynamic method usage detected in/,$p' "$work/build.log" | grep -E '^ +at dev\.arcfleet\.' || true)
if [[ -n $own_calls ]]; then
  sed -n '/^Dynamic method usage detected in/,/^[^ D]/{/^[^ D]/!p}' "$work/build.log"
  failures+=("arcfleet's own code makes reflection or resource calls the image cannot resolve at build time")
fi

if (( ${#failures[@]} > 0 )); then
  printf 'native check FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "native check passed: analysis and compilation done, relocatable object $(du -h "$object" | cut -f1)"

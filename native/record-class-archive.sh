#!/usr/bin/env bash
# Builds the JVM application and records target/quarkus-app/arcfleet.jsa, a class-data archive of a whole
# start, by starting it once against the demo's embedded API server (no cluster needed). Later starts that
# add -XX:SharedArchiveFile=target/quarkus-app/arcfleet.jsa (README, Run) reach ready sooner. Other
# arguments go to Maven. Takes about a minute once the build is warm.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./mvnw -B -q -Pdemo package -Ddemo.main-class=dev.arcfleet.demo.RecordClassArchive "$@"

#!/usr/bin/env bash
# Runs Baton's benchmarks side by side with ShedLock and writes results/benchmarks.{md,svg,json}.
#   bench/run.sh                                   everything (about 25 minutes on 2 cores)
#   bench/run.sh --parts failover --repeats 3      one part; the others are kept from the last run
# Options: see dev.baton.bench.BenchMain. Needs a JDK 21+ (JAVA_HOME) and free ports 5701 and
# 8080 on 127.0.0.1-5 and 5801-5803 on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
    [[ -x "$candidate/bin/java" ]] && export JAVA_HOME="$candidate" && break
  done
fi
./mvnw -q -B -ntp -DskipTests package -pl bench -am
exec "$JAVA_HOME/bin/java" -Xmx2g -cp "bench/target/baton-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  -Dbaton.node.jar=node/target/baton-node.jar dev.baton.bench.BenchMain "$@"

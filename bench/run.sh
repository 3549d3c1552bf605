#!/usr/bin/env bash
# Runs Baton's benchmarks side by side with ShedLock and db-scheduler and writes
# results/benchmarks.{md,svg,json}.
#   bench/run.sh                                   everything (about an hour and a half on 2 cores, see below)
#   bench/run.sh --parts failover --repeats 3      one part; the others are kept from the last run
#   bench/run.sh --systems dbscheduler --parts fleet
#   bench/run.sh --parts report                    rewrite the page and the chart from the JSON
# The whole run: JMH (about 9 minutes: the claim benchmark weighs the map and the registers), the fleet ramps (each step about 2 minutes: start, settle
# 60 s, window 20 s, stop; about 9 steps for each system with the fine steps, so about an hour), the
# fail-overs (4 faults x 5 repeats x 3 systems, about 20 minutes).
# Options: see dev.baton.bench.BenchMain. Needs a JDK 21+ (JAVA_HOME) and free ports 5701 and 8080
# on 127.0.0.1-5, 5801-5803 on 127.0.0.1, and 55432 (BATON_BENCH_PG_PORT) on 127.0.0.1.
#
# db-scheduler runs on a throwaway PostgreSQL that this script starts (Debian's postgresql package,
# installed if missing when run as root; as the postgres user when run as root) with its data
# under the work directory (--work, default /tmp/baton-bench), and removes when the run ends; its
# log is kept there. Tuned for a benchmark, see pg_settings below. db-scheduler's nodes take
# DBS_THREADS, DBS_POLL_MS, DBS_LOWER, DBS_UPPER, DBS_POOL, DBS_HEARTBEAT_MS and
# DBS_MISSED_HEARTBEATS from the environment (defaults: dev.baton.bench.dbscheduler.DbSchedulerSettings).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
    [[ -x "$candidate/bin/java" ]] && export JAVA_HOME="$candidate" && break
  done
fi

work=/tmp/baton-bench
parts=jmh,fleet,failover
systems=baton,shedlock,dbscheduler
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --work) work="${args[i + 1]}" ;;
    --parts) parts="${args[i + 1]}" ;;
    --systems) systems="${args[i + 1]}" ;;
  esac
done
work="$(realpath -m "$work")"
pg_port="${BATON_BENCH_PG_PORT:-55432}"
pg_sync="${BATON_BENCH_PG_SYNCHRONOUS_COMMIT:-off}"

# Benchmark settings, appended to the throwaway server's postgresql.conf:
# - synchronous_commit=off (BATON_BENCH_PG_SYNCHRONOUS_COMMIT=on to measure with it): a commit does
#   not wait for its WAL flush; a crash of the server can lose the last few hundred milliseconds of
#   commits but never corrupts. Baton keeps its records in the cluster's memory, so neither pays for
#   a disk flush per execution. fsync and full_page_writes stay on.
# - wal_level=minimal, no WAL senders: a throwaway server replicates nothing.
# - max_wal_size 4GB, checkpoint_timeout 30min: no checkpoint inside a 20 s window.
# - shared_buffers 256MB: the table and its indexes stay in memory.
# - autovacuum every second, no cost delay (the table also vacuums at 5,000 dead rows): every
#   execution updates its row twice, and indexed columns change, so dead rows pile up fast.
# - jit off: db-scheduler's statements are short; compiling them costs more than it saves.
# - max_connections 300: 3 nodes' pools (DBS_POOL, default threads + 4) with room.
pg_settings="
listen_addresses = '127.0.0.1'
port = $pg_port
max_connections = 300
shared_buffers = 256MB
synchronous_commit = $pg_sync
wal_level = minimal
max_wal_senders = 0
max_wal_size = 4GB
checkpoint_timeout = 30min
autovacuum_naptime = 1s
autovacuum_vacuum_cost_delay = 0
jit = off
"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

pg_data=""
as_postgres=()
stop_postgres() {
  [[ -n "$pg_data" && -f "$pg_data/postmaster.pid" ]] && "${as_postgres[@]}" "$(pg_bin)/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null || true
  if [[ -n "$pg_data" && -d "$pg_data" ]]; then
    cp "$pg_data/server.log" "$pg_data.log" 2>/dev/null || true
    rm -rf "$pg_data"
  fi
}

start_postgres() {
  local bin
  bin="$(pg_bin)"
  if [[ -z "$bin" ]]; then
    if [[ $EUID -eq 0 ]]; then
      echo "bench/run.sh: installing Debian's postgresql for db-scheduler" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bin="$(pg_bin)"
    fi
    if [[ -z "$bin" ]]; then
      echo "bench/run.sh: db-scheduler needs PostgreSQL's server: install it (Debian: apt-get install postgresql)" \
        "or leave db-scheduler out (--systems baton,shedlock)" >&2
      exit 1
    fi
  fi
  pg_data="$work/postgres-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$pg_data"
  if [[ $EUID -eq 0 ]]; then
    # PostgreSQL refuses to run as root.
    chown postgres: "$pg_data"
    as_postgres=(runuser -u postgres --)
  fi
  trap stop_postgres EXIT
  "${as_postgres[@]}" "$bin/initdb" -D "$pg_data" -U bench --auth=trust -E UTF8 --no-instructions >/dev/null
  printf '%s' "$pg_settings" | "${as_postgres[@]}" tee -a "$pg_data/postgresql.conf" >/dev/null
  if ! "${as_postgres[@]}" "$bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -o "-k $pg_data" -w start >/dev/null; then
    echo "bench/run.sh: PostgreSQL did not start (is port $pg_port free? BATON_BENCH_PG_PORT picks another):" >&2
    tail -n 20 "$pg_data/server.log" >&2
    exit 1
  fi
  "$bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U bench -d postgres -c 'CREATE DATABASE bench'
  echo "bench/run.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port, data in $pg_data" >&2
}

./mvnw -q -B -ntp -DskipTests package -pl bench -am
pg_args=()
if [[ ",$systems," == *",dbscheduler,"* && ( ",$parts," == *",fleet,"* || ",$parts," == *",failover,"* ) ]]; then
  start_postgres
  pg_args=(--postgres "jdbc:postgresql://127.0.0.1:$pg_port/bench?user=bench" --postgres-data "$pg_data")
fi
# The journals of a step are read whole: 2 GB ran out at 12,000 executions/s (db-scheduler, 2026-12-06).
"$JAVA_HOME/bin/java" -Xmx6g -cp "bench/target/baton-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  -Dbaton.node.jar=node/target/baton-node.jar dev.baton.bench.BenchMain "${pg_args[@]}" "$@"

package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.node.fleet.Fleet;
import dev.baton.node.fleet.NodeProcess;
import dev.baton.node.journal.JournalExecution;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three nodes whose wall clocks disagree by minutes (Hazelcast's clock offset: one 5 minutes ahead,
 * one 5 minutes behind), through a change of Hazelcast master and a whole-cluster restart: fencing
 * tokens keep increasing and no worker stalls for longer than about a period. Slots and journal
 * times follow the cluster clock, which moves when the set of members does, so this test orders
 * what it sees by its own (real) clock, polling the journals.
 */
@Order(4)
class ClockOffsetIT {

    private static final Logger log = LoggerFactory.getLogger(ClockOffsetIT.class);
    private static final long AHEAD = Duration.ofMinutes(5).toMillis();
    private static final Duration STALL_LIMIT = Duration.ofSeconds(4);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private Fleet fleet;
    /** Each execution, the first time this test saw it. */
    private final Map<String, Instant> seen = new HashMap<>();
    private final List<JournalExecution> inOrder = new ArrayList<>();
    /**
     * Per worker, the highest token of the executions seen in earlier polls. A new execution must go
     * above it; executions first seen in one poll are not ordered among themselves, because their
     * journal times follow cluster clocks that moved (no two of them can overlap anyway).
     */
    private final Map<String, Long> highestSeen = new HashMap<>();
    private final List<String> backwards = new ArrayList<>();
    private final List<String> stalls = new ArrayList<>();
    private final Map<String, Instant> lastRun = new HashMap<>();
    /** Windows (real time) where a fault excuses a pause of the drill workers (1 s periods). */
    private final List<Instant[]> faults = new ArrayList<>();

    @AfterEach
    void stopFleet() {
        if (fleet != null) {
            fleet.close();
        }
        log.info("Journals and logs of this test: {} (kept if it failed)", dir);
    }

    private static Map<String, String> offset(long millis) {
        return Map.of("JAVA_TOOL_OPTIONS", "-Dcom.hazelcast.clock.offset=" + millis);
    }

    private void startAll(int... order) throws Exception {
        for (int n : order) {
            fleet.start(n, n == 1 ? offset(AHEAD) : n == 2 ? offset(-AHEAD) : Map.of());
            fleet.node("n" + n).awaitLog("Baton started on node n" + n, Duration.ofSeconds(60));
        }
        fleet.awaitReady(Duration.ofSeconds(60));
    }

    /** Watches the journals for {@code duration}, noting new executions and workers that stop running. */
    private void watch(Duration duration) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            Instant now = Instant.now();
            List<JournalExecution> fresh = new ArrayList<>();
            for (JournalExecution e : fleet.executions()) {
                if (seen.putIfAbsent(e.executionId(), now) == null) {
                    fresh.add(e);
                    if (e.worker().startsWith("drill-")) {
                        lastRun.put(e.worker(), now);
                    }
                }
            }
            for (JournalExecution e : fresh) {
                Long before = highestSeen.get(e.worker());
                if (before != null && e.fence() <= before) {
                    backwards.add(e.worker() + ": " + e.fence() + " after " + before + " (on " + e.node() + ")");
                }
            }
            fresh.forEach(e -> highestSeen.merge(e.worker(), e.fence(), Math::max));
            inOrder.addAll(fresh);
            boolean excused = faults.stream().anyMatch(f -> !now.isBefore(f[0]) && !now.isAfter(f[1]));
            lastRun.forEach((worker, last) -> {
                if (!excused && Duration.between(last, now).compareTo(STALL_LIMIT) > 0) {
                    stalls.add(worker + " idle for " + Duration.between(last, now).toMillis() + " ms at " + now
                            + "; what the nodes logged of it last: " + loggedOf(worker));
                    lastRun.put(worker, now);
                }
            });
            Thread.sleep(200);
        }
    }

    /** The last few lines each node logged about {@code worker}, so that a failure on CI says why. */
    private String loggedOf(String worker) {
        List<String> lines = new ArrayList<>();
        for (NodeProcess n : fleet.nodes()) {
            List<String> about = n.logText().lines().filter(l -> l.contains(worker + " ") || l.contains(worker + ":")
                    || l.contains("worker=" + worker + " ")).toList();
            lines.addAll(about.subList(Math.max(0, about.size() - 4), about.size()));
        }
        return lines.toString();
    }

    private void excuse(Instant from, Duration length) {
        faults.add(new Instant[] {from, from.plus(length)});
    }

    @Test
    void fencesKeepIncreasingAndNoWorkerStallsWhenClocksDisagreeByMinutes() throws Exception {
        fleet = new Fleet(dir, 3, Map.of(
                "BATON_DRILL_WORKERS", "10",
                "BATON_DRILL_PERIOD", "1s",
                "BATON_LEASE", "5s",
                "BATON_MIN_CLUSTER_SIZE", "2",
                "BATON_PASSIVE_USERS_PERIOD", "1m"));
        // n1, five minutes ahead, starts first: the Hazelcast master.
        startAll(1, 2, 3);
        excuse(Instant.now(), Duration.ofSeconds(8));
        watch(Duration.ofSeconds(12));

        // A change of master: n1 dies; the cluster clock must not follow the new master's (behind) clock.
        Instant kill = fleet.node("n1").kill();
        excuse(kill, Duration.ofSeconds(8));
        watch(Duration.ofSeconds(12));
        // Its join costs the others a moment (migrations, then the balance); on a loaded machine the
        // process takes seconds to get there (run BE: 12 s), so the excuse runs from its start on.
        Instant restart = Instant.now();
        fleet.start(1, offset(AHEAD));
        fleet.node("n1").awaitLog("Baton started on node n1", Duration.ofSeconds(60));
        fleet.awaitReady(Duration.ofSeconds(60));
        excuse(restart, Duration.between(restart, Instant.now()).plusSeconds(10));
        watch(Duration.ofSeconds(15));

        // A whole-cluster restart, this time under a master whose clock is behind.
        Instant down = Instant.now();
        for (NodeProcess n : fleet.nodes()) {
            n.kill();
        }
        startAll(2, 3, 1);
        excuse(down, Duration.between(down, Instant.now()).plusSeconds(10));
        watch(Duration.ofSeconds(15));

        Set<String> workers = new HashSet<>(highestSeen.keySet());
        log.info("{} executions of {} workers seen; fences going back: {}; stalls: {}", inOrder.size(), workers.size(),
                backwards, stalls);
        assertThat(inOrder).hasSizeGreaterThan(200);
        assertThat(backwards).isEmpty();
        assertThat(stalls).isEmpty();
        assertThat(fleet.node("n1").logText() + fleet.node("n2").logText() + fleet.node("n3").logText())
                .as("the far-off clocks are reported").contains("off the cluster's");
    }
}

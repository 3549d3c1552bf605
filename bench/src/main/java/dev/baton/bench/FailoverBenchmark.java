package dev.baton.bench;

import dev.baton.bench.fleet.BenchFleet;
import dev.baton.bench.fleet.BenchProcess;
import dev.baton.bench.fleet.Contender;
import dev.baton.bench.fleet.Workload;
import dev.baton.node.journal.JournalExecution;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One 1 s worker on three nodes; its holder is killed with SIGKILL, frozen with SIGSTOP past the
 * heartbeat timeout, or stopped with SIGTERM, several times each. For each fault: the time from
 * the fault to the next start on another node, that start's lateness, and the slots nobody ran.
 */
public final class FailoverBenchmark {

    private static final Logger log = LoggerFactory.getLogger(FailoverBenchmark.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final String WORKER = "drill-0000";
    /** Past Hazelcast's heartbeat timeout (5 s in both systems). */
    private static final Duration FREEZE = Duration.ofSeconds(8);

    public enum Fault { KILL, FREEZE, GRACEFUL }

    /** One fault: when it hit, the next start elsewhere (ms after the fault) and the slots that never ran. */
    public record Sample(String contender, Fault fault, String victim, long timeToNextStartMs,
                         long nextStartLatenessMs, long missedSlots) {
    }

    private final int repeats;
    private final Path dir;

    public FailoverBenchmark(int repeats, Path dir) {
        this.repeats = repeats;
        this.dir = dir;
    }

    public List<Sample> run(Contender contender) throws Exception {
        Workload workload = new Workload(3, 1, PERIOD, "100ms",
                "failover-" + contender.name().toLowerCase() + "-" + ProcessHandle.current().pid());
        List<Sample> samples = new ArrayList<>();
        try (BenchFleet fleet = new BenchFleet(contender, workload, dir.resolve("failover-"
                + contender.name().toLowerCase()))) {
            fleet.startAll();
            fleet.await(e -> e.size() >= 5, Duration.ofSeconds(60), "the worker to run");
            fleet.awaitWhole(3, Duration.ofSeconds(60));
            Thread.sleep(3000);
            for (Fault fault : Fault.values()) {
                for (int i = 0; i < repeats; i++) {
                    samples.add(inject(contender, fleet, fault));
                }
            }
        }
        return samples;
    }

    private Sample inject(Contender contender, BenchFleet fleet, Fault fault) throws Exception {
        JournalExecution latest = fleet.executions().stream().max(Comparator.comparing(JournalExecution::start))
                .orElseThrow();
        BenchProcess victim = fleet.node(latest.node());
        // Strike between executions: half a period after a slot, when the 100 ms run is done.
        long now = System.currentTimeMillis();
        long nextHalf = (now / PERIOD.toMillis()) * PERIOD.toMillis() + PERIOD.toMillis() / 2;
        Thread.sleep(Math.max(0, (nextHalf > now ? nextHalf : nextHalf + PERIOD.toMillis()) - now));
        Instant at = switch (fault) {
            case KILL -> victim.kill();
            case FREEZE -> victim.freeze();
            case GRACEFUL -> victim.stop();
        };
        fleet.await(e -> e.stream().anyMatch(x -> x.start().isAfter(at) && !x.node().equals(victim.id())),
                Duration.ofSeconds(60), "another node to run " + WORKER + " after " + fault);
        JournalExecution next = fleet.executions().stream()
                .filter(x -> x.start().isAfter(at) && !x.node().equals(victim.id()))
                .min(Comparator.comparing(JournalExecution::start)).orElseThrow();
        long missed = missedSlots(fleet.executions(), at, next.start());
        Sample sample = new Sample(contender.label(), fault, victim.id(), Duration.between(at, next.start()).toMillis(),
                Duration.between(next.slot(), next.start()).toMillis(), missed);
        log.info("{}", sample);

        if (fault == Fault.FREEZE) {
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), at.plus(FREEZE)).toMillis()));
            victim.thaw();
        } else {
            fleet.start(Integer.parseInt(victim.id().substring(1)));
        }
        // The node rejoins (or merges back) before the next fault; then a few quiet slots.
        fleet.awaitWhole(3, Duration.ofSeconds(120));
        Thread.sleep(3000);
        return sample;
    }

    /**
     * Slots due after the fault, up to the next start, that nobody started: those a late next start
     * coalesced count as missed too.
     */
    private static long missedSlots(List<JournalExecution> executions, Instant from, Instant until) {
        Set<Long> ran = executions.stream().map(e -> e.slot().toEpochMilli()).collect(Collectors.toSet());
        long periodMs = PERIOD.toMillis();
        long missed = 0;
        for (long s = (from.toEpochMilli() / periodMs + 1) * periodMs; s <= until.toEpochMilli(); s += periodMs) {
            if (!ran.contains(s)) {
                missed++;
            }
        }
        return missed;
    }
}

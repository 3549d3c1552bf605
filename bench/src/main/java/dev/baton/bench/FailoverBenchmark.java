package dev.baton.bench;

import dev.baton.bench.fleet.BenchFleet;
import dev.baton.bench.fleet.BenchProcess;
import dev.baton.bench.fleet.Contender;
import dev.baton.bench.fleet.Postgres;
import dev.baton.bench.fleet.Workload;
import dev.baton.node.journal.JournalExecution;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One 1 s worker doing 100 ms of work on three nodes; the node running it is killed with SIGKILL
 * between executions or during one, frozen with SIGSTOP past the heartbeat timeout, or stopped
 * with SIGTERM, several times each. For each fault: the time from the fault to the next start on
 * another node, that start's lateness, the slots nobody ran, and after a kill during an execution,
 * when the slot it cut short ran again elsewhere.
 */
public final class FailoverBenchmark {

    private static final Logger log = LoggerFactory.getLogger(FailoverBenchmark.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final String WORKER = "drill-0000";
    /** Past Hazelcast's heartbeat timeout (5 s in both systems that use it). */
    private static final Duration FREEZE = Duration.ofSeconds(8);
    /** How long a re-run of a cut-short slot may still come after the next start elsewhere. */
    private static final Duration RERUN_GRACE = Duration.ofSeconds(2);
    /** How long a fault may leave the worker unrun before the run records "none" and goes on. */
    private static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(60);

    /** The faults, in the order they are injected. */
    public enum Fault {
        /** SIGKILL half a period after a slot, when the 100 ms execution is over. */
        KILL,
        /** SIGKILL while the node runs an execution: the slot it cut short should run again elsewhere. */
        KILL_DURING,
        /** SIGSTOP half a period after a slot, SIGCONT 8 s later. */
        FREEZE,
        /** SIGTERM half a period after a slot: a graceful shutdown. */
        GRACEFUL
    }

    /**
     * One fault: when it hit, the next start elsewhere (ms after the fault), that start's lateness,
     * the slots that never ran, and for {@link Fault#KILL_DURING} when the cut-short slot started
     * again elsewhere (ms after the fault; -1 if it never did; null for the other faults).
     */
    public record Sample(String contender, Fault fault, String victim, long timeToNextStartMs,
                         long nextStartLatenessMs, long missedSlots, Long cutSlotRerunMs) {
    }

    private final int repeats;
    private final Optional<Postgres> postgres;
    private final Path dir;

    public FailoverBenchmark(int repeats, Optional<Postgres> postgres, Path dir) {
        this.repeats = repeats;
        this.postgres = postgres;
        this.dir = dir;
    }

    public List<Sample> run(Contender contender) throws Exception {
        Workload workload = new Workload(3, 1, PERIOD, "100ms",
                "failover-" + contender.name().toLowerCase() + "-" + ProcessHandle.current().pid());
        List<Sample> samples = new ArrayList<>();
        try (BenchFleet fleet = new BenchFleet(contender, workload, postgres, dir.resolve("failover-"
                + contender.name().toLowerCase()))) {
            fleet.startAll(Duration.ofSeconds(60));
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
        BenchProcess victim;
        Optional<JournalExecution> cut = Optional.empty();
        if (fault == Fault.KILL_DURING) {
            cut = Optional.of(awaitRunning(fleet));
            victim = fleet.node(cut.get().node());
        } else {
            JournalExecution latest = fleet.executions().stream()
                    .max(Comparator.comparing(JournalExecution::start)).orElseThrow();
            victim = fleet.node(latest.node());
            // Strike between executions: half a period after a slot, when the 100 ms run is done.
            long now = System.currentTimeMillis();
            long nextHalf = (now / PERIOD.toMillis()) * PERIOD.toMillis() + PERIOD.toMillis() / 2;
            Thread.sleep(Math.max(0, (nextHalf > now ? nextHalf : nextHalf + PERIOD.toMillis()) - now));
        }
        Instant at = switch (fault) {
            case KILL, KILL_DURING -> victim.kill();
            case FREEZE -> victim.freeze();
            case GRACEFUL -> victim.stop();
        };
        Sample sample = measure(contender, fleet, fault, victim, at, cut);
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
     * Waits for the next start on another node. None within {@link #TAKEOVER_LIMIT} is a result too
     * (-1 for the times, every slot of the wait missed): the run records it and goes on to the next
     * fault once the fleet is whole again.
     */
    private Sample measure(Contender contender, BenchFleet fleet, Fault fault, BenchProcess victim, Instant at,
                           Optional<JournalExecution> cut) throws InterruptedException {
        if (!fleet.within(e -> e.stream().anyMatch(x -> x.start().isAfter(at) && !x.node().equals(victim.id())),
                TAKEOVER_LIMIT)) {
            log.warn("{}: no node but {} ran {} within {} of {}", contender.label(), victim.id(), WORKER,
                    TAKEOVER_LIMIT, fault);
            return new Sample(contender.label(), fault, victim.id(), -1, -1,
                    missedSlots(fleet.executions(), at, Instant.now()), cut.isPresent() ? -1L : null);
        }
        JournalExecution next = fleet.executions().stream()
                .filter(x -> x.start().isAfter(at) && !x.node().equals(victim.id()))
                .min(Comparator.comparing(JournalExecution::start)).orElseThrow();
        Long rerun = null;
        if (cut.isPresent()) {
            Thread.sleep(RERUN_GRACE.toMillis());
            rerun = rerunOf(fleet.executions(), cut.get(), at).map(r -> Duration.between(at, r.start()).toMillis())
                    .orElse(-1L);
        }
        return new Sample(contender.label(), fault, victim.id(), Duration.between(at, next.start()).toMillis(),
                Duration.between(next.slot(), next.start()).toMillis(), missedSlots(fleet.executions(), at,
                next.start()), rerun);
    }

    /** Waits for a node to be in the middle of an execution: its start is journaled, its end is not. */
    private static JournalExecution awaitRunning(BenchFleet fleet) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Instant recent = Instant.now().minusMillis(50);
            Optional<JournalExecution> running = fleet.executions().stream()
                    .filter(e -> e.end().isEmpty() && e.start().isAfter(recent)).findFirst();
            if (running.isPresent()) {
                return running.get();
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no execution of " + WORKER + " caught running within 20 s");
    }

    /**
     * The first start elsewhere, after the kill, of the slot the kill cut short: the same slot, or a
     * run its system marks as a re-run (db-scheduler reschedules a dead execution to the moment it
     * finds it, so its re-run has that moment as its slot).
     */
    private static Optional<JournalExecution> rerunOf(List<JournalExecution> executions, JournalExecution cut,
                                                      Instant kill) {
        return executions.stream()
                .filter(e -> e.start().isAfter(kill) && !e.node().equals(cut.node()))
                .filter(e -> e.slot().equals(cut.slot()) || e.kind().equals("RERUN"))
                .min(Comparator.comparing(JournalExecution::start));
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

package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Claims and ends through the workers' registers (step 3 of docs/records-in-the-lock-tables.md), as
 * {@link RegisterRecords} writes them, in the hostile simulated cluster of
 * {@link RegisterLeaseSimulationTest}: each node takes a worker's lock now and then, claims the
 * current one-second slot (or re-runs one left unfinished), holds it a while and writes its end,
 * while nodes are isolated, split, frozen, crashed and restarted with their disks and messages are
 * lost or late. Checked at every grant, as the engine would see it: no slot granted twice but as a
 * re-run, fencing tokens rising, and claims still granted after the last fault.
 *
 * <p>{@code -Dbaton.simulation.registerClaimSeeds=N} runs N seeds (default 20).
 */
class RegisterClaimSimulationTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final List<String> WORKERS = List.of("a", "b", "c");
    private static final int LAST_FAULT = 30_000;
    private static final int END = 45_000;

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.simulation.registerClaimSeeds", 20)).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void noSlotGrantedTwiceButAsARerunAndTokensRise(long seed) {
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
        net.registersOn = true;
        net.dropRate = 0.03;
        net.longDelay = LEASE + MARGIN;
        net.longDelayRate = 0.003;
        net.removalDelay = 3_600_000 * MS;
        net.voters(3);
        Claims claims = new Claims(net, 1000, 1500);
        StringBuilder faults = new StringBuilder();
        long quietUntil = 3000;
        int grantedAtLastFault = 0;
        for (int t = 0; t < END; t += 10) {
            if (t >= quietUntil && t <= LAST_FAULT && net.random.nextInt(300) == 0) {
                quietUntil = t + RegisterLeaseSimulationTest.inject(net, faults, t) + 6000;
            }
            if (t == LAST_FAULT + 8000) {
                grantedAtLastFault = claims.grants;
            }
            claims.step();
            net.run(10);
            for (String w : WORKERS) {
                if (net.holders(w).size() > 1) {
                    claims.violations.add("t=" + t + "ms: " + net.holders(w) + " all hold " + w);
                }
            }
        }

        assertThat(claims.violations).as("faults: %s", faults).isEmpty();
        assertThat(claims.grants).as("claims granted (faults: %s)", faults).isGreaterThan(30);
        assertThat(claims.grants - grantedAtLastFault).as("claims granted after the last fault (faults: %s)", faults)
                .isPositive();
        assertThat(claims.ended).as("ends chosen (faults: %s)", faults).isPositive();
    }

    /**
     * Three to five nodes claiming while nodes join, leave, crash and come back with or without their
     * disks, the network splits and heals and processes freeze, as in {@link RegisterChurnSimulationTest}.
     * Claims may stall for good where no node reaches a majority of its voters (that test tells when), so
     * only safety is checked here, per lineage: a node that founds a cluster of its own starts a new chain.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void noSlotGrantedTwiceButAsARerunWhileTheVotersChange(long seed) {
        SimulatedNetwork net = RegisterChurnSimulationTest.churnCluster(seed, false, VoterPulls.PIECE, true);
        // Slots of 100 ms and short runs: many claims, so that a value lost in a change of voters shows.
        Claims claims = new Claims(net, 100, 150);
        StringBuilder faults = new StringBuilder();
        int[] newIds = {100};
        for (int t = 0; t < 60_000; t += 10) {
            if (t < 40_000 && net.random.nextInt(200) == 0) {
                SimulatedFaults.churn(net, RegisterChurnSimulationTest.CHURN, t, faults, newIds);
            }
            if (t == 45_000) {
                net.heal();
                net.nodes.forEach(n -> n.frozen = false);
            }
            claims.step();
            net.run(10);
        }

        assertThat(claims.violations).as("faults: %s", faults).isEmpty();
        assertThat(claims.grants).as("claims granted (faults: %s)", faults).isPositive();
    }

    /** A node's work on one worker, as the engine does it: lock, claim, run, end, release. */
    private static final class Job {
        CompletableFuture<Boolean> lock;
        long lockAskedAt;
        CompletableFuture<SlotState> claim;
        String lineage;
        long claimId;
        long claimedAt;
        SlotState granted;
        long endAt;
        CompletableFuture<SlotState> end;
        CompletableFuture<Void> released;
        long lastSlotTried = Long.MIN_VALUE;
    }

    private record Grant(long slot, ClaimRequest.Kind kind, long fence, String session) {
    }

    /** An end learned chosen: when the run ended, and when its writer learned it. */
    private record End(long finishedAt, long learnedAt) {
    }

    static final class Claims {
        private final SimulatedNetwork net;
        private final Map<String, Job> jobs = new HashMap<>();
        private final Map<String, List<Grant>> granted = new HashMap<>();
        private final Map<String, End> lastEnd = new HashMap<>();
        private final Map<String, RegisterRecords> recordsOf = new HashMap<>();
        final List<String> violations = new ArrayList<>();
        int grants;
        int ended;

        private final long period;
        private final int longestRun;

        /** Claims slots of {@code period} milliseconds, each run lasting up to {@code longestRun}. */
        Claims(SimulatedNetwork net, long period, int longestRun) {
            this.net = net;
            this.period = period;
            this.longestRun = longestRun;
        }

        void step() {
            long now = net.clock.get();
            for (SimulatedNetwork.SimNode n : net.nodes) {
                if (!n.healthy()) {
                    continue;
                }
                // One per session, as a node has one: it keeps each worker's writes in turn.
                RegisterRecords records = recordsOf.computeIfAbsent(n.session.id,
                        k -> new RegisterRecords(n.nodeId, n.registers, n.table, Duration.ZERO));
                for (String w : WORKERS) {
                    Job job = jobs.computeIfAbsent(n.index + "/" + n.session.id + "/" + w, k -> new Job());
                    step(n, records, w, job, now);
                }
            }
        }

        private void step(SimulatedNetwork.SimNode n, RegisterRecords records, String w, Job job, long now) {
            LocalSession s = n.session;
            long millis = now / MS;
            if (job.end != null) {
                if (job.end.isDone()) {
                    SlotState after = job.end.getNow(null);
                    if (after != null) {
                        ended++;
                        lastEnd.merge(job.lineage + "/" + w, new End(after.finishedAt(), millis),
                                (a, b) -> a.finishedAt() >= b.finishedAt() ? a : b);
                    }
                    s.release(w, after == null);
                    job.released.complete(null);
                    reset(job);
                }
            } else if (job.granted != null) {
                if (!s.holds(w)) {
                    // Lost while running: the slot counts as cut short, as the engine's lease listener makes it.
                    s.release(w, true);
                    reset(job);
                } else if (millis >= job.endAt) {
                    Outcome outcome = net.random.nextInt(4) == 0 ? Outcome.FAILED : Outcome.SUCCEEDED;
                    job.released = new CompletableFuture<>();
                    job.end = records.complete(s, w, job.granted.fence(), job.claimId, outcome, millis, job.released);
                }
            } else if (job.claim != null) {
                if (job.claim.isDone()) {
                    SlotState v = job.claim.getNow(null);
                    if (v != null && v.isRunning() && v.running().claimId() == job.claimId && s.holds(w)) {
                        grant(job.lineage + "/" + w, v, job.claimedAt, millis);
                        job.granted = v;
                        job.endAt = millis + net.random.nextInt(longestRun);
                    } else {
                        s.release(w, v == null && !s.holds(w));
                        reset(job);
                    }
                }
            } else if (job.lock != null) {
                if (job.lock.isDone() && Boolean.TRUE.equals(job.lock.getNow(false)) && s.holds(w)) {
                    long slot = millis / period * period;
                    if (slot > job.lastSlotTried) {
                        job.lastSlotTried = slot;
                        job.claimId = s.nextClaimId();
                        job.lineage = n.voters.current().lineage();
                        job.claimedAt = millis;
                        ClaimRules.Claim claim = new ClaimRules.Claim(
                                ClaimRequest.scheduledOrRerun(w, Instant.ofEpochMilli(slot)), n.nodeId, s.id,
                                job.claimId, millis, millis, 0, ClaimRules.REBASE_MIN_MILLIS);
                        job.claim = records.claim(s, claim, CompletableFuture.completedFuture(null));
                    } else {
                        s.release(w, false);
                        job.lock = null;
                    }
                } else if (job.lock.isDone() || now - job.lockAskedAt > LEASE / 2) {
                    s.release(w, false);
                    job.lock = null;
                }
            } else if (net.random.nextInt(period < 1000 ? 3 : 30) == 0) {
                job.lock = s.acquire(w);
                job.lockAskedAt = now;
            }
        }

        private static void reset(Job job) {
            job.lock = null;
            job.claim = null;
            job.granted = null;
            job.end = null;
        }

        private void grant(String w, SlotState v, long claimedAt, long millis) {
            grants++;
            // A value chosen is in every value chosen after it: a claim made once an end was learned chosen
            // builds on that end (or on a later one), so its record says the last run ended then or later.
            End end = lastEnd.get(w);
            if (end != null && end.learnedAt() < claimedAt && v.finishedAt() < end.finishedAt()) {
                violations.add("t=" + millis + "ms: " + w + " claimed at " + claimedAt + " on a record whose last run"
                        + " ended at " + v.finishedAt() + ", before the end learned chosen at " + end.learnedAt()
                        + " (ended " + end.finishedAt() + "): a chosen value was lost");
            }
            Grant g = new Grant(v.running().slot(), v.running().kind(), v.fence(), v.running().session());
            List<Grant> before = granted.computeIfAbsent(w, k -> new ArrayList<>());
            for (Grant earlier : before) {
                if (g.fence() <= earlier.fence()) {
                    violations.add("t=" + millis + "ms: " + w + " granted " + g + " with a token not above " + earlier);
                }
                if (g.slot() == earlier.slot() && g.kind() != ClaimRequest.Kind.RERUN) {
                    violations.add("t=" + millis + "ms: " + w + " slot " + g.slot() + " granted twice: " + earlier
                            + " and " + g);
                }
            }
            before.add(g);
        }
    }
}

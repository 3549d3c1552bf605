package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Coordination} must keep. Subclass it, return nodes of one cluster
 * from {@link #newNode(String)}, and run it: the in-memory and the Hazelcast implementations do.
 */
public abstract class CoordinationContract {

    /** Records the events a node receives. */
    public static final class EventLog implements CoordinationEvents {
        public final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void triggered(String worker) {
            events.add("triggered " + worker);
        }

        /** The pause and resume events, with their tokens. */
        public final List<String> pauseTokens = new CopyOnWriteArrayList<>();

        @Override
        public void pauseChanged(String worker, boolean paused) {
            events.add((paused ? "paused " : "resumed ") + worker);
        }

        @Override
        public void pauseChanged(String worker, boolean paused, long token, Optional<Instant> madeAt) {
            pauseTokens.add((paused ? "paused " : "resumed ") + worker + " " + token);
            pauseChanged(worker, paused);
        }

        @Override
        public void orphaned(String worker) {
            events.add("orphaned " + worker);
        }
    }

    private final List<Coordination> nodes = new ArrayList<>();
    protected final Map<String, EventLog> events = new ConcurrentHashMap<>();
    protected Coordination a;
    protected Coordination b;
    protected String worker;

    /** A node of the cluster under test, not yet started; the suite starts and closes it. */
    protected abstract Coordination newNode(String id);

    @BeforeEach
    void startTwoNodes() {
        worker = "w-" + UUID.randomUUID().toString().substring(0, 8);
        a = node("a");
        b = node("b");
        ready(a, b);
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(Coordination::close);
        afterNodesClosed();
    }

    /** What the suite tears down once the test's nodes are closed. */
    protected void afterNodesClosed() {
    }

    /** Starts a node; see {@link #ready}. */
    protected Coordination node(String id) {
        Coordination node = newNode(id);
        EventLog log = new EventLog();
        events.put(id, log);
        node.start(log);
        nodes.add(node);
        return node;
    }

    /** Waits, as a node's readiness does, until each node can claim (its cluster has a quorum of voters). */
    protected static Coordination ready(Coordination... started) {
        for (Coordination node : started) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> node.status().quorumPresent());
        }
        return started[started.length - 1];
    }

    private Instant slot(int seconds) {
        return Instant.parse("2026-01-01T00:00:00Z").plusSeconds(seconds);
    }

    @Test
    void aSlotIsClaimedOnce() {
        Optional<Lease> first = a.claim(ClaimRequest.scheduled(worker, slot(10)));
        assertThat(first).isPresent();
        assertThat(b.claim(ClaimRequest.scheduled(worker, slot(10)))).isEmpty();

        first.get().complete(Outcome.SUCCEEDED);

        assertThat(b.claim(ClaimRequest.scheduled(worker, slot(10)))).as("after completion too").isEmpty();
        assertThat(a.claim(ClaimRequest.scheduled(worker, slot(10)))).isEmpty();
    }

    /**
     * A claim on another node right after a completion or release: a node that hears of the
     * release late (a slow member, a loaded machine) may refuse it for a moment, never for longer
     * than a lease, after which every member has heard.
     */
    private static Lease claimAfterHandOver(Coordination node, ClaimRequest request) {
        List<Lease> won = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> node.claim(request).map(won::add).orElse(false));
        return won.get(0);
    }

    @Test
    void noSecondLeaseWhileOneIsValid() {
        Lease held = a.claim(ClaimRequest.scheduled(worker, slot(10))).orElseThrow();

        assertThat(b.claim(ClaimRequest.scheduled(worker, slot(20)))).isEmpty();
        assertThat(held.isValid()).isTrue();
        held.complete(Outcome.SUCCEEDED);

        assertThat(claimAfterHandOver(b, ClaimRequest.scheduled(worker, slot(20)))).isNotNull();
    }

    @Test
    void aSlotBeforeTheLastClaimedOneIsRefused() {
        a.claim(ClaimRequest.scheduled(worker, slot(20))).orElseThrow().complete(Outcome.SUCCEEDED);

        assertThat(b.claim(ClaimRequest.scheduled(worker, slot(10)))).isEmpty();
        assertThat(b.claim(ClaimRequest.scheduled(worker, slot(20)))).isEmpty();
    }

    /** A rebase takes the record it judged ahead, not one written since (by a node whose clock is right). */
    @Test
    void aRebaseTakesOnlyTheRecordItFoundAhead() {
        Instant now = a.now().truncatedTo(ChronoUnit.SECONDS);
        Lease ahead = a.claim(ClaimRequest.scheduled(worker, now.plus(Duration.ofMinutes(10)))).orElseThrow();
        ahead.complete(Outcome.SUCCEEDED);
        long read = b.read(worker).orElseThrow().fencingToken();

        assertThat(b.claim(ClaimRequest.rebased(worker, now, read - 1))).as("a record written since").isEmpty();
        Lease rebased = b.claim(ClaimRequest.rebased(worker, now, read)).orElseThrow();
        assertThat(rebased.slot()).isEqualTo(now);
        assertThat(rebased.fencingToken()).isGreaterThan(read);
    }

    /**
     * A pause and resume since the rebase's node judged the record kept every node from claiming, so
     * that nobody claimed proves nothing about the record: that node may have missed both events.
     */
    @Test
    void aRebaseTakesNoRecordPausedAndResumedSinceItWasJudged() {
        Instant now = a.now().truncatedTo(ChronoUnit.SECONDS);
        a.claim(ClaimRequest.scheduled(worker, now.plus(Duration.ofMinutes(10)))).orElseThrow()
                .complete(Outcome.SUCCEEDED);
        WorkerRecord judged = b.read(worker).orElseThrow();
        a.pause(worker);
        a.resume(worker);

        assertThat(b.claim(ClaimRequest.rebased(worker, now, judged.fencingToken(), judged.pauseToken())))
                .as("a rebase of the record as it was before the pause").isEmpty();
        WorkerRecord current = b.read(worker).orElseThrow();
        assertThat(b.claim(ClaimRequest.rebased(worker, now, current.fencingToken(), current.pauseToken())))
                .as("a rebase of the record as it is").isPresent();
    }

    @Test
    void fencingTokensStrictlyIncreaseAcrossNodes() {
        long previous = 0;
        for (int i = 1; i <= 20; i++) {
            Coordination node = i % 2 == 0 ? a : b;
            Lease lease = node.claim(ClaimRequest.scheduled(worker, slot(i))).orElseThrow();
            assertThat(lease.fencingToken()).isGreaterThan(previous);
            previous = lease.fencingToken();
            lease.complete(Outcome.SUCCEEDED);
        }
    }

    @Test
    void theRecordShowsTheHolderWhileRunningAndTheOutcomeAfter() {
        assertThat(a.read(worker)).isEmpty();
        Lease lease = a.claim(ClaimRequest.scheduled(worker, slot(10))).orElseThrow();

        WorkerRecord running = b.read(worker).orElseThrow();
        assertThat(running.holder()).contains(a.nodeId());
        assertThat(running.lastSlot()).contains(slot(10));
        assertThat(running.fencingToken()).isEqualTo(lease.fencingToken());

        Optional<WorkerRecord> after = lease.complete(Outcome.FAILED);

        assertThat(after).isPresent();
        WorkerRecord done = b.read(worker).orElseThrow();
        assertThat(done.holder()).isEmpty();
        assertThat(done.lastOutcome()).contains(Outcome.FAILED);
        assertThat(done.lastFinishedAt()).isPresent();
    }

    @Test
    void readingManyRecordsAtOnceShowsEachAsReadingItAloneDoes() {
        Set<String> many = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            String w = worker + "-" + i;
            many.add(w);
            Lease lease = a.claim(ClaimRequest.scheduled(w, slot(10))).orElseThrow();
            if (i % 2 == 0) {
                lease.complete(Outcome.SUCCEEDED);
            }
        }
        Set<String> asked = new HashSet<>(many);
        asked.add(worker + "-never-claimed");

        Map<String, WorkerRecord> all = b.readAll(asked);

        assertThat(all.keySet()).isEqualTo(many);
        many.forEach(w -> assertThat(all.get(w)).as(w).isEqualTo(b.read(w).orElseThrow()));
    }

    @Test
    void aLeaseIsSingleUse() {
        Lease lease = a.claim(ClaimRequest.scheduled(worker, slot(10))).orElseThrow();
        lease.complete(Outcome.SUCCEEDED);

        assertThatThrownBy(() -> lease.complete(Outcome.SUCCEEDED)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(lease::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPausedWorkerRefusesScheduledSlotsButNotATrigger() {
        b.pause(worker);

        assertThat(a.claim(ClaimRequest.scheduled(worker, slot(10)))).isEmpty();
        assertThat(a.read(worker).orElseThrow().paused()).isTrue();
        a.trigger(worker);
        a.claim(ClaimRequest.triggered(worker, slot(11))).orElseThrow().complete(Outcome.SUCCEEDED);

        b.resume(worker);
        assertThat(a.claim(ClaimRequest.scheduled(worker, slot(20)))).isPresent();
    }

    /** A node that missed both events tells from the record alone that a pause came in between. */
    @Test
    void aPauseAndAResumeEachChangeTheRecordsPauseToken() {
        a.claim(ClaimRequest.scheduled(worker, slot(1))).orElseThrow().complete(Outcome.SUCCEEDED);
        long before = a.read(worker).orElseThrow().pauseToken();
        b.pause(worker);
        WorkerRecord pausedRecord = a.read(worker).orElseThrow();
        long paused = pausedRecord.pauseToken();
        b.resume(worker);
        WorkerRecord resumed = a.read(worker).orElseThrow();

        assertThat(paused).isNotEqualTo(before);
        assertThat(resumed.pauseToken()).isNotIn(before, paused);
        assertThat(resumed.paused()).isFalse();
        assertThat(resumed.pauseChangedAt()).as("when the resume was made").isPresent();
        assertThat(resumed.pauseChangedAt().get()).isAfterOrEqualTo(pausedRecord.pauseChangedAt().orElseThrow());
    }

    @Test
    void aTriggerIsOneExtraRunThatLeavesTheRegularSlotsAlone() {
        a.claim(ClaimRequest.scheduled(worker, slot(10))).orElseThrow().complete(Outcome.SUCCEEDED);
        assertThat(b.claim(ClaimRequest.triggered(worker, slot(15)))).as("nothing was triggered").isEmpty();

        a.trigger(worker);
        assertThat(b.read(worker).orElseThrow().triggerPending()).isTrue();
        Lease extra = claimAfterHandOver(b, ClaimRequest.triggered(worker, slot(15)));

        assertThat(extra.slot()).as("an instant of its own, after the last regular slot").isAfter(slot(10));
        assertThat(extra.kind()).isEqualTo(ClaimRequest.Kind.TRIGGERED);
        assertThat(a.claim(ClaimRequest.triggered(worker, slot(16)))).as("one extra run only").isEmpty();
        extra.complete(Outcome.SUCCEEDED);
        WorkerRecord after = a.read(worker).orElseThrow();
        assertThat(after.triggerPending()).isFalse();
        assertThat(after.lastSlot()).as("the regular slots are not moved").contains(slot(10));
        assertThat(claimAfterHandOver(a, ClaimRequest.scheduled(worker, slot(11))))
                .as("the next regular slot, although it lies before the triggered run").isNotNull();
    }

    @Test
    void aTriggerAskedForTwiceBeforeItRunsIsOneRunAndOneAskedForAfterwardsIsAnother() {
        a.trigger(worker);
        b.trigger(worker);
        claimAfterHandOver(a, ClaimRequest.triggered(worker, slot(1))).complete(Outcome.SUCCEEDED);
        assertThat(b.claim(ClaimRequest.triggered(worker, slot(2)))).isEmpty();

        b.trigger(worker);
        assertThat(claimAfterHandOver(a, ClaimRequest.triggered(worker, slot(3)))).isNotNull();
    }

    /**
     * A holder that stopped without completing (its process died, or it was cut off) leaves its
     * record running; once its lease has ended, another node takes the slot over as crashed, on
     * every coordination alike.
     */
    @Test
    void aRunLeftBehindByAHolderWhoseLeaseEndedIsTakenOverAsCrashed() {
        Coordination holder = ready(node("c"));
        Lease abandoned = holder.claim(ClaimRequest.scheduled(worker, slot(10))).orElseThrow();
        assertThat(b.claim(ClaimRequest.rerun(worker, slot(10), abandoned.fencingToken())))
                .as("not while the holder's lease is valid").isEmpty();

        abandon(holder);

        Lease rerun = claimAfterLease(b, ClaimRequest.rerun(worker, slot(10), abandoned.fencingToken()));
        assertThat(rerun.fencingToken()).isGreaterThan(abandoned.fencingToken());
        WorkerRecord taken = a.read(worker).orElseThrow();
        assertThat(taken.lastOutcome()).contains(Outcome.CRASHED);
        assertThat(taken.holder()).contains(b.nodeId());
    }

    /**
     * The first claim after a holder died mid-run may be for a later slot (the lease's end and that
     * slot fall together): it re-runs the slot left behind first, on every coordination alike.
     */
    @Test
    void aScheduledClaimAfterARunLeftBehindReRunsThatSlotFirst() {
        Coordination holder = ready(node("c"));
        Lease abandoned = holder.claim(ClaimRequest.scheduled(worker, slot(10))).orElseThrow();

        abandon(holder);

        Lease rerun = claimAfterLease(b, ClaimRequest.scheduledOrRerun(worker, slot(11)));
        assertThat(rerun.kind()).isEqualTo(ClaimRequest.Kind.RERUN);
        assertThat(rerun.slot()).isEqualTo(slot(10));
        assertThat(rerun.fencingToken()).isGreaterThan(abandoned.fencingToken());
        assertThat(b.read(worker).flatMap(WorkerRecord::deferredSlot)).contains(slot(11));
        rerun.complete(Outcome.SUCCEEDED);
        Lease next = claimAfterHandOver(b, ClaimRequest.scheduledOrRerun(worker, slot(11)));
        assertThat(next.kind()).isEqualTo(ClaimRequest.Kind.SCHEDULED);
        assertThat(next.slot()).isEqualTo(slot(11));
        assertThat(next.passedDeferredSlot()).isEmpty();
    }

    /**
     * A claim of a slot after the deferred one (the claim of the deferred slot re-ran the slot left
     * behind) goes past it and says so, so that its node reports the slots never run.
     */
    @Test
    void aClaimThatGoesPastADeferredSlotSaysSo() {
        Coordination holder = ready(node("c"));
        holder.claim(ClaimRequest.scheduled(worker, slot(10))).orElseThrow();
        abandon(holder);
        claimAfterLease(b, ClaimRequest.scheduledOrRerun(worker, slot(11))).complete(Outcome.SUCCEEDED);

        Lease past = claimAfterHandOver(a, ClaimRequest.scheduled(worker, slot(13)));

        assertThat(past.slot()).isEqualTo(slot(13));
        assertThat(past.passedDeferredSlot()).contains(slot(11));
        assertThat(a.read(worker).flatMap(WorkerRecord::deferredSlot)).isEmpty();
        past.complete(Outcome.SUCCEEDED);
        assertThat(claimAfterHandOver(a, ClaimRequest.scheduled(worker, slot(14))).passedDeferredSlot()).isEmpty();
    }

    /**
     * The holder stops renewing without a word: for a Hazelcast node, its process dies or is cut off;
     * the default closes it, which for an in-memory node stops its renewals.
     */
    protected void abandon(Coordination holder) {
        holder.close();
    }

    /** A claim that can only win once the previous holder's lease has run out (lease plus margin). */
    protected Lease claimAfterLease(Coordination node, ClaimRequest request) {
        List<Lease> won = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> node.claim(request).map(won::add).orElse(false));
        return won.get(0);
    }

    @Test
    void aReleasedSlotCanRunAgainElsewhereOnlyOnce() {
        Lease lease = a.claim(ClaimRequest.scheduled(worker, slot(10))).orElseThrow();
        lease.release();

        Lease rerun = claimAfterHandOver(b, ClaimRequest.rerun(worker, slot(10), lease.fencingToken()));
        assertThat(rerun.fencingToken()).isGreaterThan(lease.fencingToken());
        rerun.complete(Outcome.SUCCEEDED);

        assertThat(a.claim(ClaimRequest.rerun(worker, slot(10), rerun.fencingToken()))).as("the slot is finished")
                .isEmpty();
        assertThat(a.claim(ClaimRequest.rerun(worker, slot(10), lease.fencingToken())))
                .as("a late re-run request for the first run").isEmpty();
    }

    @Test
    void aChainedClaimFollowsExactlyTheLastSlot() {
        a.claim(ClaimRequest.chained(worker, slot(10), Optional.empty())).orElseThrow().complete(Outcome.SUCCEEDED);

        assertThat(b.claim(ClaimRequest.chained(worker, slot(11), Optional.empty()))).isEmpty();
        assertThat(claimAfterHandOver(b, ClaimRequest.chained(worker, slot(20), Optional.of(slot(10)))))
                .isNotNull();
    }

    @Test
    void eachWorkerHasOnePreferredNodeAmongThoseThatRegisteredIt() {
        a.register(worker);
        b.register(worker);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(List.of(a.role(worker), b.role(worker)))
                        .containsExactlyInAnyOrder(ClaimRole.PREFERRED, ClaimRole.STANDBY));

        Coordination preferred = a.role(worker) == ClaimRole.PREFERRED ? a : b;
        Coordination other = preferred == a ? b : a;
        preferred.unregister(worker);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(other.role(worker)).isEqualTo(ClaimRole.PREFERRED));
    }

    @Test
    void triggerAndPauseAreAnnouncedToTheOtherNodes() {
        a.register(worker);
        b.register(worker);
        a.trigger(worker);
        a.pause(worker);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events.get("b").events)
                .contains("triggered " + worker, "paused " + worker));
    }

    /**
     * Events of two operators' actions can reach a node in either order: each carries the token its
     * action left in the record, so that the node keeps the later.
     */
    @Test
    void aPauseAndAResumeAreAnnouncedWithTheTokensTheyLeftInTheRecord() {
        Coordination c = ready(node("c"));
        a.claim(ClaimRequest.scheduled(worker, slot(1))).orElseThrow().complete(Outcome.SUCCEEDED);
        b.pause(worker);
        long paused = c.read(worker).orElseThrow().pauseToken();
        a.resume(worker);
        long resumed = c.read(worker).orElseThrow().pauseToken();

        // Two nodes announce them: a third may hear them in either order, and their tokens tell which came last.
        assertThat(resumed).isGreaterThan(paused);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events.get("c").pauseTokens)
                .containsExactlyInAnyOrder("paused " + worker + " " + paused, "resumed " + worker + " " + resumed));
    }

    /**
     * Eight contenders on three nodes race for every slot, retrying as the engine's standbys do
     * until someone ran it: at most one holds the worker at any moment, no slot runs twice,
     * fences rise with the slots, and contention does not starve the worker (every slot runs).
     * Contenders that all ask at the same instant may split the votes and all be refused; a short
     * random pause before the next try breaks the tie, as it does between real nodes.
     */
    @Test
    void concurrentClaimsNeverOverlapAndNeverRunASlotTwice() throws Exception {
        Coordination c = ready(node("c"));
        List<Coordination> members = List.of(a, b, c);
        int slots = 100;
        AtomicInteger holders = new AtomicInteger();
        Map<Instant, Long> claimed = new ConcurrentHashMap<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Coordination node = members.get(t % members.size());
            futures.add(pool.submit(() -> {
                for (int s = 1; s <= slots; s++) {
                    long giveUpAt = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (!claimed.containsKey(slot(s)) && System.nanoTime() < giveUpAt) {
                        Optional<Lease> lease = node.claim(ClaimRequest.scheduled(worker, slot(s)));
                        if (lease.isEmpty()) {
                            Thread.sleep(ThreadLocalRandom.current().nextInt(1, 5));
                            continue;
                        }
                        if (holders.incrementAndGet() != 1) {
                            violations.add("two leases at once at slot " + s);
                        }
                        if (claimed.put(lease.get().slot(), lease.get().fencingToken()) != null) {
                            violations.add("slot " + s + " claimed twice");
                        }
                        // Hold the lease as an execution would: a second holder in this window is seen.
                        Thread.sleep(2);
                        holders.decrementAndGet();
                        lease.get().complete(Outcome.SUCCEEDED);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();

        assertThat(violations).isEmpty();
        assertThat(claimed).as("every slot ran once").hasSize(slots);
        List<Long> fencesInSlotOrder = claimed.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(Map.Entry::getValue).toList();
        assertThat(fencesInSlotOrder).isSorted().doesNotHaveDuplicates();
    }
}

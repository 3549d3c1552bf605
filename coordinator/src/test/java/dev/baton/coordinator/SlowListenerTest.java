package dev.baton.coordinator;

import static dev.baton.coordinator.support.Harness.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener is the user's code (a webhook, an audit write, a Spring event handler): a slow one
 * must cost this node's thread only, not the worker's lock, its record or its schedule.
 */
class SlowListenerTest {

    private final Harness h = new Harness();
    private final Slow slow = new Slow();
    private final HazelcastMembers members = new HazelcastMembers(2);
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        slow.release.countDown();
        managers.forEach(BackgroundWorkerManager::close);
        members.close();
        h.close();
    }

    /** Blocks in its first {@code finished} call until released (bounded), and says when it returned. */
    static final class Slow implements ExecutionListener {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean first = new AtomicBoolean(true);
        final AtomicReference<ExecutionResult> blockedOn = new AtomicReference<>();
        volatile boolean returned;

        @Override
        public void finished(ExecutionResult result) {
            if (first.getAndSet(false)) {
                blockedOn.set(result);
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                returned = true;
            }
        }
    }

    /**
     * On Hazelcast the lock belongs to the node's session, which stays valid: while a listener
     * hangs on the node that ran the last slot, the record shows the worker running and no other
     * node may claim it, so the worker stops on the whole cluster until the listener returns. Before
     * 21fc94b the outcome was recorded and the lock released first, and the standby's watch ran the
     * slots the stuck node passed; finished now comes after both again.
     */
    @Test
    void aHangingListenerOnOneNodeDoesNotStopTheWorkerOnTheOthers() {
        Recorder recorder = new Recorder();
        for (int n = 0; n < 2; n++) {
            Coordination c = HazelcastCoordination.builder(members.get(n)).nodeId("n" + n)
                    .lease(Duration.ofSeconds(3)).build();
            BackgroundWorkerManager m = Baton.manager(c).listener(recorder).listener(slow).build();
            m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(2)), ctx -> { }));
            managers.add(m);
        }
        managers.forEach(BackgroundWorkerManager::start);
        await().atMost(Duration.ofSeconds(30)).until(() -> slow.blockedOn.get() != null);
        ExecutionResult stuck = slow.blockedOn.get();
        Instant since = Instant.now();

        await().atMost(Duration.ofSeconds(10)).alias(String.format(
                "a slot after %s ran on another node while %s's listener hangs", since, stuck.nodeId())).until(() -> recorder.results.stream()
                .anyMatch(r -> !r.nodeId().equals(stuck.nodeId()) && r.startedAt().isAfter(since)));
    }

    /**
     * The in-memory lease is renewed by the execution, whose renewal ends with the work: a listener
     * slower than the lease would let it expire, and the cluster record a run that succeeded as
     * crashed (a slot to re-run), were listeners called before the outcome is recorded.
     */
    @Test
    void aListenerSlowerThanTheLeaseDoesNotGetASucceededRunRecordedAsCrashed() {
        Coordination observer = h.cluster.node("observer");
        try (BackgroundWorkerManager m = Baton.manager(h.cluster.node("n2")).scheduler(h.time).listener(slow).build()) {
            m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
            m.start();
            h.advanceTo("00:00:10");
            assertThat(slow.blockedOn.get()).isNotNull();
            h.advanceTo("00:00:45");   // the listener has been busy for 35 s, past the 30 s lease

            Optional<WorkerRecord> record = observer.read("w");
            slow.release.countDown();

            assertThat(record).get().as("record of slot 10 while its listener is slow")
                    .satisfies(r -> assertThat(r.lastOutcome()).contains(Outcome.SUCCEEDED))
                    .satisfies(r -> assertThat(r.lastSlotUnfinished()).isFalse());
        }
    }

    /**
     * A fixed-delay slot is due a delay after the previous run completed; the time listeners take
     * is not part of the run. Were the completion recorded after them, the chain would drift by
     * every listener's time.
     */
    @Test
    void aFixedDelayCountsFromTheEndOfTheRunNotFromTheEndOfItsListeners() {
        try (BackgroundWorkerManager m = Baton.manager(h.cluster.node("n2")).scheduler(h.time).listener(h.recorder)
                .listener(slow).build()) {
            m.add(new TestWorker("delay", Schedule.fixedDelay(Duration.ofSeconds(10)),
                    WorkerOptions.defaults().withInitialDelay(Duration.ofSeconds(7)), ctx -> { }));
            m.start();
            h.advanceTo("00:00:10");
            assertThat(slow.blockedOn.get()).as("slot 10 ran and its listener is busy").isNotNull();
            h.advanceTo("00:00:13");
            slow.release.countDown();
            h.awaitThen(() -> slow.returned);
            h.advanceTo("00:00:40");
        }

        assertThat(h.recorder.results.getFirst().finishedAt()).isEqualTo(at("00:00:10"));
        assertThat(h.recorder.slots("delay")).as("the run of slot 10 ended at 10 s")
                .containsExactly(at("00:00:10"), at("00:00:20"), at("00:00:30"), at("00:00:40"));
    }
}

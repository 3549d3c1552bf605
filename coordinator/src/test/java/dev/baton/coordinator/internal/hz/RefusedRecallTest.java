package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.Lease;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A claim's first call on the record goes unanswered for the attempt wait, so Records calls again;
 * the second call is answered first, with a refusal. The first call is still open: it may have
 * applied already (its answer is only late), or Hazelcast's retry of it may apply later, once the
 * record would accept it. A refusal then says nothing of the claim's outcome. If the claim is
 * reported refused and its lock released as finished, the record shows a run of this session that
 * nobody makes, and nobody is told to look: the slot (or the trigger it served) is silently lost.
 * Either the claim's lease is used, or the release says the slot is unfinished so that others look
 * at the record and re-run it.
 */
class RefusedRecallTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final ScheduledExecutorService member = Executors.newSingleThreadScheduledExecutor(
            r -> new Thread(r, "refused-recall-member"));
    private final Set<String> orphaned = ConcurrentHashMap.newKeySet();
    private final AtomicInteger calls = new AtomicInteger();
    /** While set, decides what the n-th record call (from 1) of the scripted claim gets; null: the real map. */
    private final AtomicReference<BiFunction<Integer, EntryProcessor<String, HzSlot, ?>, CompletableFuture<?>>> script =
            new AtomicReference<>();
    private IMap<String, HzSlot> real;
    private HzCoordination coordination;

    @AfterEach
    void stop() throws InterruptedException {
        if (coordination != null) {
            coordination.close();
        }
        members.close();
        member.shutdownNow();
        member.awaitTermination(5, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    private IMap<String, HzSlot> scripted(IMap<String, HzSlot> map) {
        real = map;
        return (IMap<String, HzSlot>) Proxy.newProxyInstance(IMap.class.getClassLoader(), new Class<?>[] {IMap.class},
                (proxy, method, args) -> {
                    var s = script.get();
                    if (s != null && method.getName().equals("submitToKey") && args.length == 2) {
                        CompletableFuture<?> answer = s.apply(calls.incrementAndGet(),
                                (EntryProcessor<String, HzSlot, ?>) args[1]);
                        if (answer != null) {
                            return answer;
                        }
                    }
                    try {
                        return method.invoke(map, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private void start() {
        HazelcastInstance hz = members.start();
        HzSettings settings = HzSettings.forLease(LEASE, 1, HzSettings.DEFAULT_VOTER_REMOVAL_DELAY);
        coordination = new HzCoordination(hz, "n1", settings, null, this::scripted);
        coordination.start(new CoordinationEvents() {
            @Override
            public void triggered(String worker) {
            }

            @Override
            public void pauseChanged(String worker, boolean paused) {
            }

            @Override
            public void orphaned(String worker) {
                orphaned.add(worker);
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> coordination.status().quorumPresent());
    }

    private SlotState record() {
        return real.get("w").state();
    }

    private Instant nextSecond() {
        return Instant.ofEpochMilli(coordination.now().toEpochMilli() / 1000 * 1000 + 1000);
    }

    /** What a node does when told a run of the worker was orphaned: look at the record and re-run the slot. */
    private void theSlotRuns(Optional<Lease> claimed, Instant slot) {
        SlotState left = record();
        assertThat(left.isRunning() && left.running().session().equals(coordination.session().id))
                .as("the first call applied: the record shows this session's run of the slot: %s", left).isTrue();
        assertThat(claimed.isPresent() || orphaned.contains("w"))
                .as("the claim's call applied, yet the claim returned no lease and released the lock as finished:"
                        + " nobody runs the slot and nobody is told to look (record %s)", left).isTrue();
        if (claimed.isPresent()) {
            assertThat(claimed.get().complete(Outcome.SUCCEEDED)).isPresent();
            return;
        }
        Optional<Lease> rerun = coordination.claim(ClaimRequest.rerun("w", slot, left.fence()));
        assertThat(rerun).as("the look after the orphan notice re-runs the slot").isPresent();
        assertThat(rerun.get().complete(Outcome.SUCCEEDED)).isPresent();
    }

    @Test
    void aRecallRefusedForLackOfQuorumWhileTheFirstCallsAnswerIsLateDoesNotLoseTheSlot() {
        start();
        Duration lateBy = HzSettings.forLease(LEASE, 1, HzSettings.DEFAULT_VOTER_REMOVAL_DELAY).recordCallWait()
                .multipliedBy(3).dividedBy(2);
        script.set((n, processor) -> {
            if (n == 1) {
                // The member applies the first call at once; its answer is on its way.
                Object value = real.executeOnKey("w", processor);
                CompletableFuture<Object> answer = new CompletableFuture<>();
                member.schedule(() -> answer.complete(value), lateBy.toMillis(), TimeUnit.MILLISECONDS);
                return answer;
            }
            if (n == 2) {
                // Meanwhile a member left and the side is below the floor for a moment: the re-call is refused.
                return CompletableFuture.failedFuture(new SplitBrainProtectionException("cluster below the floor"));
            }
            return null;
        });
        Instant slot = nextSecond();

        Optional<Lease> claimed = coordination.claim(ClaimRequest.scheduled("w", slot));
        script.set(null);

        assertThat(calls.get()).as("the claim called twice").isEqualTo(2);
        theSlotRuns(claimed, slot);
    }

    @Test
    void aRecallTheRecordRefusedWhileTheFirstCallMayStillApplyDoesNotLoseTheSlot() throws Exception {
        start();
        coordination.pause("w");
        AtomicReference<EntryProcessor<String, HzSlot, ?>> lost = new AtomicReference<>();
        CompletableFuture<Object> lostAnswer = new CompletableFuture<>();
        AtomicReference<CompletableFuture<?>> second = new AtomicReference<>();
        script.set((n, processor) -> {
            if (n == 1) {
                // A member loses the first call while partitions migrate; Hazelcast still retries it.
                lost.set(processor);
                return lostAnswer;
            }
            if (n == 2) {
                // The re-call reaches the record while the worker is paused: refused.
                CompletableFuture<?> answer = real.submitToKey("w", processor).toCompletableFuture();
                second.set(answer);
                return answer;
            }
            return null;
        });
        Instant slot = nextSecond();

        CompletableFuture<Optional<Lease>> claim = CompletableFuture.supplyAsync(
                () -> coordination.claim(ClaimRequest.scheduled("w", slot)));
        await().atMost(Duration.ofSeconds(5)).until(() -> second.get() != null && second.get().isDone());
        assertThat(second.get().get()).as("the re-call was refused by the paused record").isNull();
        script.set(null);
        // The operator resumes the worker; then Hazelcast's retry of the first call lands, and is answered.
        coordination.resume("w");
        lostAnswer.complete(real.executeOnKey("w", lost.get()));

        Optional<Lease> claimed = claim.get(LEASE.multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS);
        theSlotRuns(claimed, slot);
    }
}

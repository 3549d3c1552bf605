package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapInterceptor;
import dev.baton.coordinator.CoordinationContract;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.Lease;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review s36b. HzCoordination.flag calls again above the record's token when an action is refused,
 * and Records.call calls the same processor again after an unknown outcome (its backups did not
 * acknowledge, its member left). When the first copy did apply and the record moved on before the
 * next copy, that copy is refused, and calling again above it made an action already done (and,
 * for a trigger, already run) a second time. The operator is now told the outcome is unknown.
 *
 * <p>The uncertain outcome is made by an interceptor that throws after the record was stored, as
 * Hazelcast does when a backup does not acknowledge in time.
 */
class FlagCallAnsweredLateTest {

    /** Off, or the flag whose first applied copy loses its answer (and whose copies again, while {@link #hold}, too). */
    static final AtomicReference<String> lose = new AtomicReference<>("off");
    static volatile boolean hold;
    static final AtomicInteger lost = new AtomicInteger();
    static final AtomicReference<SlotState> lastStored = new AtomicReference<>();

    /** Throws after the store, as an operation whose backup did not acknowledge. */
    static final class LoseAnswers implements MapInterceptor {
        @Override
        public Object interceptGet(Object value) {
            return null;
        }

        @Override
        public void afterGet(Object value) {
        }

        @Override
        public Object interceptPut(Object oldValue, Object newValue) {
            return null;
        }

        @Override
        public void afterPut(Object value) {
            if (!(value instanceof HzSlot slot)) {
                return;
            }
            SlotState s = slot.state();
            SlotState previous = lastStored.getAndSet(s);
            boolean first = lost.get() == 0 && switch (lose.get()) {
                case "trigger" -> s.flags().triggerPending();
                case "pause" -> s.flags().paused();
                default -> false;
            };
            // Its own copy again stores the record unchanged; only the flag call's copies do that here.
            boolean copyAgain = lost.get() > 0 && hold && s.equals(previous);
            if (first || copyAgain) {
                lost.incrementAndGet();
                throw new IndeterminateOperationStateException("test: the answer of this call was lost");
            }
        }

        @Override
        public Object interceptRemove(Object removedValue) {
            return null;
        }

        @Override
        public void afterRemove(Object value) {
        }
    }

    /**
     * Another operator's trigger on node b and the claim of its run, in one step (so that a's next
     * copy comes after both; a's calls are 500 ms apart by then).
     */
    static final class TriggerAndItsRun implements EntryProcessor<String, HzSlot, Boolean>, Serializable {
        private final long token;
        private final long now;

        TriggerAndItsRun(long token, long now) {
            this.token = token;
            this.now = now;
        }

        @Override
        public Boolean process(Map.Entry<String, HzSlot> entry) {
            SlotState s = entry.getValue().state();
            s = s.withFlags(s.flags().withTrigger(token));
            ClaimRules.Claim claim = new ClaimRules.Claim(ClaimRequest.triggered(entry.getKey(), Instant.ofEpochMilli(now)),
                    "b", "b/other-session", 99, now, now, token, ClaimRules.REBASE_MIN_MILLIS);
            SlotState claimed = ClaimRules.claim(s, claim, false).orElseThrow().state();
            SlotState done = ClaimRules.complete(claimed, claimed.fence(), 99, Outcome.SUCCEEDED, now).orElseThrow();
            entry.setValue(new HzSlot(done));
            return true;
        }
    }

    @RegisterExtension
    final HazelcastMembers members = new HazelcastMembers(2);
    private final String worker = "w-" + UUID.randomUUID().toString().substring(0, 8);
    private Coordination a;
    private Coordination b;
    private IMap<String, HzSlot> records;

    @BeforeEach
    void start() {
        lose.set("off");
        hold = false;
        lost.set(0);
        lastStored.set(null);
        a = node("a", 0);
        b = node("b", 1);
        for (Coordination n : List.of(a, b)) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> n.status().quorumPresent());
        }
        records = members.get(0).getMap(HzSettings.RECORDS_MAP);
        records.addInterceptor(new LoseAnswers());
    }

    @AfterEach
    void stop() {
        lose.set("off");
    }

    private Coordination node(String id, int member) {
        Coordination n = HazelcastCoordination.builder(members.get(member)).nodeId(id).lease(Duration.ofSeconds(10))
                .build();
        members.closing(n).start(new CoordinationContract.EventLog());
        return n;
    }

    private static Lease claimSoon(Coordination node, ClaimRequest request) {
        List<Lease> won = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> node.claim(request).map(won::add).orElse(false));
        return won.get(0);
    }

    /** Starts an operator's action on a whose first applied copy loses its answer, as its copies again do. */
    private CompletableFuture<Void> answerLost(String flag, Runnable action) {
        claimSoon(a, ClaimRequest.scheduled(worker, Instant.parse("2026-01-01T00:00:10Z"))).complete(Outcome.SUCCEEDED);
        lose.set(flag);
        hold = true;
        CompletableFuture<Void> operator = CompletableFuture.runAsync(action);
        await().atMost(Duration.ofSeconds(5)).until(() -> lost.get() >= 1);
        return operator;
    }

    /** What the operator is told: the message of the failure, or "done". */
    private static String outcome(CompletableFuture<Void> operator) throws InterruptedException, TimeoutException {
        try {
            operator.get(15, TimeUnit.SECONDS);
            return "done";
        } catch (ExecutionException e) {
            return e.getCause().getMessage();
        }
    }

    /**
     * An operator triggers on a; the record takes it, the answer is lost, and Records calls again.
     * Meanwhile b runs that trigger, and another operator's trigger is asked and run too. a's next
     * copy is refused with the token of the trigger served; it must not trigger again above it (two
     * triggers, three runs): its operator is told the outcome is unknown.
     */
    @Test
    void aTriggerWhoseAnswerWasLostAndThatRanIsNotAskedForAgain() throws Exception {
        CompletableFuture<Void> operator = answerLost("trigger", () -> a.trigger(worker));
        assertThat(b.read(worker).orElseThrow().triggerPending()).as("a's trigger is in the record").isTrue();

        // b runs it (a hears of it with a's announcement; any node finishing a run sees it in the record).
        claimSoon(b, ClaimRequest.triggered(worker, b.now())).complete(Outcome.SUCCEEDED);
        assertThat(b.read(worker).orElseThrow().triggerPending()).isFalse();
        int before = lost.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> lost.get() > before + 1);
        // Another operator's trigger, asked and run before a's next copy.
        long above = records.get(worker).state().fence() + 1;
        records.executeOnKey(worker, new TriggerAndItsRun(above, b.now().toEpochMilli()));
        hold = false;

        assertThat(outcome(operator)).contains("could not tell whether trigger");
        assertThat(b.read(worker).orElseThrow().triggerPending())
                .as("two operators triggered once each and it ran twice: no third run is asked for").isFalse();
        Optional<Lease> third = b.claim(ClaimRequest.triggered(worker, b.now()));
        third.ifPresent(l -> l.complete(Outcome.SUCCEEDED));
        assertThat(third).as("a third run").isEmpty();
    }

    /**
     * An operator pauses on a; the record takes it, the answer is lost, and Records calls again.
     * Meanwhile another operator sees the worker paused and resumes it on b, and is told it is done.
     * a's next copy is refused with the resume's token; it must not pause again above it (the resume
     * came after the pause took effect): its operator is told the outcome is unknown.
     */
    @Test
    void aPauseWhoseAnswerWasLostDoesNotUndoTheResumeMadeAfterIt() throws Exception {
        CompletableFuture<Void> operator = answerLost("pause", () -> a.pause(worker));
        assertThat(b.read(worker).orElseThrow().paused()).as("a's pause is in the record").isTrue();

        b.resume(worker);
        assertThat(b.read(worker).orElseThrow().paused()).as("resumed, b's operator is told").isFalse();
        hold = false;

        assertThat(outcome(operator)).contains("could not tell whether pause");
        assertThat(b.read(worker).orElseThrow().paused()).as("the resume, made after the pause took effect, holds")
                .isFalse();
    }
}

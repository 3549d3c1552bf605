package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.impl.InternalCompletableFuture;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.worker.spi.ClaimRequest;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A slow but healthy cluster: every operation on a record applies at once and is answered, but the
 * answer takes a little longer than a fifth of the lease (a loaded member, a GC pause, a long
 * partition queue). Records.call cancels each call when its attempt wait passes and calls again, so
 * it throws every answer away: a claim whose first call applied (the record shows this session's
 * run) never gets its lease while the lock holds, and adds one operation per attempt to the
 * cluster that is already too slow.
 */
class SlowRecordCallTest {

    private static final long NOW = Instant.parse("2026-06-01T12:00:00Z").toEpochMilli();

    private final ScheduledExecutorService member = Executors.newSingleThreadScheduledExecutor(
            r -> new Thread(r, "slow-record-member"));
    private final Map.Entry<String, HzSlot> record = new AbstractMap.SimpleEntry<>("w", null);
    private final AtomicInteger submitted = new AtomicInteger();

    @AfterEach
    void stopMember() throws InterruptedException {
        member.shutdownNow();
        member.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** A member that applies each processor at once and answers {@code answerAfter} later. */
    @SuppressWarnings("unchecked")
    private IMap<String, HzSlot> slowMap(Duration answerAfter) {
        return (IMap<String, HzSlot>) Proxy.newProxyInstance(IMap.class.getClassLoader(), new Class<?>[] {IMap.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("submitToKey") && args.length == 2) {
                        submitted.incrementAndGet();
                        InternalCompletableFuture<Object> call = new InternalCompletableFuture<>();
                        Object answer;
                        synchronized (record) {
                            answer = ((EntryProcessor<String, HzSlot, ?>) args[1]).process(record);
                        }
                        member.schedule(() -> call.complete(answer), answerAfter.toMillis(), TimeUnit.MILLISECONDS);
                        return call;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aClaimIsAnsweredWhenEveryCallTakesALittleLongerThanTheAttemptWait() {
        HzSettings settings = HzSettings.forLease(Duration.ofSeconds(1), 1, HzSettings.DEFAULT_VOTER_REMOVAL_DELAY);
        Duration answerAfter = settings.recordCallWait().multipliedBy(3).dividedBy(2);
        Records records = new Records(slowMap(answerAfter), settings.recordCallWait());
        PeerClocks clocks = new PeerClocks(() -> NOW, System::nanoTime);
        ClaimRules.Claim claim = new ClaimRules.Claim(ClaimRequest.scheduled("w", Instant.ofEpochMilli(NOW)), "n1",
                "n1/s", 42, NOW, NOW, 0, ClaimRules.REBASE_MIN_MILLIS);
        ClaimProcessor processor = new ClaimProcessor(claim, NOW + 900, new ClaimProcessor.Locals(clocks, null));
        // The session renews fine, so the lock holds; three leases are ample for a 300 ms answer.
        long lockHeldUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();

        Records.Result<HzSlot> result = records.call("w", processor, () -> System.nanoTime() < lockHeldUntil);

        assertThat(record.getValue().state().running().claimId())
                .as("the first call applied: the record shows claim 42 running").isEqualTo(42);
        assertThat(result.status()).as("every call was answered, %s after it was made (%d calls made)",
                answerAfter, submitted.get()).isEqualTo(Records.Status.DONE);
        assertThat(submitted.get()).as("calls made for one claim on a slow cluster").isLessThanOrEqualTo(3);
    }
}

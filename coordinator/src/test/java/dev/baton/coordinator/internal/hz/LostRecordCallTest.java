package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member loses a call on a worker's record while partitions migrate (seen in CI while nodes
 * joined): Hazelcast notices only at twice its call timeout, 10 s, and retries the lost operation
 * itself, so it may still apply later. The claim must not wait for Hazelcast's timeout (the worker
 * would miss ten 1 s slots on a healthy node); it calls again. And the call it stopped waiting for
 * must not land after the lock was given back: over the same session's next claim it would make
 * the record show a run nobody makes and serve a trigger with it (the run that does happen is then
 * recorded as crashed and its completion refused).
 */
class LostRecordCallTest {

    private static final Duration LEASE = Duration.ofSeconds(2);
    /** Hazelcast's answer to a lost operation in a blocking call: a timeout after twice the call timeout. */
    private static final Duration LOST_CALL_TIMEOUT = Duration.ofSeconds(10);

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final AtomicBoolean loseNext = new AtomicBoolean();
    private final AtomicReference<EntryProcessor<String, HzSlot, ?>> lost = new AtomicReference<>();
    private IMap<String, HzSlot> real;
    private HzCoordination coordination;

    @AfterEach
    void stop() {
        if (coordination != null) {
            coordination.close();
        }
        members.close();
    }

    /** The records map as a member that loses the next call: never answered, applied only when the test says. */
    @SuppressWarnings("unchecked")
    private IMap<String, HzSlot> losing(IMap<String, HzSlot> map) {
        real = map;
        return (IMap<String, HzSlot>) Proxy.newProxyInstance(IMap.class.getClassLoader(), new Class<?>[] {IMap.class},
                (proxy, method, args) -> {
                    boolean call = method.getName().equals("submitToKey") || method.getName().equals("executeOnKey");
                    if (call && args.length == 2 && loseNext.compareAndSet(true, false)) {
                        lost.set((EntryProcessor<String, HzSlot, ?>) args[1]);
                        if (method.getName().equals("executeOnKey")) {
                            Thread.sleep(LOST_CALL_TIMEOUT.toMillis());
                            throw new OperationTimeoutException("no response for " + LOST_CALL_TIMEOUT);
                        }
                        return new CompletableFuture<>();
                    }
                    try {
                        return method.invoke(map, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private SlotState record() {
        return real.get("w").state();
    }

    @Test
    void aLostClaimCallIsMadeAgainAndCannotLandAfterTheLockIsGivenBack() throws Exception {
        HazelcastInstance hz = members.start();
        HzSettings settings = HzSettings.forLease(LEASE, 1, HzSettings.DEFAULT_VOTER_REMOVAL_DELAY);
        coordination = new HzCoordination(hz, "n1", settings, null, this::losing);
        coordination.start(new CoordinationEvents() {
            @Override
            public void triggered(String worker) {
            }

            @Override
            public void pauseChanged(String worker, boolean paused) {
            }

            @Override
            public void orphaned(String worker) {
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> coordination.status().quorumPresent());

        coordination.trigger("w");
        loseNext.set(true);
        long before = System.nanoTime();
        Optional<Lease> first = coordination.claim(ClaimRequest.triggered("w", coordination.now()));
        Duration took = Duration.ofNanos(System.nanoTime() - before);
        assertThat(lost.get()).as("the member lost the first call of the claim").isNotNull();
        assertThat(first).as("the claim, called again after a fifth of the lease (took %s)", took).isPresent();
        assertThat(took).as("a lost call costs the claim the attempt wait, not Hazelcast's timeout")
                .isLessThan(LEASE);

        // The run ends; its outcome is recorded while the lost call may still land.
        CompletableFuture<Optional<?>> completed = CompletableFuture.supplyAsync(
                () -> first.get().complete(Outcome.SUCCEEDED));
        await().atMost(Duration.ofSeconds(5)).until(() -> record().lastOutcome() == Outcome.SUCCEEDED
                && !record().isRunning());

        // A second trigger, and the worker's next slot, before Hazelcast's retry of the lost call lands.
        coordination.trigger("w");
        Instant next = Instant.ofEpochMilli(coordination.now().toEpochMilli() / 1000 * 1000 + 1000);
        Optional<Lease> second = coordination.claim(ClaimRequest.scheduled("w", next));
        real.executeOnKey("w", lost.get());
        second.ifPresent(lease -> assertThat(lease.complete(Outcome.SUCCEEDED))
                .as("the next slot ran: its completion is recorded").isPresent());

        assertThat(completed.get(LEASE.multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS))
                .as("the first run's completion").isPresent();
        SlotState after = record();
        assertThat(after.isRunning()).as("no run recorded that nobody makes: %s", after).isFalse();
        assertThat(after.flags().triggerPending()).as("the second trigger is still to be served: %s", after).isTrue();
        assertThat(after.lastOutcome()).isEqualTo(Outcome.SUCCEEDED);

        Optional<Lease> third = coordination.claim(ClaimRequest.triggered("w", coordination.now()));
        assertThat(third).as("the second trigger's run, once the lost call cannot apply any more").isPresent();
        assertThat(third.get().complete(Outcome.SUCCEEDED)).isPresent();
        assertThat(record().flags().triggerPending()).isFalse();
    }
}

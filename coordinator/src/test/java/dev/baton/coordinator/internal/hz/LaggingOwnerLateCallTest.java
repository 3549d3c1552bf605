package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
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
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * LostRecordCallTest's interleaving, with the record on a member whose clock lags: a member that
 * has just joined (partitions migrate to it as it joins, when members lose operations) and whose
 * coordination has not yet heard from the others, so that its cluster clock is still its host's
 * clock, which is a minute behind (one member minutes off is a case Baton claims to handle).
 *
 * <p>The claimer keeps the worker's lock until the claim's deadline plus the margin has passed on
 * its own cluster clock, and then relies on the record to refuse the lost call. The record checks
 * the deadline on its member's clock, which lags: the lost call lands after the lock was given
 * back, over the same session's next claim (a run recorded for the claimer's own session counts as
 * over), and serves a trigger with a run nobody makes; the real run's completion is refused.
 */
class LaggingOwnerLateCallTest {

    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final long LAG_MILLIS = Duration.ofMinutes(1).toMillis();

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final AtomicBoolean loseNext = new AtomicBoolean();
    private final AtomicReference<EntryProcessor<String, HzSlot, ?>> lost = new AtomicReference<>();
    private IMap<String, HzSlot> real;
    private HzCoordination coordination;
    private String worker;

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
                    if (method.getName().equals("submitToKey") && args.length == 2
                            && loseNext.compareAndSet(true, false)) {
                        lost.set((EntryProcessor<String, HzSlot, ?>) args[1]);
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
        return real.get(worker).state();
    }

    @Test
    void aLostCallCannotLandOverTheNextClaimWhenTheRecordsMemberClockLags() throws Exception {
        HazelcastInstance claimer = members.start();
        HazelcastInstance joined = members.start();
        // The joined member's clock as its coordination sees it before it has heard from anyone: its host's.
        joined.getUserContext().put(HzCoordination.CLOCKS_KEY,
                new PeerClocks(() -> System.currentTimeMillis() - LAG_MILLIS, System::nanoTime));
        Member lagging = joined.getCluster().getLocalMember();
        await().atMost(Duration.ofSeconds(30)).until(() -> claimer.getPartitionService().isClusterSafe());
        worker = IntStream.range(0, 1000).mapToObj(i -> "w" + i)
                .filter(w -> lagging.equals(claimer.getPartitionService().getPartition(w).getOwner()))
                .findFirst().orElseThrow();

        HzSettings settings = HzSettings.forLease(LEASE, 1, HzSettings.DEFAULT_VOTER_REMOVAL_DELAY);
        coordination = new HzCoordination(claimer, "n1", settings, null, this::losing);
        coordination.start(new CoordinationEvents() {
            @Override
            public void triggered(String w) {
            }

            @Override
            public void pauseChanged(String w, boolean paused) {
            }

            @Override
            public void orphaned(String w) {
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> coordination.status().quorumPresent());

        coordination.trigger(worker);
        loseNext.set(true);
        Optional<Lease> first = coordination.claim(ClaimRequest.triggered(worker, coordination.now()));
        assertThat(lost.get()).as("the member lost the first call of the claim").isNotNull();
        assertThat(first).as("the claim, called again after a fifth of the lease").isPresent();

        // The run ends; the claimer keeps the lock until the claim's deadline plus the margin, then gives it back.
        assertThat(first.get().complete(Outcome.SUCCEEDED)).as("the first run's completion").isPresent();

        // A second trigger, and the worker's next slot by the same session, before Hazelcast's retry of the lost call
        // lands on the record's member.
        coordination.trigger(worker);
        Instant next = Instant.ofEpochMilli(coordination.now().toEpochMilli() / 1000 * 1000 + 1000);
        Optional<Lease> second = coordination.claim(ClaimRequest.scheduled(worker, next));
        assertThat(second).as("the next slot's claim").isPresent();
        real.executeOnKey(worker, lost.get());

        SlotState landed = record();
        assertThat(second.get().complete(Outcome.SUCCEEDED))
                .as("the next slot ran: its completion is recorded (record after the lost call: %s)", landed)
                .isPresent();
        SlotState after = record();
        assertThat(after.isRunning()).as("no run recorded that nobody makes: %s", after).isFalse();
        assertThat(after.flags().triggerPending()).as("the second trigger is still to be served: %s", after).isTrue();
    }
}

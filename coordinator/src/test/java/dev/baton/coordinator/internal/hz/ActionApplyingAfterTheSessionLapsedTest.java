package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapInterceptor;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.NoEvents;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An operator action asked for on the minority side of a split shortly before the node's session
 * lapses: the call to a record whose owner is on the other side times out until Hazelcast removes
 * those members (its heartbeat timeout, 5 s, as the lease), and would then apply on this side's
 * copy, after the session lapsed, with the operator told it was done. The records call stops
 * trying once the session has no quorum (from review s37b).
 *
 * <p>Here: two voters, the other crashed (kept as a voter for the removal delay); the operator
 * pauses on the survivor shortly before its session lapses; the record's calls time out (an
 * interceptor, as the call to an unreachable owner does) until the session has lapsed.
 */
class ActionApplyingAfterTheSessionLapsedTest {

    static volatile boolean hold;
    static final AtomicInteger timedOut = new AtomicInteger();

    /** Fails a pause's write before it is stored, as a call to an owner that does not answer. */
    static final class OwnerUnreachable implements MapInterceptor {
        @Override
        public Object interceptGet(Object value) {
            return null;
        }

        @Override
        public void afterGet(Object value) {
        }

        @Override
        public Object interceptPut(Object oldValue, Object newValue) {
            if (hold && newValue instanceof HzSlot slot && slot.state().flags().paused()) {
                timedOut.incrementAndGet();
                throw new OperationTimeoutException("test: the record's owner, across the split, does not answer");
            }
            return null;
        }

        @Override
        public void afterPut(Object value) {
        }

        @Override
        public Object interceptRemove(Object removedValue) {
            return null;
        }

        @Override
        public void afterRemove(Object value) {
        }
    }

    private final HazelcastMembers members = new HazelcastMembers(1);
    private Coordination survivor;

    @AfterEach
    void close() {
        hold = false;
        if (survivor != null) {
            survivor.close();
        }
        members.close();
    }

    @Test
    void aPauseAskedForJustBeforeTheSessionLapsesDoesNotApplyAfterIt() throws Exception {
        survivor = node("a", 0);
        Coordination other = node("b", 1);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() ->
                survivor.status().voters().size() == 2 && survivor.status().quorumPresent()
                        && other.status().quorumPresent());
        survivor.pause("w");
        survivor.resume("w");
        IMap<String, HzSlot> records = members.get(0).getMap(HzSettings.RECORDS_MAP);
        records.addInterceptor(new OwnerUnreachable());
        hold = true;

        members.get(1).getLifecycleService().terminate();
        LocalSession session = ((HzCoordination) survivor).session();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> session.validUntil() - System.nanoTime() < TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(session.isValid()).as("the session still has its quorum's support when the operator acts").isTrue();

        CompletableFuture<Void> operator = CompletableFuture.runAsync(() -> survivor.pause("w"));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> !session.isValid());
        assertThat(timedOut.get()).as("the pause's calls timed out until the session lapsed").isPositive();
        // It may have stopped already, seeing the session lapse before this thread did; never with success.
        assertThat(operator.isDone() && !operator.isCompletedExceptionally()).as("told done before the lapse").isFalse();
        assertThat(survivor.read("w").orElseThrow().paused()).as("no call stored it so far").isFalse();
        hold = false;                              // this side's copy takes writes now

        String told;
        try {
            operator.get(10, TimeUnit.SECONDS);
            told = "done";
        } catch (ExecutionException e) {
            told = e.getCause().getMessage();
        }
        assertThat(survivor.read("w").orElseThrow().paused())
                .as("the record changed after the session lapsed; the operator was told: %s", told).isFalse();
        assertThat(told).isNotEqualTo("done");
    }

    private Coordination node(String id, int member) {
        Coordination node = HazelcastCoordination.builder(members.get(member)).nodeId(id)
                .lease(Duration.ofSeconds(2)).voterRemovalDelay(Duration.ofMinutes(5)).build();
        node.start(NoEvents.INSTANCE);
        return node;
    }
}

package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.NoEvents;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.Lease;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A claim whose lock the voters do not grant within its wait gives up, and takes its request back:
 * otherwise the answers that arrive later grant the lock to a session that no longer wants it, which
 * renews it with its other locks, and no node can claim the worker again while that node lives.
 *
 * <p>Here: three voters; the other two members' session executors are kept busy for longer than the
 * claim waits (half the lease at most) and shorter than a lease, as a slow or briefly stalled member would
 * answer.
 */
class AcquireTimeoutWithdrawsTest {

    private static final int SESSION_THREADS = 4;
    static volatile CountDownLatch busy = new CountDownLatch(0);
    static volatile CountDownLatch occupied = new CountDownLatch(0);

    /** Holds one of a member's session threads until the test lets go. */
    static final class Occupy implements Callable<Void>, Serializable {
        @Override
        public Void call() throws InterruptedException {
            occupied.countDown();
            busy.await(30, TimeUnit.SECONDS);
            return null;
        }
    }

    @RegisterExtension
    final HazelcastMembers members = new HazelcastMembers(1);

    @AfterEach
    void letGo() {
        busy.countDown();
    }

    @Test
    void aClaimThatGaveUpWaitingForTheLockLeavesItToTheOthers() throws Exception {
        List<Coordination> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(members.closing(node("n" + i, members.get(i))));
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> nodes.stream()
                .allMatch(n -> n.status().voters().size() == 3 && n.status().quorumPresent()));
        Coordination asking = nodes.get(0);
        LocalSession session = ((HzCoordination) asking).session();

        busy = new CountDownLatch(1);
        occupied = new CountDownLatch(2 * SESSION_THREADS);
        for (int i = 1; i < 3; i++) {
            HazelcastInstance member = members.get(i);
            for (int t = 0; t < SESSION_THREADS; t++) {
                member.getExecutorService(HzSettings.EXECUTOR).submitToMember(new Occupy(),
                        member.getCluster().getLocalMember());
            }
        }
        assertThat(occupied.await(5, TimeUnit.SECONDS)).as("the other members' session threads are busy").isTrue();
        Optional<Lease> lease = asking.claim(ClaimRequest.scheduled("w", slot(asking)));
        assertThat(lease).as("no voter but itself answered in time").isEmpty();
        assertThat(session.isValid()).as("its session outlived the wait: the claim gave up on the lock alone")
                .isTrue();
        busy.countDown();

        // The late answers arrive: they must not hand the lock to the node that gave up.
        await("another node claims w once the late answers are in").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50)).until(() ->
                nodes.get(1).claim(ClaimRequest.scheduled("w", slot(asking))).map(this::done).orElse(false));
        assertThat(session.holds("w")).as("the node that gave up holds no lock on w").isFalse();
    }

    private boolean done(Lease lease) {
        lease.complete(Outcome.SUCCEEDED);
        return true;
    }

    private static Instant slot(Coordination node) {
        return node.now().truncatedTo(ChronoUnit.SECONDS);
    }

    private static Coordination node(String id, HazelcastInstance member) {
        Coordination node = HazelcastCoordination.builder(member).nodeId(id).lease(Duration.ofSeconds(5))
                .voterRemovalDelay(Duration.ofMinutes(5)).build();
        node.start(NoEvents.INSTANCE);
        return node;
    }
}

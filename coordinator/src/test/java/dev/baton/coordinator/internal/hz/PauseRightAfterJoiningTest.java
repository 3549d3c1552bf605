package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import dev.baton.coordinator.CoordinationContract.EventLog;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.spi.Coordination;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/**
 * Every node's engine hears an operator's pause (and trigger) made on another node right after it
 * joined. A third node joins a running pair; as soon as it has a quorum, one of the pair pauses a
 * worker and the other triggers it. The new member is slow to run what the others send it at first
 * (a member just started, on a loaded machine: CI's 2 cores), so the others' sessions reach its table
 * only after the actions, in a snapshot, which must carry the events the member never applied.
 * Before, the snapshot replaced the locks and dropped the events: CI's failure of
 * {@code CoordinationContract.aPauseAndAResumeAreAnnouncedWithTheTokensTheyLeftInTheRecord}.
 * Without the slow start the window is a few milliseconds wide and was never hit on a quiet machine.
 */
class PauseRightAfterJoiningTest {

    private static final int JOINS = 3;
    /** Longer than a fifth of the lease: the others send their snapshot again, now with the actions in it. */
    private static final Duration SLOW_START = Duration.ofMillis(900);

    @RegisterExtension
    final HazelcastMembers members = new HazelcastMembers(2);

    @AfterEach
    void release() {
        Busy.release();
    }

    private Coordination start(HazelcastInstance member, String id, EventLog events) {
        Coordination node = HazelcastCoordination.builder(member).nodeId(id).lease(Duration.ofSeconds(2)).build();
        members.closing(node).start(events);
        return node;
    }

    /**
     * An operator's action, made again when the cluster's answer was lost, as the README tells an operator
     * to: with one core busy, the member that just joined (its partitions still moving) acknowledged a
     * backup later than the backup timeout once (CI-like run CS), and the call gave up after its lease.
     */
    private static void act(Runnable action) {
        for (int attempt = 1; ; attempt++) {
            try {
                action.run();
                return;
            } catch (IllegalStateException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("did not confirm the change in time")) {
                    throw e;
                }
            }
        }
    }

    private static void ready(Coordination node) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                .until(() -> node.status().quorumPresent());
    }

    @Test
    void aNodeThatJustJoinedHearsAPauseAndATriggerMadeElsewhere() throws InterruptedException {
        Coordination a = start(members.get(0), "a", new EventLog());
        Coordination b = start(members.get(1), "b", new EventLog());
        ready(a);
        ready(b);

        List<String> missed = new ArrayList<>();
        for (int join = 0; join < JOINS; join++) {
            String worker = "w" + join;
            EventLog heard = new EventLog();
            HazelcastInstance member = members.start();
            Busy.occupy(member.getExecutorService(HzSettings.EXECUTOR), member);
            Coordination c = start(member, "c" + join, heard);
            ready(c);
            act(() -> b.pause(worker));
            act(() -> a.trigger(worker));
            Thread.sleep(SLOW_START.toMillis());
            Busy.release();
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> heard.events.containsAll(
                        List.of("paused " + worker, "triggered " + worker)));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                missed.add("join " + join + " heard only " + heard.events);
            }
            members.closed(c);
            c.close();
            member.getLifecycleService().terminate();
        }

        assertThat(missed).as("joins whose node missed the pause or trigger made right after it joined").isEmpty();
    }

    /** Keeps every thread of a member's session executor busy (its pool has 4), as a slow new member would. */
    static final class Busy implements Runnable, Serializable {
        private static final int THREADS = 4;
        private static volatile CountDownLatch running = new CountDownLatch(0);
        private static volatile CountDownLatch released = new CountDownLatch(0);

        static void occupy(IExecutorService executor, HazelcastInstance member) throws InterruptedException {
            running = new CountDownLatch(THREADS);
            released = new CountDownLatch(1);
            for (int i = 0; i < THREADS; i++) {
                executor.executeOnMember(new Busy(), member.getCluster().getLocalMember());
            }
            assertThat(running.await(10, TimeUnit.SECONDS)).as("the member's session executor is busy").isTrue();
        }

        static void release() {
            released.countDown();
        }

        @Override
        public void run() {
            running.countDown();
            try {
                released.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

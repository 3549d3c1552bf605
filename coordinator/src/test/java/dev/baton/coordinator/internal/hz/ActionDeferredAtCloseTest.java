package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.coordinator.CoordinationContract.EventLog;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node shut down while its session is dead (a pod cut off from the cluster is typically killed just
 * then). An operator's pause whose record was written as the session died is handed to the next session
 * (HzCoordination.announce defers it): the close lets that session start and waits for it, bounded, so the
 * other node's engine hears the pause (before, close() stopped the replacement and it never did, relying on
 * its next read of the record); when the replacement would tell no current member anything, the close
 * does not wait at all.
 */
class ActionDeferredAtCloseTest {

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final List<Coordination> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        nodes.forEach(Coordination::close);
        members.close();
    }

    /** A node of lease 2 s whose crashed voters stay voters through the test (removal delay 5 minutes). */
    private Coordination start(int member, String id, CoordinationEvents events) {
        Coordination node = HazelcastCoordination.builder(members.get(member)).nodeId(id)
                .lease(Duration.ofSeconds(2)).voterRemovalDelay(Duration.ofMinutes(5)).build();
        nodes.add(node);
        node.start(events);
        return node;
    }

    private static void awaitVotersWithAQuorum(Coordination... all) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() ->
                all[0].status().voters().size() == all.length
                        && Arrays.stream(all).allMatch(n -> n.status().quorumPresent()));
    }

    /** As maintain does when it finds the session dead: notes when, from which the replacement is an expiry. */
    private static LocalSession killSession(HzCoordination node) throws ReflectiveOperationException {
        notedDeadNow(node);
        LocalSession dead = node.session();
        assertThat(dead.checkValidity(System.nanoTime() + Duration.ofSeconds(10).toNanos())).isTrue();
        return dead;
    }

    private static void notedDeadNow(HzCoordination node) throws ReflectiveOperationException {
        Field diedAt = HzCoordination.class.getDeclaredField("diedAtNanos");
        diedAt.setAccessible(true);
        diedAt.setLong(node, System.nanoTime());
    }

    /** An operator's pause of w whose record was written: announced now, or deferred if the session is dead. */
    private static void pauseAnnounced(HzCoordination node) throws ReflectiveOperationException {
        Class<?> actionType = Class.forName(HzCoordination.class.getName() + "$Action");
        Constructor<?> action = actionType.getDeclaredConstructor(long.class, long.class);
        action.setAccessible(true);
        Method announce = HzCoordination.class.getDeclaredMethod("announce", SessionOp.Kind.class, String.class,
                boolean.class, actionType);
        announce.setAccessible(true);
        announce.invoke(node, SessionOp.Kind.PAUSE, "w", true, action.newInstance(41L, 7L));
    }

    /** close() from its goodbye on (a dead session's leaveVoters returns at once); how long its wait took, in ms. */
    private static long closeWait(HzCoordination node) {
        node.leaving();
        long start = System.nanoTime();
        node.awaitAcknowledged(start + Duration.ofSeconds(20).toNanos());
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aPauseDeferredToTheNextSessionReachesTheOthersWhenTheNodeClosesFirst() throws Exception {
        EventLog heardByB = new EventLog();
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        Coordination b = start(1, "b", heardByB);
        awaitVotersWithAQuorum(a, b);

        killSession(a);
        pauseAnnounced(a);
        // Node a is shut down before its next session starts.
        long closing = System.nanoTime();
        nodes.remove(a);
        a.close();
        long closeMillis = (System.nanoTime() - closing) / 1_000_000;

        try {
            await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(20))
                    .until(() -> heardByB.events.contains("paused w"));
        } catch (ConditionTimeoutException e) {
            // the assertion says what b heard
        }
        assertThat(heardByB.events).as("node b's engine hears the pause a's record holds (a's close took %d ms)",
                closeMillis).contains("paused w");
    }

    /**
     * close() ends by waiting until every member heard everything, closing included. A dead session sends
     * nothing more, so that never happens: a node shut down while its session is dead, with nothing left
     * to tell, waited the whole close timeout (2 s) for nothing.
     */
    @Test
    void closingWithADeadSessionDoesNotWaitForAcknowledgementsItCanNeverGet() throws Exception {
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        Coordination b = start(1, "b", new EventLog());
        awaitVotersWithAQuorum(a, b);

        killSession(a);

        assertThat(closeWait(a)).as("close()'s wait for the acknowledgements of a dead session, in ms")
                .isLessThan(1_000);
    }

    /**
     * Review s40b. The loop's replacement clears the deferred actions and sets the new session before that
     * session's first round knows any member; a session that knows no member counted as acknowledged by
     * all, so close()'s wait ended between the replacement and the first message to the others, and nobody
     * heard the pause. Here the loop thread is held up 200 ms in that window (a GC pause, the CPU given to
     * others, a slow engine callback for the replayed pause, which runs on the loop thread), to hit it
     * every time.
     */
    @Test
    void theCloseDoesNotStopWaitingBeforeTheReplacingSessionToldAnyoneTheDeferredPause() throws Exception {
        EventLog heardByB = new EventLog();
        CoordinationEvents slowOwnEngine = new CoordinationEvents() {
            @Override
            public void triggered(String worker) {
            }

            @Override
            public void orphaned(String worker) {
            }

            @Override
            public void rebalanced() {
            }

            @Override
            public void pauseChanged(String worker, boolean paused) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        HzCoordination a = (HzCoordination) start(0, "a", slowOwnEngine);
        Coordination b = start(1, "b", heardByB);
        awaitVotersWithAQuorum(a, b);

        killSession(a);
        pauseAnnounced(a);
        long waitedMillis = closeWait(a);

        assertThat(heardByB.events.contains("paused w")).as("node b's engine heard the deferred pause when"
                + " close()'s wait for it ended (after %d ms; a's session now %s)", waitedMillis, a.session().id)
                .isTrue();
    }

    /**
     * Review s40c. Voter c crashed (its member is gone; it stays a voter until the removal delay passes), so
     * node a's session keeps its events logged for c. An operator pauses w on a; b, the only other member,
     * hears it. Then a's session dies and a is shut down: the successor would tell no member anything, yet
     * close() waited for it (an expiry after the death), counting c, which is not a member at all.
     */
    @Test
    void closingWithADeadSessionWhoseOnlyUnheardProcessIsACrashedVoterDoesNotWaitForAReplacement()
            throws Exception {
        EventLog heardByB = new EventLog();
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        Coordination b = start(1, "b", heardByB);
        Coordination c = start(2, "c", new EventLog());
        awaitVotersWithAQuorum(a, b, c);

        nodes.remove(c);
        members.get(2).getLifecycleService().terminate();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                members.get(0).getCluster().getMembers().size() == 2);
        assertThat(a.status().voters()).hasSize(3);
        pauseAnnounced(a);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> heardByB.events.contains("paused w") && a.session().allAcknowledged());
        LocalSession dead = killSession(a);

        assertThat(closeWait(a)).as("close()'s wait, in ms, with a dead session every member heard entirely"
                + " (a's session now %s, was %s)", a.session().id, dead.id).isLessThan(1_000);
    }

    /**
     * Review s40d. Two nodes, a and c. c crashes: a's session dies, and a pause made on a just then is
     * deferred. Hazelcast removes c's member before a is shut down, within an expiry of the death: nobody is
     * left to tell the pause (c reads the record when it comes back). A dead session never rounds again, so
     * its members are those of its last round: the close counted c and waited for the replacement, whose
     * first round found no member at all.
     */
    @Test
    void closingWithADeadSessionWhoseOnlyMemberHasLeftSinceDoesNotWaitForAReplacement() throws Exception {
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        Coordination c = start(1, "c", new EventLog());
        awaitVotersWithAQuorum(a, c);

        nodes.remove(c);
        members.get(1).getLifecycleService().terminate();
        LocalSession dead = killSession(a);
        pauseAnnounced(a);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() ->
                members.get(0).getCluster().getMembers().size() == 1);
        assertThat(a.session()).as("not replaced yet").isSameAs(dead);
        // As if the loop found it dead just now: the replacement comes an expiry from here, whatever the removal took.
        notedDeadNow(a);

        assertThat(closeWait(a)).as("close()'s wait, in ms, with a dead session and no member left to tell"
                + " (a's session now %s, was %s)", a.session().id, dead.id).isLessThan(1_000);
    }
}

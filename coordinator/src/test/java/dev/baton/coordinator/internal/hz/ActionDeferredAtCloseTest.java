package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.coordinator.CoordinationContract.EventLog;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.spi.Coordination;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node shut down while its session is dead (a pod cut off from the cluster is typically killed just
 * then). An operator's pause whose record was written as the session died is handed to the next session
 * (HzCoordination.announce defers it): the close lets that session start and waits for it, bounded, so the
 * other node's engine hears the pause (before, close() stopped the replacement and it never did, relying on
 * its next read of the record); with nothing left to tell, the close does not wait at all.
 */
class ActionDeferredAtCloseTest {

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final List<Coordination> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        nodes.forEach(Coordination::close);
        members.close();
    }

    private Coordination start(int member, String id, dev.baton.worker.spi.CoordinationEvents events) {
        Coordination node = HazelcastCoordination.builder(members.get(member)).nodeId(id)
                .lease(Duration.ofSeconds(2)).build();
        nodes.add(node);
        node.start(events);
        return node;
    }

    @Test
    void aPauseDeferredToTheNextSessionReachesTheOthersWhenTheNodeClosesFirst() throws Exception {
        EventLog heardByB = new EventLog();
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        Coordination b = start(1, "b", heardByB);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                a.status().voters().size() == 2 && a.status().quorumPresent() && b.status().quorumPresent());

        // The loop finds a's session dead (as maintain does: it notes when) just after the pause's record was written.
        Field diedAt = HzCoordination.class.getDeclaredField("diedAtNanos");
        diedAt.setAccessible(true);
        diedAt.setLong(a, System.nanoTime());
        assertThat(a.session().checkValidity(System.nanoTime() + Duration.ofSeconds(10).toNanos())).isTrue();
        Class<?> actionType = Class.forName(HzCoordination.class.getName() + "$Action");
        Constructor<?> action = actionType.getDeclaredConstructor(long.class, long.class);
        action.setAccessible(true);
        Method announce = HzCoordination.class.getDeclaredMethod("announce", SessionOp.Kind.class, String.class,
                boolean.class, actionType);
        announce.setAccessible(true);
        announce.invoke(a, SessionOp.Kind.PAUSE, "w", true, action.newInstance(41L, 7L));

        // Node a is shut down before its next session starts.
        long closing = System.nanoTime();
        nodes.remove(a);
        a.close();
        long closeMillis = (System.nanoTime() - closing) / 1_000_000;

        try {
            await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(20))
                    .until(() -> heardByB.events.contains("paused w"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // fall through to the assertion, which says what b heard
        }
        assertThat(heardByB.events).as("node b's engine hears the pause a's record holds (a's close took %d ms)",
                closeMillis).contains("paused w");
    }

    /**
     * close() ends with awaitAcknowledged(session): it waits until every member heard everything, closing
     * included. A dead session sends nothing more, so that never happens: a node shut down while its
     * session is dead, with nothing left to tell, waited the whole close timeout (2 s) for nothing.
     */
    @Test
    void closingWithADeadSessionDoesNotWaitForAcknowledgementsItCanNeverGet() throws Exception {
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        Coordination b = start(1, "b", new EventLog());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                a.status().voters().size() == 2 && a.status().quorumPresent() && b.status().quorumPresent());
        Field diedAt = HzCoordination.class.getDeclaredField("diedAtNanos");
        diedAt.setAccessible(true);
        diedAt.setLong(a, System.nanoTime());
        LocalSession dead = a.session();
        assertThat(dead.checkValidity(System.nanoTime() + Duration.ofSeconds(10).toNanos())).isTrue();

        a.leaving();
        long start = System.nanoTime();
        a.awaitAcknowledged(start + Duration.ofSeconds(10).toNanos());
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(waitedMillis).as("close()'s wait for the acknowledgements of a dead session, in ms")
                .isLessThan(1_000);
    }

    /**
     * Review s40b. close()'s wait while the session is dead ends as soon as it finds nothing left to tell: but
     * the loop's replacement clears the deferred actions (under the session lock) and sets the new session
     * before that session's first round knows any member, and a session that knows no member counts as
     * acknowledged by all (allAcknowledged over no peers). The close's wait ends between the replacement and
     * the first message to the others, and close() stops the loop: nobody has heard the pause (if the member
     * shuts down next, as a node's shutdown does, the first round's messages may never leave). The window lasts
     * as long as the loop's work between the replacement and its first round (the replay, table.forget, a log
     * line, the voters driver, coverFences' store, a sweep); here the loop thread is held up 200 ms in it (a GC
     * pause, the CPU given to others, a slow engine callback for the replayed pause, which runs on the loop
     * thread under the session lock), to hit it every time.
     */
    @Test
    void theCloseDoesNotStopWaitingBeforeTheReplacingSessionToldAnyoneTheDeferredPause() throws Exception {
        EventLog heardByB = new EventLog();
        dev.baton.worker.spi.CoordinationEvents slowOwnEngine = new dev.baton.worker.spi.CoordinationEvents() {
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
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                a.status().voters().size() == 2 && a.status().quorumPresent() && b.status().quorumPresent());

        Field diedAt = HzCoordination.class.getDeclaredField("diedAtNanos");
        diedAt.setAccessible(true);
        diedAt.setLong(a, System.nanoTime());
        assertThat(a.session().checkValidity(System.nanoTime() + Duration.ofSeconds(10).toNanos())).isTrue();
        Class<?> actionType = Class.forName(HzCoordination.class.getName() + "$Action");
        Constructor<?> action = actionType.getDeclaredConstructor(long.class, long.class);
        action.setAccessible(true);
        Method announce = HzCoordination.class.getDeclaredMethod("announce", SessionOp.Kind.class, String.class,
                boolean.class, actionType);
        announce.setAccessible(true);
        announce.invoke(a, SessionOp.Kind.PAUSE, "w", true, action.newInstance(41L, 7L));

        // close(), from its goodbye on (the dead session: leaveVoters returns at once).
        a.leaving();
        long start = System.nanoTime();
        a.awaitAcknowledged(start + Duration.ofSeconds(20).toNanos());
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        boolean heardWhenTheWaitEnded = heardByB.events.contains("paused w");

        assertThat(heardWhenTheWaitEnded).as("node b's engine heard the deferred pause when close()'s wait for"
                + " it ended (after %d ms; a's session now %s)", waitedMillis, a.session().id).isTrue();
    }

    /**
     * Review s40c. Voter c crashed (its member is gone; it is not removed from the voters yet, the removal
     * delay not having passed), so node a's session keeps its events logged for c. An operator pauses w on
     * a; b, the only other member, hears it. Then a's session dies and a is shut down. Every member heard
     * everything: the successor would tell nobody anything (c, not a member, gets nothing, and the successor
     * stops with the close anyway), yet close() waits for the replacement (an expiry after the death), its
     * round and b's acknowledgement, because hasUnheardActions counts processes that are not members at all.
     * docs/lease-protocol.md: with no actions not every member heard, the node leaves at once.
     */
    @Test
    void closingWithADeadSessionWhoseOnlyUnheardProcessIsACrashedVoterDoesNotWaitForAReplacement()
            throws Exception {
        EventLog heardByB = new EventLog();
        HzCoordination a = (HzCoordination) startKeepingVoters(0, "a", new EventLog());
        Coordination b = startKeepingVoters(1, "b", heardByB);
        Coordination c = startKeepingVoters(2, "c", new EventLog());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() ->
                a.status().voters().size() == 3 && a.status().quorumPresent() && b.status().quorumPresent()
                        && c.status().quorumPresent());

        // c crashes: its member goes, it stays a voter (removal delay five minutes).
        nodes.remove(c);
        members.get(2).getLifecycleService().terminate();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                members.get(0).getCluster().getMembers().size() == 2);
        assertThat(a.status().voters()).hasSize(3);

        // An operator pauses w on a; b hears it.
        Class<?> actionType = Class.forName(HzCoordination.class.getName() + "$Action");
        Constructor<?> action = actionType.getDeclaredConstructor(long.class, long.class);
        action.setAccessible(true);
        Method announce = HzCoordination.class.getDeclaredMethod("announce", SessionOp.Kind.class, String.class,
                boolean.class, actionType);
        announce.setAccessible(true);
        announce.invoke(a, SessionOp.Kind.PAUSE, "w", true, action.newInstance(41L, 7L));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> heardByB.events.contains("paused w") && a.session().allAcknowledged());

        // a's session dies; a is shut down (close() from its goodbye on).
        Field diedAt = HzCoordination.class.getDeclaredField("diedAtNanos");
        diedAt.setAccessible(true);
        diedAt.setLong(a, System.nanoTime());
        LocalSession dead = a.session();
        assertThat(dead.checkValidity(System.nanoTime() + Duration.ofSeconds(10).toNanos())).isTrue();
        a.leaving();
        long start = System.nanoTime();
        a.awaitAcknowledged(start + Duration.ofSeconds(20).toNanos());
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(waitedMillis).as("close()'s wait, in ms, with a dead session every member heard entirely"
                + " (a's session now %s, was %s)", a.session().id, dead.id).isLessThan(1_000);
    }

    private Coordination startKeepingVoters(int member, String id, dev.baton.worker.spi.CoordinationEvents events) {
        Coordination node = HazelcastCoordination.builder(members.get(member)).nodeId(id)
                .lease(Duration.ofSeconds(2)).voterRemovalDelay(Duration.ofMinutes(5)).build();
        nodes.add(node);
        node.start(events);
        return node;
    }
}

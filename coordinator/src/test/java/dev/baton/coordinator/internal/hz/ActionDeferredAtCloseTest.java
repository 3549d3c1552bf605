package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import dev.baton.coordinator.CoordinationContract.EventLog;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A node shut down while its session is dead (a pod cut off from the cluster is typically killed just
 * then). An operator's pause whose record was written as the session died is handed to the next session
 * (HzCoordination.announce defers it): the close lets that session start and waits for it, bounded, so the
 * other node's engine hears the pause (before, close() stopped the replacement and it never did, relying on
 * its next read of the record); when the replacement would tell no current member anything, the close
 * does not wait at all.
 */
class ActionDeferredAtCloseTest {

    @RegisterExtension
    final HazelcastMembers members = new HazelcastMembers(1);

    /** A node of lease 2 s whose crashed voters stay voters through the test (removal delay 5 minutes). */
    private Coordination start(int member, String id, CoordinationEvents events) {
        Coordination node = HazelcastCoordination.builder(members.get(member)).nodeId(id)
                .lease(Duration.ofSeconds(2)).voterRemovalDelay(Duration.ofMinutes(5)).build();
        members.closing(node).start(events);
        return node;
    }

    private static void awaitVotersWithAQuorum(Coordination... all) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() ->
                all[0].status().voters().size() == all.length
                        && Arrays.stream(all).allMatch(n -> n.status().quorumPresent()));
    }

    /**
     * Nodes a, b and c; c crashes (a voter still: the removal delay is five minutes); an operator pauses
     * w on a, and b hears it, so that only c's process, no member now, missed it. Node a.
     */
    private HzCoordination pausedHeardByAllButACrashedVoter() throws ReflectiveOperationException {
        EventLog heardByB = new EventLog();
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        Coordination b = start(1, "b", heardByB);
        Coordination c = start(2, "c", new EventLog());
        awaitVotersWithAQuorum(a, b, c);
        crash(c, 2);
        assertThat(a.status().voters()).hasSize(3);
        pauseAnnounced(a);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> heardByB.events.contains("paused w") && a.session().allAcknowledged());
        return a;
    }

    /** Kills the node's Hazelcast member, and waits until the first member has seen it go. */
    private void crash(Coordination node, int member) {
        members.closed(node);
        int left = members.get(0).getCluster().getMembers().size() - 1;
        members.get(member).getLifecycleService().terminate();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                members.get(0).getCluster().getMembers().size() == left);
    }

    /** As maintain does when it finds the session dead: notes when, from which the replacement is an expiry. */
    private static LocalSession killSession(HzCoordination node) throws ReflectiveOperationException {
        LocalSession dead = node.session();
        // A session dies only after it was seen valid: the voters may have a quorum a renewal before
        // this node's session counts it (founded together, neither had renewed under them yet).
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> dead.isValid() && !dead.checkValidity(System.nanoTime()));
        notedDeadNow(node);
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
        members.closed(a);
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
        HzCoordination a = pausedHeardByAllButACrashedVoter();
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

        members.closed(c);
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

    /** Keeps the loop from replacing the dead session (its replacement comes an expiry after this). */
    private static void replacementHeldOff(HzCoordination node) throws ReflectiveOperationException {
        Field diedAt = HzCoordination.class.getDeclaredField("diedAtNanos");
        diedAt.setAccessible(true);
        diedAt.setLong(node, System.nanoTime() + Duration.ofMinutes(1).toNanos());
    }

    /**
     * Review s40e. Voter c crashed (a voter still), so a's pause stays unheard by a process; b heard it.
     * a's session dies; a Hazelcast member that runs no Baton at all (another application's member, a
     * lite member) joins meanwhile. The dead session does not know it, and counts it as a member that
     * missed every unheard action: the close waits for the replacement, an expiry after the death, to
     * learn that this member runs no Baton (leavesUntold's javadoc: "one that runs no Baton, none"; the
     * node's table holds no session from it). Every close of a dead session in such a fleet waits so.
     */
    @Test
    void closingWithADeadSessionDoesNotWaitForAMemberThatRunsNoBaton() throws Exception {
        HzCoordination a = pausedHeardByAllButACrashedVoter();
        LocalSession dead = killSession(a);
        replacementHeldOff(a);
        members.start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                members.get(0).getCluster().getMembers().size() == 3);
        assertThat(a.session()).as("not replaced yet").isSameAs(dead);
        notedDeadNow(a);

        assertThat(closeWait(a)).as("close()'s wait, in ms, with a dead session every Baton member heard"
                + " entirely and one more member that runs no Baton (a's session now %s, was %s)",
                a.session().id, dead.id).isLessThan(1_000);
    }

    /**
     * Review s40f. Node b's Baton closed (a scale-in that stops Baton first, or an application that keeps
     * its Hazelcast member for other work): its member stays, its closing session stays in a's table until
     * the sweep, an expiry after its goodbye. Node a's session had died just before (it rounds no more, so
     * it still counts b as participating); a pause made on a is deferred and a is shut down. batonMembers()
     * counts b, whose table entry is a closing session of a Baton that is gone: the close waits for the
     * replacement, an expiry after the death, whose first round learns that b runs no Baton (the close
     * waits for a member that runs no Baton, as Review s40e's case, with a closed Baton).
     */
    @Test
    void closingWithADeadSessionDoesNotWaitForAMemberWhoseBatonClosed() throws Exception {
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        Coordination b = start(1, "b", new EventLog());
        awaitVotersWithAQuorum(a, b);

        LocalSession dead = killSession(a);
        replacementHeldOff(a);
        members.closed(b);
        b.close();
        assertThat(members.get(0).getCluster().getMembers()).as("b's Hazelcast member stays").hasSize(2);
        pauseAnnounced(a);
        assertThat(a.session()).as("not replaced yet").isSameAs(dead);
        notedDeadNow(a);

        assertThat(closeWait(a)).as("close()'s wait, in ms, with a dead session and the only other member's"
                + " Baton closed (a's session now %s, was %s)", a.session().id, dead.id).isLessThan(1_000);
    }

    /**
     * Review s40f. Node b's member joined before its Baton started: node a's session counted it as running
     * no Baton (NOT_PARTICIPATING). a's session dies (it rounds no more), then b's Baton starts (its session
     * is in a's table: batonMembers() counts b), then an operator pauses w on a: deferred to a's next
     * session. a is shut down. leavesUntold skips b on the dead session's stale "runs no Baton", though a
     * member the dead session does not know at all would count as having missed every action: the close
     * leaves at once, and b's running engine hears the pause only if the close happens to last an expiry
     * (here a's voter seat hand-over did; a non-voter's, or a seat already given back, does not), or by
     * its next read of the record. Asserted at the end of the close's wait, as the s40b case does.
     */
    @Test
    void aPauseDeferredAtCloseReachesAMemberWhoseBatonStartedAfterTheSessionDied() throws Exception {
        EventLog heardByB = new EventLog();
        members.get(1);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                members.get(0).getCluster().getMembers().size() == 2);
        // a's session learns from b's member, in its first rounds, that it runs no Baton.
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                a.session().allAcknowledged() && a.status().quorumPresent());
        LocalSession dead = killSession(a);
        replacementHeldOff(a);
        start(1, "b", heardByB);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                a.table().sessions().stream().anyMatch(s -> s.nodeId().equals("b")));
        pauseAnnounced(a);
        assertThat(a.session()).as("not replaced yet").isSameAs(dead);
        notedDeadNow(a);
        long waitedMillis = closeWait(a);

        assertThat(heardByB.events.contains("paused w")).as("node b's engine heard the deferred pause when"
                + " close()'s wait for it ended (after %d ms; a's session now %s, was %s)", waitedMillis,
                a.session().id, dead.id).isTrue();
    }

    /**
     * Review s40e. A node shut down while its session is dead, with a deferred pause: close() waits for
     * the replacement. Its Hazelcast member stops meanwhile (a merge that fails, an operator's cluster
     * shutdown, the application stopping it from another thread): the wait now asks Hazelcast for its
     * members, under the session lock, and HazelcastInstanceNotActiveException escapes close(), which skips
     * the rest of it (the loop is not stopped, the listeners and user-context entries stay, the voter state
     * directory stays locked). close() handles a stopped member otherwise (memberStopped), and before this
     * change the wait asked Hazelcast nothing. A real member's shutdown may first empty its member list
     * (then the close ends quietly) or first refuse every call (then it throws), a race: here node a's
     * instance refuses calls as Hazelcast's own proxy does once its member stopped, from a chosen moment:
     * while the close waits for the replacement, or from its start, when it gives its voter seat back
     * (which asked Hazelcast for its members before this change too, and threw the same way).
     */
    @ParameterizedTest
    @ValueSource(strings = {"awaitAcknowledged", "leaveVoters"})
    void aMemberStoppingWhileTheCloseWaitsDoesNotMakeCloseThrow(String stoppedIn) throws Exception {
        HazelcastInstance real = members.get(0);
        AtomicBoolean stopped = new AtomicBoolean();
        HazelcastInstance instance = (HazelcastInstance) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HazelcastInstance.class}, (proxy, method, args) -> {
                    if (stopped.get() && method.getName().equals("getCluster")) {
                        throw new HazelcastInstanceNotActiveException();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        HzCoordination a = (HzCoordination) HazelcastCoordination.builder(instance).nodeId("a")
                .lease(Duration.ofSeconds(2)).voterRemovalDelay(Duration.ofMinutes(5)).build();
        a.start(new EventLog());
        Coordination b = start(1, "b", new EventLog());
        awaitVotersWithAQuorum(a, b);

        killSession(a);
        pauseAnnounced(a);
        // The close waits for the replacement however long the seat takes to give back.
        replacementHeldOff(a);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        stopped.set(stoppedIn.equals("leaveVoters"));
        Thread closing = Thread.ofPlatform().start(() -> {
            try {
                a.close();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> !closing.isAlive()
                || Arrays.stream(closing.getStackTrace()).anyMatch(f -> f.getMethodName().equals(stoppedIn)));
        stopped.set(true);
        real.getLifecycleService().terminate();
        closing.join(30_000);

        assertThat(thrown.get()).as("what close() threw when its member stopped during the wait").isNull();
    }

    /**
     * Review s41. Nodes a and b. b's session dies too (in a two-voter fleet a message outage longer than a
     * lease kills both sessions at once) and waits its expiry for its replacement: it rounds no more, so a's
     * table sweeps it an expiry after it last heard it, while b's Hazelcast member and b's Baton (table,
     * engine) keep running. a's session dies and an operator's pause made on a is deferred to a's next
     * session; a is shut down. batonMembers() counts only members with a session in a's table, so b does not
     * count, leavesUntold(members, true) is false and the close leaves at once: b's running engine never
     * hears the pause (a's replacement, which would have told it, never starts).
     */
    @Test
    void aPauseDeferredAtCloseReachesAMemberWhoseOwnSessionIsBetweenExpiryAndReplacement() throws Exception {
        EventLog heardByB = new EventLog();
        HzCoordination a = (HzCoordination) start(0, "a", new EventLog());
        HzCoordination b = (HzCoordination) start(1, "b", heardByB);
        awaitVotersWithAQuorum(a, b);

        killSession(b);
        replacementHeldOff(b);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() ->
                a.table().sessions().stream().noneMatch(s -> s.nodeId().equals("b")));
        assertThat(members.get(0).getCluster().getMembers()).as("b's Hazelcast member stays").hasSize(2);

        LocalSession dead = killSession(a);
        replacementHeldOff(a);
        pauseAnnounced(a);
        assertThat(a.session()).as("not replaced yet").isSameAs(dead);
        notedDeadNow(a);
        long waitedMillis = closeWait(a);

        assertThat(heardByB.events.contains("paused w")).as("node b's engine (its Baton running, its session"
                + " awaiting its replacement) heard the deferred pause when close()'s wait ended (after %d ms; a's"
                + " session now %s, was %s)", waitedMillis, a.session().id, dead.id).isTrue();
    }
}

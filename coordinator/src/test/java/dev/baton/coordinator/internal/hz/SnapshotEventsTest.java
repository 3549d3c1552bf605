package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SessionFixtures.member;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Member;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A member sent a snapshot of a session (new to it, after a gap, back from a split) instead of its log
 * of changes: each trigger, pause and orphaned run still reaches the member's engine, once.
 */
class SnapshotEventsTest {

    private static final long LEASE = 2_000;
    private static final long EXPIRY = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters voters = new Voters("0001-x", 1, List.of("n1@1", "n2@1", "n3@1"));
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final UUID u1 = new UUID(0, 1);
    private final UUID u2 = new UUID(0, 2);
    private final UUID u3 = new UUID(0, 3);
    /** Member 2's process under the member id it gets when it merges back. */
    private final UUID u2AfterMerge = new UUID(0, 22);
    private SessionTable mine;
    private SessionTable theirs;
    private SessionTable third;

    private static Set<Member> members(UUID... ids) {
        Set<Member> members = new LinkedHashSet<>();
        for (UUID id : ids) {
            members.add(member(id));
        }
        return members;
    }

    /** Node 1's table, member 2's (its engine's events heard) and voter 3's, under {@code configuration}; an expiry later. */
    private void tables(Voters configuration) {
        mine = table("n1", configuration);
        theirs = listening(table("n2", configuration));
        third = table("n3", configuration);
        now.addAndGet(EXPIRY + 1);
    }

    private SessionTable table(String node, Voters configuration) {
        VoterState state = new VoterState(node, "1", now::get, EXPIRY);
        state.learn(configuration);
        return new SessionTable(EXPIRY, 600, now::get, state, new FenceFloor(), () -> 0L);
    }

    private SessionTable listening(SessionTable table) {
        table.listener(SessionFixtures.recording(heard));
        return table;
    }

    private LocalSession session(String id, UUID self) {
        return new LocalSession(id, Set.of(), new LocalSession.Context("n1", self::toString, mine, mine.voters(),
                new FenceFloor(), new PeerClocks(() -> 0L, now::get), now::get, LEASE, 1, () -> { }, new LongAdder()));
    }

    /** The session renews every lease/10 for {@code millis} with the members of a split: node 1 and voter 3. */
    private void renewDuringTheSplit(LocalSession session, long millis, SessionTable m2, SessionTable m3) {
        for (long t = 0; t < millis; t += LEASE / 10) {
            now.addAndGet(LEASE / 10);
            exchange(session, members(u1, u3), true, u2, m2, u3, m3);
        }
    }

    /** Member 2 merges back under a new member id: the session's next round gives it a snapshot. */
    private void mergeBack(LocalSession session, SessionTable m2) {
        now.addAndGet(1);
        receiveSnapshot(session, members(u1, u2AfterMerge, u3), u2AfterMerge, m2, "a snapshot");
    }

    /** Sends the session's round to member {@code to}, whose table answers; the message sent. */
    private LocalSession.Outgoing deliver(LocalSession session, Set<Member> members, boolean heartbeat, UUID to,
                                          SessionTable table) {
        LocalSession.Outgoing o = toMember(session.round(members, now.get(), heartbeat), to);
        session.onReply(to.toString(), o.message(), o.sentNanos(), table.receive(o.message()));
        return o;
    }

    /** The session's next round, a heartbeat, gives member {@code to} a snapshot ({@code why}), which its table applies. */
    private void receiveSnapshot(LocalSession session, Set<Member> members, UUID to, SessionTable table, String why) {
        LocalSession.Outgoing o = toMember(session.round(members, now.get(), true), to);
        assertThat(o.message().snapshot).as(why).isTrue();
        table.receive(o.message());
    }

    private static LocalSession.Outgoing toMember(List<LocalSession.Outgoing> out, UUID member) {
        return out.stream().filter(o -> o.member().getUuid().equals(member)).findFirst().orElseThrow();
    }

    /**
     * A member that gets a snapshot of the session (it is new to the session, or a gap or a resend made
     * it ask for one) still hears the pauses, resumes, triggers and orphaned runs it had not applied, each
     * once: the snapshot replaces the locks, not the events. Before, an operator's pause announced while
     * a member waited for its first snapshot never reached that member's engine.
     */
    @Test
    void aMemberGivenASnapshotHearsEachEventItHadNotAppliedOnce() {
        tables(voters);
        LocalSession session = session("s", u1);
        // Member 3 never answers, so the session keeps its log of changes.
        Set<Member> members = members(u1, u2, u3);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        session.announce(SessionOp.Kind.TRIGGER, "x", false);

        LocalSession.Outgoing first = toMember(session.round(members, now.get(), true), u2);
        assertThat(first.message().snapshot).as("member 2 is new to the session").isTrue();
        session.onReply(u2.toString(), first.message(), first.sentNanos(), theirs.receive(first.message()));
        assertThat(heard).containsExactly("paused w 41 7", "triggered x");

        session.announce(SessionOp.Kind.PAUSE, "w", false, 42, 9);
        session.onReply(u2.toString(), first.message(), first.sentNanos(), SessionReply.of(SessionReply.Status.NEED_SNAPSHOT));
        now.addAndGet(1);
        receiveSnapshot(session, members, u2, theirs, "member 2 asked for a snapshot");

        assertThat(heard).as("the resume once, the events member 2 applied before not again")
                .containsExactly("paused w 41 7", "triggered x", "resumed w 42 9");
    }

    /**
     * Member 2 applied the session's pause, trigger and orphaned run (in a delta); then it heard nothing from the
     * session for longer than the expiry (a partial partition, a long freeze), swept its entry and ran the
     * orphaned handling of what it held. Member 3 lags (or runs no Baton yet), so the session still logs
     * those events. Once member 2 hears the session again it asks for a snapshot: the snapshot carries no
     * event member 2 acknowledged (its new entry, starting from nothing, would fire them all again).
     */
    @Test
    void aMemberThatSweptTheSessionDoesNotHearTheEventsItAlreadyAppliedAgain() {
        tables(voters);
        LocalSession session = session("s", u1);
        Set<Member> members = members(u1, u2, u3);
        LocalSession.Outgoing first = deliver(session, members, true, u2, theirs);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        session.announce(SessionOp.Kind.TRIGGER, "x", false);
        session.announce(SessionOp.Kind.RELEASE, "y", true);
        now.addAndGet(1);
        LocalSession.Outgoing changes = toMember(session.round(members, now.get(), false), u2);
        assertThat(changes.message().snapshot).isFalse();
        session.onReply(u2.toString(), changes.message(), changes.sentNanos(), theirs.receive(changes.message()));
        assertThat(heard).containsExactly("paused w 41 7", "triggered x", "orphaned y");

        // Member 2 hears nothing from the session for longer than the expiry and forgets it.
        now.addAndGet(EXPIRY + 1);
        theirs.sweep();
        assertThat(theirs.nodes()).as("member 2 forgot the session").isEmpty();

        // The session's next renewal reaches member 2 again.
        LocalSession.Outgoing renewal = deliver(session, members, true, u2, theirs);
        now.addAndGet(1);
        receiveSnapshot(session, members, u2, theirs, "member 2 asked for a snapshot");

        assertThat(heard).as("each event once: member 2 applied all three before it forgot the session")
                .containsExactly("paused w 41 7", "triggered x", "orphaned y");
    }

    /**
     * Member 2 applied the session up to its start, then left the session's member list for a while (a
     * split: Hazelcast removed it, and it merges back under a new member id, its table kept). Meanwhile an
     * operator paused w; member 3 applied it, so the session trimmed its log. Member 2 comes back as a new
     * member: its snapshot carries the events not every process heard, trimmed log or not, and its table,
     * which says which sequence it applied up to, fires the pause it never applied.
     */
    @Test
    void aMemberThatMergesBackHearsThePauseAnnouncedWhileItWasSplitAway() {
        tables(voters);
        LocalSession session = session("s", u1);
        Set<Member> all = members(u1, u2, u3);
        for (LocalSession.Outgoing o : session.round(all, now.get(), true)) {
            SessionTable to = o.member().getUuid().equals(u2) ? theirs : third;
            session.onReply(o.member().getUuid().toString(), o.message(), o.sentNanos(), to.receive(o.message()));
        }

        // Split: member 2 is gone from the session's member list; the operator pauses w.
        Set<Member> split = members(u1, u3);
        now.addAndGet(1);
        session.round(split, now.get(), false);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        now.addAndGet(1);
        for (LocalSession.Outgoing o : session.round(split, now.get(), false)) {
            session.onReply(u3.toString(), o.message(), o.sentNanos(), third.receive(o.message()));
        }
        now.addAndGet(1);
        session.round(split, now.get(), true);

        // Merge: member 2 is back, with a new member id and the table it had.
        Set<Member> merged = members(u1, u2AfterMerge, u3);
        now.addAndGet(1);
        receiveSnapshot(session, merged, u2AfterMerge, theirs, "member 2 is new to the session under its new id");

        assertThat(heard).as("member 2's engine hears the pause it never applied").containsExactly("paused w 41 7");
    }

    /**
     * Member 2's acknowledgement is held up while the session logs more than its bound of changes (a burst
     * of claims on a busy node); the pause announced at the start of the burst falls off the log. Member 2
     * then gets a snapshot: it carries the pause, which member 2 never acknowledged, though the log of
     * changes dropped it.
     */
    @Test
    void aMemberLaggingBeyondTheLogsBoundStillHearsThePause() {
        tables(voters);
        LocalSession session = session("s", u1);
        Set<Member> members = members(u1, u2, u3);
        LocalSession.Outgoing first = toMember(session.round(members, now.get(), true), u2);
        SessionReply firstReply = theirs.receive(first.message());

        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        for (int i = 0; i < 50_001; i++) {
            session.announce(i % 2 == 0 ? SessionOp.Kind.REGISTER : SessionOp.Kind.UNREGISTER, "v", false);
        }
        now.addAndGet(1);
        session.round(members, now.get(), false);
        session.onReply(u2.toString(), first.message(), first.sentNanos(), firstReply);
        now.addAndGet(1);
        LocalSession.Outgoing next = toMember(session.round(members, now.get(), false), u2);
        assertThat(next.message().snapshot).as("member 2 is behind the trimmed log").isTrue();
        theirs.receive(next.message());

        assertThat(heard).as("member 2's engine hears the pause").containsExactly("paused w 41 7");
    }

    /**
     * Member 3 is a Hazelcast member that runs no Baton (or not yet): it answers every message at once,
     * its answer wakes the session's loop (it is not up to date), and it gets a snapshot again, round
     * after round. Its acknowledgement stays at -1; those snapshots carry only the events since the last
     * one (it has no engine to tell), not every trigger, pause and orphaned run since the session began
     * (up to MAX_LOG of them), which member 2, the only member with an engine, applied long ago.
     */
    @Test
    void aMemberThatRunsNoBatonIsNotSentTheSessionsWholeHistoryOfEventsRoundAfterRound() {
        tables(voters);
        LocalSession session = session("s", u1);
        Set<Member> members = members(u1, u2, u3);
        int sent = 0;
        int carried = 0;
        for (int round = 0; round < 1_000; round++) {
            session.announce(SessionOp.Kind.TRIGGER, "w" + (round % 10), false);
            now.addAndGet(1);
            for (LocalSession.Outgoing o : session.round(members, now.get(), false)) {
                SessionReply reply = o.member().getUuid().equals(u2) ? theirs.receive(o.message())
                        : SessionReply.of(SessionReply.Status.NOT_PARTICIPATING);
                if (o.member().getUuid().equals(u3)) {
                    sent++;
                    carried = o.message().ops.size();
                }
                session.onReply(o.member().getUuid().toString(), o.message(), o.sentNanos(), reply);
            }
        }

        assertThat(sent).as("the member that runs no Baton gets a snapshot every round").isEqualTo(1_000);
        assertThat(carried).as("events in the last snapshot to a member with no engine, which member 2 applied")
                .isLessThanOrEqualTo(1);
    }

    /**
     * As HzCoordination.maintain once the expiry passed: member 2 forgot the dead session, a successor
     * replaces it, and renews three times.
     */
    private void replace(LocalSession dead, Set<Member> members, UUID u2, SessionTable m2,
                         UUID u3, SessionTable m3) {
        LocalSession next = successor(dead, "s2", m2);
        for (int round = 0; round < 3; round++) {
            now.addAndGet(1);
            exchange(next, members, true, u2, m2, u3, m3);
        }
    }

    private void exchange(LocalSession session, Set<Member> members, boolean heartbeat, UUID u2, SessionTable m2,
                          UUID u3, SessionTable m3) {
        for (LocalSession.Outgoing o : session.round(members, now.get(), heartbeat)) {
            UUID to = o.member().getUuid();
            SessionTable table = to.equals(u2) ? m2 : to.equals(u3) ? m3 : null;
            if (table != null) {
                session.onReply(to.toString(), o.message(), o.sentNanos(), table.receive(o.message()));
            }
        }
    }

    /** A renewal (heartbeat) that members 2 and 3 answer ({@code m3} null: member 3 does not), after which the session is valid. */
    private void renewValid(LocalSession session, Set<Member> members, SessionTable m2, SessionTable m3) {
        exchange(session, members, true, u2, m2, u3, m3);
        session.checkValidity(now.get());
        assertThat(session.isValid()).as("%s acknowledged by a quorum", session.id).isTrue();
    }

    /** A renewal only voter 3 answers: the messages to every other member fail. */
    private void onlyVoter3Answers(LocalSession session, Set<Member> members, SessionTable m3) {
        for (LocalSession.Outgoing o : session.round(members, now.get(), true)) {
            if (o.member().getUuid().equals(u3)) {
                session.onReply(u3.toString(), o.message(), o.sentNanos(), m3.receive(o.message()));
            } else {
                session.onFailure(o.member().getUuid().toString(), o.sentNanos());
            }
        }
    }

    /** Half a lease on, member 2 is split away (gone from the member list); an operator pauses w; voter 3 hears it. */
    private void pauseDuringASplit(LocalSession session) {
        Set<Member> split = members(u1, u3);
        now.addAndGet(LEASE / 2);
        exchange(session, split, true, u2, theirs, u3, third);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        now.addAndGet(1);
        exchange(session, split, false, u2, theirs, u3, third);
    }

    /** A lease passes with no renewal acknowledged: the loop finds the session expired. */
    private void expire(LocalSession session) {
        now.addAndGet(LEASE + 1);
        assertThat(session.checkValidity(now.get())).as("%s expired", session.id).isTrue();
    }

    /** As HzCoordination.maintain an expiry after the death: the members {@code sweeping} forgot the dead session, a successor replaces it. */
    private LocalSession successor(LocalSession dead, String id, SessionTable... sweeping) {
        now.addAndGet(EXPIRY + 1);
        for (SessionTable table : sweeping) {
            table.sweep();
        }
        LocalSession next = dead.successor(id, dead.registered());
        mine.forget(dead.id);
        return next;
    }

    /**
     * Member 2 applied a pause, a trigger and an orphaned run, then was split away: Hazelcast removed it
     * (heartbeat timeout: a lease), its table swept the silent session (lease and margin), and it merged
     * back under a new id while those events were still within the session's two-lease window. Its
     * snapshot carries every event of the window (a new id: nothing acknowledged), and its new entry,
     * starting from nothing, would fire them all a second time: the table remembers how far it fired the
     * events of a session it swept.
     */
    @Test
    void aMemberThatSweptTheSessionDuringASplitDoesNotHearItsEventsAgainUnderItsNewId() {
        tables(voters);
        LocalSession session = session("s", u1);
        Set<Member> all = members(u1, u2, u3);
        exchange(session, all, true, u2, theirs, u3, third);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        session.announce(SessionOp.Kind.TRIGGER, "x", false);
        session.announce(SessionOp.Kind.RELEASE, "y", true);
        now.addAndGet(1);
        exchange(session, all, false, u2, theirs, u3, third);
        assertThat(heard).containsExactly("paused w 41 7", "triggered x", "orphaned y");

        // Split: after a heartbeat timeout (a lease) Hazelcast removes member 2 from the session's member list.
        Set<Member> split = members(u1, u3);
        now.addAndGet(LEASE);
        exchange(session, split, true, u2, theirs, u3, third);
        // Member 2 has heard nothing for longer than the expiry: it forgets the session.
        now.addAndGet(EXPIRY - LEASE + 1);
        theirs.sweep();
        assertThat(theirs.nodes()).as("member 2 swept the session").isEmpty();
        exchange(session, split, true, u2, theirs, u3, third);

        // Merge, still within two leases of the events: member 2 is back under a new id.
        now.addAndGet(500);
        Set<Member> merged = members(u1, u2AfterMerge, u3);
        receiveSnapshot(session, merged, u2AfterMerge, theirs, "a snapshot");

        assertThat(heard).as("each event once: member 2 applied all three before the split")
                .containsExactly("paused w 41 7", "triggered x", "orphaned y");
    }

    /**
     * With the starter's timing (heartbeat timeout 5 s = one lease, merge delay 10 s = two leases) a member
     * Hazelcast removed merges back two leases or more after its removal. A pause announced early in the split
     * is more than two leases old by then and every current member heard it, and member 2 swept the session
     * during the split. The session keeps the pause logged while member 2's process has not heard it (before,
     * it dropped it), so the snapshot member 2 gets after the merge carries it: whether that process is a
     * voter, not one (it waits for its seat, one change at a time), or removed from the voters during a split
     * longer than the removal delay (review s39c).
     */
    @ParameterizedTest
    @ValueSource(strings = {"a voter", "not a voter", "removed during the split"})
    void aMemberBackFromASplitOfHazelcastsUsualLengthHearsThePauseAnnouncedWhileItWasAway(String seat) {
        Voters atStart = seat.equals("not a voter") ? new Voters("0001-x", 1, List.of("n1@1", "n3@1")) : voters;
        tables(atStart);
        LocalSession session = session("s", u1);
        Set<Member> all = members(u1, u2, u3);
        exchange(session, all, true, u2, theirs, u3, third);

        // Split: member 2 hears nothing more; after a heartbeat timeout (a lease) Hazelcast removes it.
        now.addAndGet(LEASE);
        Set<Member> split = members(u1, u3);
        exchange(session, split, true, u2, theirs, u3, third);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        now.addAndGet(1);
        exchange(session, split, false, u2, theirs, u3, third);
        now.addAndGet(EXPIRY);
        theirs.sweep();
        assertThat(theirs.nodes()).as("member 2 swept the session").isEmpty();
        long splitLasts = 2 * LEASE - EXPIRY;
        if (seat.equals("removed during the split")) {
            Voters two = new Voters("0001-x", 2, List.of("n1@1", "n3@1"));
            mine.voters().learn(two);
            third.voters().learn(two);
            splitLasts = 6 * LEASE;
        }
        // Renewals go on every lease/10 until the merge.
        renewDuringTheSplit(session, splitLasts, theirs, third);
        mergeBack(session, theirs);

        assertThat(heard).as("member 2's engine hears the pause announced while it was split away")
                .containsExactly("paused w 41 7");
    }

    /**
     * An operator pauses a worker on a node whose session is still valid but can no longer reach the
     * others (its messages fail: a short cut, a freeze of the other side); the session then expires and a
     * new one replaces it. The record says paused; the dead session sends nothing more, so its successor
     * carries the triggers and pauses not every member heard (before, it started with an empty log and the
     * other node's engine never heard the pause: HzCoordination defers an action only once the session is
     * known dead, and this one was not yet).
     */
    @Test
    void theOtherNodeHearsAPauseAnnouncedByASessionThatThenExpired() {
        Voters two = new Voters("0001-x", 1, List.of("n1@1", "n2@1"));
        tables(two);
        LocalSession session = session("s1", u1);
        Set<Member> members = members(u1, u2);
        renewValid(session, members, theirs, null);

        // The session is still valid, but from now on its messages fail.
        now.addAndGet(LEASE / 2);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        for (LocalSession.Outgoing o : session.round(members, now.get(), true)) {
            session.onFailure(u2.toString(), o.sentNanos());
        }
        now.addAndGet(LEASE);
        assertThat(session.checkValidity(now.get())).as("the session expired").isTrue();

        replace(session, members, u2, theirs, null, null);

        assertThat(heard).as("node 2's engine hears the pause the record holds").contains("paused w 41 7");
    }

    /**
     * Voter 3 crashed (it awaits removal, or cannot be removed under the minimum cluster size) and never
     * answers node 1's session, so the session's events stay logged however long ago every live member heard
     * them. Member 2 heard a pause and a trigger, ten leases or a moment before node 1 is cut off and its
     * session expires: the successor carries them for voter 3, not to member 2, which acknowledged them to the
     * dead session. Before, member 2 heard them again (and again from each later successor while voter 3 stays
     * a voter; a pause without a token, made through a member of the release before, fired again would pause
     * the engine over a later resume; reviews s39e and s39f).
     */
    @ParameterizedTest
    @ValueSource(longs = {10 * LEASE, 0})
    void aSuccessorDoesNotRepeatToAMemberTheEventsItHeardFromTheDeadSession(long heardBeforeTheCut) {
        tables(voters);
        LocalSession session = session("s1", u1);
        Set<Member> members = members(u1, u2, u3);
        exchange(session, members, true, u2, theirs, u3, null);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        session.announce(SessionOp.Kind.TRIGGER, "x", false);
        now.addAndGet(1);
        exchange(session, members, false, u2, theirs, u3, null);
        session.checkValidity(now.get());
        assertThat(heard).containsExactly("paused w 41 7", "triggered x");
        // Renewals, member 2 acknowledging each; voter 3 never answers.
        for (long t = 0; t < heardBeforeTheCut; t += LEASE / 10) {
            now.addAndGet(LEASE / 10);
            exchange(session, members, true, u2, theirs, u3, null);
            session.checkValidity(now.get());
        }
        assertThat(session.isValid()).isTrue();

        // Node 1 is cut off: its messages fail until its session expires.
        expire(session);
        replace(session, members, u2, theirs, u3, null);

        assertThat(heard).as("member 2 heard both events from the dead session").containsExactly("paused w 41 7",
                "triggered x");
    }

    /**
     * The session loop marks a session dead (maintain's checkValidity) without HzCoordination's session lock,
     * so an operator's pause, its record written, can reach a session that died a moment before. A dead
     * session logs nothing more: it says so, and HzCoordination hands the action to the session that replaces
     * it. Before, the pause was dropped: no engine, not even node 1's own, heard what the record holds
     * (review s39e).
     */
    @Test
    void aPauseAnnouncedAsTheSessionDiesStillReachesTheOtherNode() {
        Voters two = new Voters("0001-x", 1, List.of("n1@1", "n2@1"));
        tables(two);
        listening(mine);
        LocalSession session = session("s1", u1);
        Set<Member> members = members(u1, u2);
        renewValid(session, members, theirs, null);
        assertThat(session.isDead()).as("HzCoordination.announce: the session is not dead, announce to it").isFalse();

        // Meanwhile the loop's maintain finds the session expired.
        now.addAndGet(LEASE + 1);
        assertThat(session.checkValidity(now.get())).isTrue();
        assertThat(session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7)).as("the dead session logs nothing")
                .isFalse();

        LocalSession next = successor(session, "s2", theirs);
        next.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        for (int round = 0; round < 3; round++) {
            now.addAndGet(1);
            for (LocalSession.Outgoing o : next.round(members, now.get(), true)) {
                next.onReply(u2.toString(), o.message(), o.sentNanos(), theirs.receive(o.message()));
            }
        }

        assertThat(heard).as("node 1's engine and node 2's each hear the pause the record holds")
                .containsExactly("paused w 41 7", "paused w 41 7");
    }

    /**
     * A node freezes (a long GC pause, a suspended VM) right after an operator's pause was logged and before it
     * was sent, for three leases; the loop then finds the session dead. No other member heard the pause: the
     * successor carries it however old it is (7c343f6 carried only actions of the two leases before the loop
     * noticed the death, and node 2's engine never heard the pause the record holds; review s39f).
     */
    @Test
    void aPauseLoggedJustBeforeAFreezeLongerThanTwoLeasesStillReachesTheOtherNode() {
        Voters two = new Voters("0001-x", 1, List.of("n1@1", "n2@1"));
        tables(two);
        LocalSession session = session("s1", u1);
        Set<Member> members = members(u1, u2);
        renewValid(session, members, theirs, null);

        now.addAndGet(LEASE / 2);
        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        // The node freezes before its loop sends the pause; it wakes three leases later.
        now.addAndGet(3 * LEASE);
        assertThat(session.checkValidity(now.get())).as("the loop finds the session dead").isTrue();

        replace(session, members, u2, theirs, null, null);

        assertThat(heard).as("node 2's engine hears the pause the record holds").contains("paused w 41 7");
    }

    /**
     * An asymmetric cut: node 1 cannot reach voter 2 but keeps its quorum through voter 3, for three leases; an
     * operator pauses a worker on node 1 as the cut begins (voter 3 hears it, member 2 never does). Then voter 3
     * becomes unreachable too and the session expires. Once the cut heals, member 2 hears of node 1 only through
     * the successor, which carries the pause member 2 never acknowledged, however old (7c343f6 dropped it as
     * older than two leases; review s39f).
     */
    @Test
    void aPauseAVoterMissedDuringALongerPartialCutStillReachesItThroughTheSuccessor() {
        tables(voters);
        LocalSession session = session("s1", u1);
        Set<Member> members = members(u1, u2, u3);
        renewValid(session, members, theirs, third);

        session.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        // Three leases: member 2 unreachable, voter 3 acknowledging each renewal.
        for (long t = 0; t < 3 * LEASE; t += LEASE / 10) {
            now.addAndGet(LEASE / 10);
            onlyVoter3Answers(session, members, third);
            session.checkValidity(now.get());
        }
        assertThat(session.isValid()).as("node 1 kept its quorum through voter 3").isTrue();
        assertThat(heard).as("member 2 heard nothing during the cut").isEmpty();

        // Voter 3 is cut off too: the session expires; later the cut heals.
        expire(session);
        replace(session, members, u2, theirs, u3, third);

        assertThat(heard).as("member 2's engine hears the pause the record holds").contains("paused w 41 7");
    }
    /**
     * Member 2 runs Baton but holds no voter seat; it is split away (Hazelcast removes it) after answering
     * node 1's session. An operator pauses w on node 1; voter 3 hears it, member 2 cannot. Node 1's session
     * then expires (a freeze) and a successor replaces it, carrying the pause because member 2's process,
     * which answered within 30 leases, has not heard it. The successor knows member 2 by neither member id
     * (it is gone from the list) nor voter id (the predecessor's record of who heard what is not handed
     * over), so after two leases it trims the carried pause, every current member having heard it. Member 2
     * merges back five leases after its last answer, well within the 30 leases the protocol promises to wait
     * for it (docs/lease-protocol.md, Sessions), and its engine never hears the pause the record holds.
     */
    @Test
    void aNonVoterBackFromASplitHearsAPauseCarriedByTheSuccessorOfTheSessionThatMadeIt() {
        Voters twoSeats = new Voters("0001-x", 1, List.of("n1@1", "n3@1"));
        tables(twoSeats);
        LocalSession session = session("s1", u1);
        renewValid(session, members(u1, u2, u3), theirs, third);

        pauseDuringASplit(session);
        session.checkValidity(now.get());
        assertThat(session.isValid()).isTrue();

        // Node 1 freezes: its session expires; member 2 has meanwhile swept it.
        expire(session);
        LocalSession next = successor(session, "s2", theirs);
        // The successor renews for a little over two leases with the members of the split.
        renewDuringTheSplit(next, 2 * LEASE + LEASE / 10 + 1, theirs, third);
        // Merge: member 2 is back under a new id, about five leases after it last answered node 1.
        mergeBack(next, theirs);

        assertThat(heard).as("member 2's engine hears the pause the record holds").contains("paused w 41 7");
    }

    /**
     * Review s40b. As the test above, but member 2 (a Baton process with no voter seat) heard every event of
     * node 1's session before it was split away: the dead session carries nothing, so carry(...) hands the
     * successor none of the predecessor's record of who heard what, and the successor no longer waits for
     * member 2's process (which answered within 30 leases, and which the dead session did wait for). An
     * operator then pauses w on node 1, through the successor; voter 3 hears it; two leases later the
     * successor trims it. Member 2 merges back about six leases after its last answer and never hears the
     * pause; had node 1's session not expired, it would have (aMemberThatMergesBackHearsThePauseAnnouncedWhileItWasSplitAway).
     */
    @Test
    void aSuccessorStillWaitsForANonVoterThatHeardEverythingOfTheDeadSessionBeforeItWasSplitAway() {
        Voters twoSeats = new Voters("0001-x", 1, List.of("n1@1", "n3@1"));
        tables(twoSeats);
        LocalSession session = session("s1", u1);
        Set<Member> all = members(u1, u2, u3);
        renewValid(session, all, theirs, third);

        // Split: member 2, having heard everything, is removed from the member list.
        Set<Member> split = members(u1, u3);
        now.addAndGet(LEASE / 2);
        renewValid(session, split, theirs, third);

        // Node 1 freezes: its session expires, and a successor replaces it.
        expire(session);
        LocalSession next = successor(session, "s2", theirs);
        now.addAndGet(1);
        exchange(next, split, true, u2, theirs, u3, third);

        // The operator pauses w on node 1; voter 3 hears it; the successor renews for a little over two leases.
        next.announce(SessionOp.Kind.PAUSE, "w", true, 41, 7);
        renewDuringTheSplit(next, 2 * LEASE + LEASE / 10 + 1, theirs, third);
        // Merge: member 2 is back under a new id, about six leases after it last answered node 1.
        mergeBack(next, theirs);

        assertThat(heard).as("member 2's engine hears the pause made while it was split away (within 30 leases)")
                .contains("paused w 41 7");
    }

    /**
     * Review s40b: the record of who heard a carried event does not survive a second expiry. Voter 4 crashed
     * and never answers, so node 1's events stay logged. Member 2 (no voter seat) heard a pause made without a
     * token (through a member of the release before) from session s1. s1 expires; its successor s2 carries
     * the pause for voter 4, not to member 2 (predecessorHeard). s2 renews with voter 3 while member 2 cannot
     * be reached, and expires in turn; s3 carries the pause again, and its predecessorHeard is s2's (member 2
     * acknowledged nothing there): member 2's engine hears the pause a second time, which
     * aSuccessorDoesNotRepeatToAMemberTheEventsItHeardFromTheDeadSession says it must not (a token-less pause
     * fired again pauses the engine over a later resume).
     */
    @Test
    void aSecondSuccessorDoesNotRepeatToAMemberAnEventItHeardFromTheFirstSession() {
        Voters three = new Voters("0001-x", 1, List.of("n1@1", "n3@1", "n4@1"));
        tables(three);
        LocalSession s1 = session("s1", u1);
        Set<Member> members = members(u1, u2, u3);
        exchange(s1, members, true, u2, theirs, u3, third);
        s1.announce(SessionOp.Kind.PAUSE, "w", true);
        now.addAndGet(1);
        exchange(s1, members, false, u2, theirs, u3, third);
        s1.checkValidity(now.get());
        assertThat(s1.isValid()).isTrue();
        assertThat(heard).containsExactly("paused w 0 0");

        // Node 1 is cut off: s1 expires; s2 replaces it.
        expire(s1);
        LocalSession s2 = successor(s1, "s2", theirs, third);
        // s2 renews with voter 3 for a lease; member 2 cannot be reached.
        for (long t = 0; t < LEASE; t += LEASE / 10) {
            now.addAndGet(LEASE / 10);
            onlyVoter3Answers(s2, members, third);
            s2.checkValidity(now.get());
        }
        assertThat(s2.isValid()).as("s2 has its quorum through voter 3").isTrue();

        // Node 1 is cut off again: s2 expires; s3 replaces it, and the cut heals.
        expire(s2);
        LocalSession s3 = successor(s2, "s3", theirs, third);
        for (int round = 0; round < 3; round++) {
            now.addAndGet(1);
            exchange(s3, members, true, u2, theirs, u3, third);
        }

        assertThat(heard).as("member 2 heard the pause once, from s1").containsExactly("paused w 0 0");
    }

    /**
     * Review s40d. A close on a dead session asks whether its replacement would tell a current member
     * anything; it asked only about the members of the dead session's last round, by member id. Member 2 (a
     * Baton process, no voter seat) is split away, an operator pauses w on node 1, voter 3 hears it; node 1
     * freezes and its session expires; the split heals, member 2 back under a new id; node 1 is shut down
     * within an expiry of the death. The replacement tells member 2 the pause, so the close must wait for it.
     */
    @Test
    void aDeadSessionWhoseReplacementWouldTellAMemberBackFromASplitAPauseLeavesItUntold() {
        Voters twoSeats = new Voters("0001-x", 1, List.of("n1@1", "n3@1"));
        tables(twoSeats);
        LocalSession session = session("s1", u1);
        renewValid(session, members(u1, u2, u3), theirs, third);
        pauseDuringASplit(session);
        expire(session);
        theirs.sweep();

        Set<String> merged = Set.of(u1.toString(), u2AfterMerge.toString(), u3.toString());
        assertThat(session.leavesUntold(merged, false)).as("member 2, back under a new id, missed the pause").isTrue();
        assertThat(session.leavesUntold(Set.of(u1.toString(), u3.toString()), false))
                .as("while member 2 is away, voter 3 heard everything").isFalse();

        now.addAndGet(EXPIRY + 1);
        LocalSession next = session.successor("s2", session.registered());
        mine.forget(session.id);
        now.addAndGet(1);
        exchange(next, members(u1, u2AfterMerge, u3), true, u2AfterMerge, theirs, u3, third);
        assertThat(heard).as("the replacement tells member 2 the pause").contains("paused w 41 7");
    }
}

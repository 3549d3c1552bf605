package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SessionFixtures.member;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Member;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** A session's accounting of what members answered, message by message. */
class LocalSessionTest {

    private static final long LEASE = 2_000;
    private static final long EXPIRY = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters voters = new Voters("0001-x", 1, List.of("n1@1", "n2@1", "n3@1"));

    private SessionTable table(String node, String uuid) {
        VoterState state = new VoterState(node, "1", now::get, EXPIRY);
        state.learn(voters);
        return new SessionTable(EXPIRY, 600, now::get, state, new FenceFloor(), () -> 0L);
    }

    /** Node n1's session "s" on member {@code self}, with this test's clock and lease. */
    private LocalSession session(SessionTable mine, UUID self) {
        return new LocalSession("s", Set.of(), new LocalSession.Context("n1", self::toString, mine, mine.voters(),
                new FenceFloor(), new PeerClocks(() -> 0L, now::get), now::get, LEASE, 1, () -> { }, new LongAdder()));
    }

    /**
     * Member 2 knows another live holder of w. The session's acquire of w reaches it twice (a resend
     * carrying one more change overtook the original); the original's reply arrives first. However the
     * replies are ordered, member 2 never supports w, so with member 3 silent the session never holds it.
     */
    @Test
    void aLateOrReorderedReplyNeverCountsAsSupportTheMemberDidNotGive() {
        UUID u1 = new UUID(0, 1);
        UUID u2 = new UUID(0, 2);
        UUID u3 = new UUID(0, 3);
        SessionTable mine = table("n1", u1.toString());
        SessionTable theirs = table("n2", u2.toString());
        now.addAndGet(EXPIRY + 1);
        theirs.receive(SessionMessage.snapshot("other", "n3", u3.toString(), 1, Set.of("w"), Set.of(), false));
        LocalSession session = session(mine, u1);
        Set<Member> members = new LinkedHashSet<>(List.of(member(u1), member(u2), member(u3)));
        // Member 2 acknowledges the session's first round, so that the session is valid.
        for (LocalSession.Outgoing o : session.round(members, now.get(), true)) {
            if (o.member().getUuid().equals(u2)) {
                session.onReply(u2.toString(), o.message(), o.sentNanos(), theirs.receive(o.message()));
            }
        }
        assertThat(session.isValid()).isTrue();

        CompletableFuture<Boolean> granted = session.acquire("w");
        now.addAndGet(1);
        LocalSession.Outgoing original = session.round(members, now.get(), true).stream()
                .filter(o -> o.member().getUuid().equals(u2)).findFirst().orElseThrow();
        session.announce(SessionOp.Kind.REGISTER, "x", false);
        now.addAndGet(LEASE / 5 + 1);
        LocalSession.Outgoing resend = session.round(members, now.get(), true).stream()
                .filter(o -> o.member().getUuid().equals(u2)).findFirst().orElseThrow();
        SessionReply toResend = theirs.receive(resend.message());
        SessionReply toOriginal = theirs.receive(original.message());
        session.onReply(u2.toString(), original.message(), original.sentNanos(), toOriginal);

        assertThat(session.holds("w")).as("member 2 never recorded w as the session's").isFalse();
        session.onReply(u2.toString(), resend.message(), resend.sentNanos(), toResend);
        assertThat(session.holds("w")).isFalse();
        assertThat(granted.getNow(false)).as("with member 2 knowing another holder, no quorum records w").isFalse();
    }

    /**
     * An engine that reacts to a trigger by asking the session something on another thread (an
     * HTTP trigger while an execution renews, say) must not find the session's lock held by the
     * thread delivering the event: that is how two locks deadlock.
     */
    @Test
    void eventsOfTheSessionsOwnChangesAreDeliveredOutsideItsLock() {
        UUID u1 = new UUID(0, 1);
        SessionTable mine = table("n1", u1.toString());
        LocalSession session = session(mine, u1);
        java.util.List<Boolean> answered = new java.util.concurrent.CopyOnWriteArrayList<>();
        mine.listener(new SessionFixtures.Quiet() {
            @Override
            public void triggered(String worker) {
                Thread other = Thread.ofPlatform().start(() -> session.holds(worker));
                try {
                    answered.add(other.join(java.time.Duration.ofSeconds(2)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });

        session.announce(SessionOp.Kind.TRIGGER, "w", false);

        assertThat(answered).containsExactly(true);
    }

    /**
     * A graceful close waits until every member heard that the session is closing, so that the others
     * take its workers over at once rather than when it goes silent. Closing changes no lock, so the
     * members' acknowledgements of every change so far do not say they heard it.
     */
    @Test
    void aClosingSessionIsAcknowledgedOnlyOnceEveryMemberAnsweredItsClosingMessage() {
        UUID u1 = new UUID(0, 1);
        UUID u2 = new UUID(0, 2);
        SessionTable mine = table("n1", u1.toString());
        SessionTable theirs = table("n2", u2.toString());
        now.addAndGet(EXPIRY + 1);
        LocalSession session = session(mine, u1);
        Set<Member> members = new LinkedHashSet<>(List.of(member(u1), member(u2)));
        // A renewal is in flight to member 2 when the close begins; its answer says nothing of the close.
        LocalSession.Outgoing before = session.round(members, now.get(), true).get(0);
        session.closing();
        session.onReply(u2.toString(), before.message(), before.sentNanos(), theirs.receive(before.message()));
        assertThat(session.allAcknowledged()).as("member 2 has not heard of the close").isFalse();

        now.addAndGet(1);
        List<LocalSession.Outgoing> next = session.round(members, now.get(), false);
        assertThat(next).as("the closing message goes out without waiting for a heartbeat").hasSize(1);
        LocalSession.Outgoing closing = next.get(0);
        session.onReply(u2.toString(), closing.message(), closing.sentNanos(), theirs.receive(closing.message()));

        assertThat(session.allAcknowledged()).isTrue();
        assertThat(theirs.sessions()).as("the closing session is kept, marked closing, until it goes silent")
                .anyMatch(i -> i.session().equals("s") && i.closing());
    }

    /**
     * A release's future completes once every member applied it (a completion on a node that does not
     * prefer the worker waits for that, so that another node's next claim wins): a member that has applied
     * the first of two releases completes the first and not the second, and one answer completes every
     * release it applied.
     */
    @Test
    void aReleaseCompletesOnceEveryMemberAppliedItAndNotBefore() {
        UUID u1 = new UUID(0, 1);
        UUID u2 = new UUID(0, 2);
        SessionTable mine = table("n1", u1.toString());
        SessionTable theirs = table("n2", u2.toString());
        now.addAndGet(EXPIRY + 1);
        LocalSession session = session(mine, u1);
        Set<Member> members = new LinkedHashSet<>(List.of(member(u1), member(u2)));
        LocalSession.Outgoing first = session.round(members, now.get(), true).get(0);
        session.onReply(u2.toString(), first.message(), first.sentNanos(), theirs.receive(first.message()));
        CompletableFuture<Boolean> grantedA = session.acquire("a");
        CompletableFuture<Boolean> grantedB = session.acquire("b");
        session.acquire("c");
        session.acquire("d");
        now.addAndGet(1);
        LocalSession.Outgoing acquires = session.round(members, now.get(), true).get(0);
        session.onReply(u2.toString(), acquires.message(), acquires.sentNanos(), theirs.receive(acquires.message()));
        assertThat(grantedA.getNow(false) && grantedB.getNow(false)).as("a and b granted by n1 and n2").isTrue();
        assertThat(List.of("c", "d")).allMatch(session::holds);

        CompletableFuture<Void> releasedA = session.release("a", false);
        now.addAndGet(1);
        LocalSession.Outgoing carryingA = session.round(members, now.get(), true).get(0);
        CompletableFuture<Void> releasedB = session.release("b", false);
        assertThat(releasedA).as("member 2 has not applied the release of a yet").isNotDone();
        session.onReply(u2.toString(), carryingA.message(), carryingA.sentNanos(), theirs.receive(carryingA.message()));
        assertThat(releasedA).isDone();
        assertThat(releasedB).as("member 2 applied a's release, not b's").isNotDone();

        now.addAndGet(1);
        LocalSession.Outgoing carryingB = session.round(members, now.get(), true).get(0);
        session.onReply(u2.toString(), carryingB.message(), carryingB.sentNanos(), theirs.receive(carryingB.message()));
        assertThat(releasedB).isDone();

        CompletableFuture<Void> releasedC = session.release("c", false);
        CompletableFuture<Void> releasedD = session.release("d", false);
        now.addAndGet(1);
        LocalSession.Outgoing carryingCAndD = session.round(members, now.get(), true).get(0);
        assertThat(releasedC).isNotDone();
        session.onReply(u2.toString(), carryingCAndD.message(), carryingCAndD.sentNanos(),
                theirs.receive(carryingCAndD.message()));
        assertThat(releasedC).as("one answer settles every release it applied").isDone();
        assertThat(releasedD).isDone();
    }
}

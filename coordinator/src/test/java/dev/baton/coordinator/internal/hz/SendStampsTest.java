package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Send stamps are System.nanoTime() readings of the sender's process, whose origin is "fixed but
 * arbitrary" and "may be negative" (its javadoc): compared as differences, never against 0 as "no
 * stamp"; and a late copy of a member's earlier session never heard here brings back no lock (the
 * fifteenth review's findings, red on the code it reviewed).
 */
class SendStampsTest {

    private static final long EXPIRY = 5_500;
    private static final long RENEW = 500;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final VoterState voters = new VoterState("n1", "1", now::get, EXPIRY);
    private final SessionTable table = new SessionTable(EXPIRY, 1_500, now::get, voters, new FenceFloor(), () -> 42L);

    SendStampsTest() {
        table.listener(new SessionFixtures.Quiet());
        table.self("s1");
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 0, Set.of(), Set.of("w"), false));
    }

    private static SessionMessage snapshot(long sentNanos) {
        SessionMessage m = SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of("w"), Set.of("w"), false);
        m.sentNanos = sentNanos;
        m.stamped = true;
        return m;
    }

    private static SessionMessage renewal(long sentNanos) {
        SessionMessage m = SessionMessage.delta("s2", "n2", "m2", 1, 1, List.of(), false);
        m.sentNanos = sentNanos;
        m.stamped = true;
        return m;
    }

    /**
     * n2's JVM reads System.nanoTime() below zero (allowed by its contract). n2 renews every 500 ms, every
     * message reaches this member at once, and yet n2's session is never refreshed here (a negative stamp is
     * never "newer" than the initial 0): it is not alive from the first message, swept after an expiry with its
     * lock handed over, and every snapshot after that is answered NEED_SNAPSHOT for good.
     */
    @Test
    void aSenderWhoseNanoTimeIsNegativeStaysAliveWhileItRenews() {
        long n2Clock = -3_000_000_000L;
        table.receive(snapshot(n2Clock));
        assertThat(table.alive("s2")).as("n2 heard a moment ago").isTrue();
        for (int i = 0; i < 20; i++) {
            now.addAndGet(RENEW);
            n2Clock += RENEW;
            table.receive(renewal(n2Clock));
            table.sweep();
        }
        assertThat(table.alive("s2")).as("n2 renewed every 500 ms").isTrue();
        assertThat(table.holder("w")).contains("n2");
    }

    @Test
    void aSweptSenderWhoseNanoTimeIsNegativeComesBack() {
        long n2Clock = -3_000_000_000L;
        table.receive(snapshot(n2Clock));
        now.addAndGet(EXPIRY + 1);
        n2Clock += EXPIRY + 1;
        table.sweep();
        // n2 heard again, with a fresh snapshot (sent now), every renewal for ten seconds
        SessionReply last = null;
        for (int i = 0; i < 20; i++) {
            now.addAndGet(RENEW);
            n2Clock += RENEW;
            last = table.receive(snapshot(n2Clock));
        }
        assertThat(last.status).isEqualTo(SessionReply.Status.APPLIED);
        assertThat(table.alive("s2")).isTrue();
    }

    /** The same with a positive clock that wraps (an origin near Long.MAX_VALUE): every stamp after the wrap is "older". */
    @Test
    void aSenderWhoseNanoTimeWrapsStaysAlive() {
        long n2Clock = Long.MAX_VALUE - 2 * RENEW;
        table.receive(snapshot(n2Clock));
        for (int i = 0; i < 20; i++) {
            now.addAndGet(RENEW);
            n2Clock += RENEW; // wraps, as nanoTime differences do
            table.receive(renewal(n2Clock));
            table.sweep();
        }
        assertThat(table.alive("s2")).as("n2 renewed every 500 ms").isTrue();
    }

    /**
     * Safety, with n2's nanoTime negative: this member applies n2's acquire of w and answers it without refusing
     * (support n2 counts from the send time for a lease), but takes n2 for expired at once, so n3's acquire a
     * moment later is granted here too: n2 and n3 both have this member's support for w within one lease.
     */
    @Test
    void aSenderWhoseNanoTimeIsNegativeKeepsTheLockItWasAnsweredFor() {
        long n2Clock = -3_000_000_000L;
        table.receive(snapshot(n2Clock - 10));
        SessionMessage acquire = SessionMessage.delta("s2", "n2", "m2", 1, 2,
                List.of(new SessionOp(2, SessionOp.Kind.ACQUIRE, "x", false)), false);
        acquire.sentNanos = n2Clock;
        acquire.stamped = true;
        SessionReply n2Reply = table.receive(acquire);
        assertThat(n2Reply.status).isEqualTo(SessionReply.Status.APPLIED);
        assertThat(n2Reply.refused).as("n2 counts this member's support for x from its send time").doesNotContain("x");

        now.addAndGet(100);
        table.receive(SessionMessage.snapshot("s3", "n3", "m3", 0, Set.of(), Set.of("x"), false));
        SessionReply n3Reply = table.receive(SessionMessage.delta("s3", "n3", "m3", 0, 1,
                List.of(new SessionOp(1, SessionOp.Kind.ACQUIRE, "x", false)), false));
        assertThat(n3Reply.refused).as("100 ms after n2's acquire was answered, n3 asks for x").contains("x");
    }

    /**
     * A session this member never heard (its snapshot held up, Hazelcast retrying it), whose node's next session
     * this member already knows, arrives late with its locks: it is recorded their holder for an expiry. Its
     * stamp is on the same process's clock as its successor's and older than the successor's first message.
     */
    @Test
    void aLateCopyOfANodesEarlierSessionNeverHeardHereBringsNoLock() {
        // n2's session s2 died (cut off); an expiry later its successor s2b starts and this member hears it
        SessionMessage successor = SessionMessage.snapshot("s2b", "n2", "m2", 0, Set.of(), Set.of("w"), false);
        successor.sentNanos = 9_000;
        successor.stamped = true;
        table.receive(successor);
        // a copy of s2's snapshot, sent at 700 on n2's clock, long before s2b existed, lands now
        SessionReply reply = table.receive(snapshot(700));
        assertThat(table.holder("w")).as("s2 is dead: its node runs s2b since (reply %s)", reply.status).isEmpty();
    }
}

package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Copies of a session's older messages arriving late (Hazelcast retrying an operation after a member
 * joined or left, a duplicate held up in a queue) prove nothing the newest message heard did not:
 * they must not keep a dead session the holder of its locks for another expiry, nor bring a swept one
 * back (the ninth review, item 7).
 */
class LateMessageCopiesTest {

    private static final long EXPIRY = 5_500;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final VoterState voters = new VoterState("n1", "1", now::get, EXPIRY);
    private final SessionTable table = new SessionTable(EXPIRY, 1_500, now::get, voters, new FenceFloor(), () -> 42L);

    LateMessageCopiesTest() {
        table.listener(new SessionFixtures.Quiet());
        table.self("s1");
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 0, Set.of(), Set.of("w"), false));
    }

    /** n2's session holding w, as it announced it at {@code sentNanos} on its own clock. */
    private static SessionMessage n2Holds(long sentNanos) {
        SessionMessage m = SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of("w"), Set.of("w"), false);
        m.sentNanos = sentNanos;
        m.stamped = true;
        return m;
    }

    private boolean n3Gets(String worker) {
        table.receive(SessionMessage.snapshot("s3", "n3", "m3", 0, Set.of(), Set.of(worker), false));
        SessionReply reply = table.receive(SessionMessage.delta("s3", "n3", "m3", 0, 1,
                List.of(new SessionOp(1, SessionOp.Kind.ACQUIRE, worker, false)), false));
        return !reply.refused.contains(worker);
    }

    @Test
    void aCopyArrivingLateDoesNotKeepASilentSessionAlive() {
        SessionMessage original = n2Holds(700);
        table.receive(original);
        now.addAndGet(4_000);
        table.receive(n2Holds(700)); // the same message again, 4 s later

        now.addAndGet(EXPIRY - 4_000 + 1);

        assertThat(n3Gets("w")).as("n2 was last heard an expiry ago").isTrue();
        assertThat(table.holder("w")).contains("n3");
    }

    @Test
    void aMessageSentLaterDoesKeepTheSessionAlive() {
        table.receive(n2Holds(700));
        now.addAndGet(4_000);
        table.receive(n2Holds(4_700));

        now.addAndGet(EXPIRY - 4_000 + 1);

        assertThat(n3Gets("w")).isFalse();
        assertThat(table.holder("w")).contains("n2");
    }

    @Test
    void aCopyOfASweptSessionsMessageDoesNotBringItBack() {
        table.receive(n2Holds(700));
        now.addAndGet(EXPIRY + 1);
        table.sweep();

        SessionReply reply = table.receive(n2Holds(700));

        assertThat(reply.status).isEqualTo(SessionReply.Status.NEED_SNAPSHOT);
        assertThat(table.holder("w")).isEmpty();
        assertThat(n3Gets("w")).isTrue();
    }

    /** A session swept while it was cut off from this member, and heard again, comes back as before. */
    @Test
    void aSweptSessionHeardAgainComesBack() {
        table.receive(n2Holds(700));
        now.addAndGet(EXPIRY + 1);
        table.sweep();

        table.receive(n2Holds(700 + EXPIRY + 1));

        assertThat(table.holder("w")).contains("n2");
    }
}

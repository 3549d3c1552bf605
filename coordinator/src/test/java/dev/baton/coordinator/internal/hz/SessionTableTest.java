package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.worker.spi.ClaimRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The lock table's rules, one by one, on a manual clock. */
class SessionTableTest {

    private static final long EXPIRY = 5_500;
    private static final long STALE = 1_500;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<String> events = new ArrayList<>();
    private final SessionTable table = new SessionTable(EXPIRY, STALE, now::get, () -> Set.of("m2", "m3"));

    SessionTableTest() {
        table.listener(new SessionTable.Listener() {
            @Override
            public void triggered(String worker) {
                events.add("triggered " + worker);
            }

            @Override
            public void pauseChanged(String worker, boolean paused) {
                events.add("paused " + worker + " " + paused);
            }

            @Override
            public void orphaned(String worker) {
                events.add("orphaned " + worker);
            }

            @Override
            public void rebalanced() {
            }
        });
        table.self("s1");
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 0, Set.of(), Set.of("w"), false));
    }

    private SessionReply snapshot(String session, String node, String member, long seq, Set<String> held) {
        return table.receive(SessionMessage.snapshot(session, node, member, seq, held, Set.of("w"), false));
    }

    private SessionReply op(String session, String member, long base, SessionOp.Kind kind, String worker,
                            boolean flag) {
        return table.receive(SessionMessage.delta(session, "n" + session.substring(1), member, base, base + 1,
                List.of(new SessionOp(base + 1, kind, worker, flag)), false));
    }

    @Test
    void aLiveHolderBlocksOthersUntilItExpiresThenItsRunIsOrphaned() {
        snapshot("s2", "n2", "m2", 1, Set.of("w"));
        snapshot("s3", "n3", "m3", 1, Set.of());

        assertThat(op("s3", "m3", 1, SessionOp.Kind.ACQUIRE, "w", false).rejected).containsExactly("w");

        now.addAndGet(EXPIRY + 1);
        snapshot("s3", "n3", "m3", 3, Set.of());
        table.sweep();

        assertThat(events).containsExactly("orphaned w");
        assertThat(op("s3", "m3", 3, SessionOp.Kind.ACQUIRE, "w", false).rejected).isEmpty();
        assertThat(table.holder("w")).contains("n3");
    }

    @Test
    void aDeltaOnAnUnknownBaseAsksForASnapshot() {
        assertThat(op("s2", "m2", 4, SessionOp.Kind.ACQUIRE, "w", false).status)
                .isEqualTo(SessionReply.Status.NEED_SNAPSHOT);
        snapshot("s2", "n2", "m2", 5, Set.of("w"));

        assertThat(op("s2", "m2", 4, SessionOp.Kind.RELEASE, "w", false).status)
                .as("stale base").isEqualTo(SessionReply.Status.NEED_SNAPSHOT);
        assertThat(op("s2", "m2", 5, SessionOp.Kind.RELEASE, "w", true).status).isEqualTo(SessionReply.Status.APPLIED);
        assertThat(events).containsExactly("orphaned w");
        assertThat(table.holder("w")).isEmpty();
    }

    @Test
    void aNewTableDoesNotVoteUntilItHeardFromEveryOtherMember() {
        assertThat(snapshot("s2", "n2", "m2", 1, Set.of()).warmingUp).isTrue();

        assertThat(snapshot("s3", "n3", "m3", 1, Set.of()).warmingUp).isFalse();
    }

    @Test
    void aNewTableVotesAfterTheExpiryEvenIfAMemberNeverSpoke() {
        assertThat(snapshot("s2", "n2", "m2", 1, Set.of()).warmingUp).isTrue();
        now.addAndGet(EXPIRY + 1);

        assertThat(snapshot("s2", "n2", "m2", 2, Set.of()).warmingUp).isFalse();
    }

    @Test
    void aClosingSessionWithNothingHeldLeavesAtOnceOneStillHoldingWaitsForExpiry() {
        snapshot("s2", "n2", "m2", 1, Set.of());
        snapshot("s3", "n3", "m3", 1, Set.of("w"));

        table.receive(SessionMessage.delta("s2", "n2", "m2", 1, 1, List.of(), true));
        table.receive(SessionMessage.delta("s3", "n3", "m3", 1, 1, List.of(), true));

        assertThat(table.nodes()).containsExactly("n1", "n3");
        assertThat(table.holder("w")).contains("n3");
    }

    @Test
    void triggersAndPausesReachTheEngine() {
        snapshot("s2", "n2", "m2", 1, Set.of());
        op("s2", "m2", 1, SessionOp.Kind.TRIGGER, "w", false);
        op("s2", "m2", 2, SessionOp.Kind.PAUSE, "w", true);

        assertThat(events).containsExactly("triggered w", "paused w true");
    }

    @Test
    void onlyTheFirstLiveStandInStepsInForASilentPreferredNode() {
        snapshot("s2", "n2", "m2", 1, Set.of());
        snapshot("s3", "n3", "m3", 1, Set.of());
        Set<String> members = Set.of("m1", "m2", "m3");
        ClaimRole mine = table.role("w", members);
        String preferred = table.assignment(members).get("w");
        assertThat(mine).isEqualTo(preferred.equals("n1") ? ClaimRole.PREFERRED : ClaimRole.STANDBY);

        // Every other session goes silent past the stale limit: this node is the only live one left.
        now.addAndGet(STALE + 1);
        table.receive(SessionMessage.delta("s1", "n1", "m1", 0, 0, List.of(), false));
        table.sweep();

        assertThat(table.role("w", members)).isIn(ClaimRole.PREFERRED, ClaimRole.STEP_IN);
        assertThat(table.role("w", Set.of("m1"))).as("the others left the cluster").isEqualTo(ClaimRole.PREFERRED);
    }
}

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
    private final VoterState voters = new VoterState("n1", "1", now::get, EXPIRY);
    private final SessionTable table = new SessionTable(EXPIRY, STALE, now::get, voters, new FenceFloor(), () -> 42L);

    SessionTableTest() {
        table.listener(SessionFixtures.recording(events));
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

    /**
     * After a Hazelcast merge every member of the merging side has a new member UUID; a node that
     * works out its roles before the others' sessions speak with their new UUIDs leaves them out,
     * and must include them again once they do, even if nothing else in the table changed: else two
     * nodes keep different views of who prefers a worker (run H: one worker ran on no node for over a
     * minute after a healed split, others ran on two nodes by turns).
     */
    @Test
    void aSessionHeardAgainUnderItsMembersNewUuidTakesPartInTheBalanceAgain() {
        String worker = workerOfN2BeforeItsMemberMerged();
        table.receive(SessionMessage.delta("s2", "n2", "m2b", 1, 1, List.of(), false));

        assertThat(table.role(worker, Set.of("m1", "m2b"))).as("n2 speaks again, as m2b").isEqualTo(ClaimRole.STANDBY);
    }

    /**
     * A worker the balance gives to n2 (on m2); then n2's member merges into another cluster: its UUID
     * is now m2b and its session has not spoken since, so this node leaves n2 out and prefers it.
     */
    private String workerOfN2BeforeItsMemberMerged() {
        String worker = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "x" + i)
                .filter(w -> dev.baton.coordinator.internal.Balance.assign(java.util.Map.of("n1", Set.of(w), "n2",
                        Set.of(w))).get(w).equals("n2")).findFirst().orElseThrow();
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 1, Set.of(), Set.of(worker), false));
        table.receive(SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of(), Set.of(worker), false));
        assertThat(table.role(worker, Set.of("m1", "m2"))).isEqualTo(ClaimRole.STANDBY);
        assertThat(table.role(worker, Set.of("m1", "m2b"))).as("n2 is no member this node knows").isEqualTo(
                ClaimRole.PREFERRED);
        return worker;
    }

    /**
     * The same as above when the first message under the new UUID is a snapshot, which it is to
     * every member the sender has no acknowledgement from (LocalSession.round sends a snapshot to a
     * new Peer, ackedSeq -1): after a merge the receivers have new UUIDs too, so this is the common
     * case. The snapshot's own result (registered set unchanged: false) overwrites the UUID change,
     * the version stays, and the stale cached role stays with it.
     */
    @Test
    void aSessionHeardAgainUnderItsMembersNewUuidInASnapshotTakesPartInTheBalanceAgain() {
        String worker = workerOfN2BeforeItsMemberMerged();
        table.receive(SessionMessage.snapshot("s2", "n2", "m2b", 2, Set.of(), Set.of(worker), false));

        assertThat(table.role(worker, Set.of("m1", "m2b"))).as("n2 speaks again, as m2b, in a snapshot")
                .isEqualTo(ClaimRole.STANDBY);
    }

    @Test
    void aLiveHolderBlocksOthersUntilItExpiresThenItsRunIsOrphaned() {
        snapshot("s2", "n2", "m2", 1, Set.of("w"));
        snapshot("s3", "n3", "m3", 1, Set.of());

        assertThat(op("s3", "m3", 1, SessionOp.Kind.ACQUIRE, "w", false).refused).containsExactly("w");

        now.addAndGet(EXPIRY + 1);
        snapshot("s3", "n3", "m3", 3, Set.of());
        table.sweep();

        assertThat(events).containsExactly("orphaned w");
        assertThat(op("s3", "m3", 3, SessionOp.Kind.ACQUIRE, "w", false).refused).isEmpty();
        assertThat(table.holder("w")).contains("n3");
    }

    @Test
    void aRefusedLockPassesToItsRequesterWhenTheHolderLetsGo() {
        snapshot("s2", "n2", "m2", 1, Set.of("w"));
        snapshot("s3", "n3", "m3", 1, Set.of());
        assertThat(op("s3", "m3", 1, SessionOp.Kind.ACQUIRE, "w", false).refused).containsExactly("w");

        op("s2", "m2", 1, SessionOp.Kind.RELEASE, "w", false);

        assertThat(table.holder("w")).as("as if its request arrived now").contains("n3");
        SessionReply heartbeat = table.receive(SessionMessage.delta("s3", "n3", "m3", 2, 2, List.of(), false));
        assertThat(heartbeat.refused).isEmpty();
        assertThat(heartbeat.appliedSeq).isEqualTo(2);
    }

    @Test
    void aLateDuplicateIsAnsweredWithTodaysTableNeverWithAnEmptyRefusal() {
        snapshot("s2", "n2", "m2", 1, Set.of("w"));
        snapshot("s3", "n3", "m3", 4, Set.of());
        SessionOp acquire = new SessionOp(5, SessionOp.Kind.ACQUIRE, "w", false);
        SessionOp other = new SessionOp(6, SessionOp.Kind.REGISTER, "x", false);
        SessionMessage original = SessionMessage.delta("s3", "n3", "m3", 4, 5, List.of(acquire), false);
        SessionMessage resend = SessionMessage.delta("s3", "n3", "m3", 4, 6, List.of(acquire, other), false);

        SessionReply toResend = table.receive(resend);
        SessionReply toOriginal = table.receive(original);

        assertThat(toResend.refused).containsExactly("w");
        assertThat(toOriginal.status).isEqualTo(SessionReply.Status.APPLIED);
        assertThat(toOriginal.appliedSeq).isEqualTo(6);
        assertThat(toOriginal.refused).as("the original arrived last; its answer still says w was refused")
                .containsExactly("w");
    }

    @Test
    void thisMembersOwnSessionIsNeverTakenFromEvenWhenItsLoopStalls() {
        table.receive(SessionMessage.delta("s1", "n1", "m1", 0, 1,
                List.of(new SessionOp(1, SessionOp.Kind.ACQUIRE, "w", false)), false));
        snapshot("s2", "n2", "m2", 1, Set.of());
        now.addAndGet(EXPIRY + 1);

        assertThat(op("s2", "m2", 1, SessionOp.Kind.ACQUIRE, "w", false).refused).containsExactly("w");
        assertThat(table.holder("w")).contains("n1");
    }

    @Test
    void aDeltaOnAnUnknownBaseAsksForASnapshot() {
        assertThat(op("s2", "m2", 4, SessionOp.Kind.ACQUIRE, "w", false).status)
                .isEqualTo(SessionReply.Status.NEED_SNAPSHOT);
        snapshot("s2", "n2", "m2", 5, Set.of("w"));

        assertThat(op("s2", "m2", 6, SessionOp.Kind.RELEASE, "w", false).status)
                .as("a gap: change 7 builds on 6, which never came").isEqualTo(SessionReply.Status.NEED_SNAPSHOT);
        assertThat(op("s2", "m2", 5, SessionOp.Kind.RELEASE, "w", true).status).isEqualTo(SessionReply.Status.APPLIED);
        assertThat(events).containsExactly("orphaned w");
        assertThat(table.holder("w")).isEmpty();
    }

    @Test
    void aReplyCarriesTheVotersToASenderThatIsBehind() {
        Voters v2 = new Voters("0001-x", 2, List.of("n1", "n2"));
        voters.learn(new Voters("0001-x", 1, List.of("n1")));
        voters.learn(v2);
        SessionMessage behind = SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of(), Set.of(), false);
        behind.about(new Voters("0001-x", 1, List.of("n1")), true, 0, 0, "n2@1");

        SessionReply reply = table.receive(behind);

        assertThat(reply.voters).isEqualTo(v2);
        assertThat(reply.votersVersion).isEqualTo(2);
        assertThat(reply.voterId).isEqualTo("n1@1");
    }

    /**
     * A closing session leaves the balance at once, holding or not, and stays in the table until it
     * goes silent: the voters' changes that give its seat back count on it (dropped at once, five
     * voters of which four leave together left one of a majority of three, for good).
     */
    @Test
    void aClosingSessionLeavesTheBalanceAtOnceAndTheTableWhenItGoesSilentWithoutCountingAsExpired() {
        snapshot("s2", "n2", "m2", 1, Set.of());
        snapshot("s3", "n3", "m3", 1, Set.of("w"));
        Set<String> members = Set.of("m1", "m2", "m3");

        table.receive(SessionMessage.delta("s2", "n2", "m2", 1, 1, List.of(), true));
        table.receive(SessionMessage.delta("s3", "n3", "m3", 1, 1, List.of(), true));
        table.receive(SessionMessage.delta("s2", "n2", "m2", 1, 1, List.of(), false));   // sent before, late

        assertThat(table.assignment(members).values()).as("only n1 takes part in the balance").containsOnly("n1");
        assertThat(table.sessions()).filteredOn(SessionTable.SessionInfo::closing)
                .extracting(SessionTable.SessionInfo::nodeId).containsExactlyInAnyOrder("n2", "n3");
        assertThat(table.holder("w")).contains("n3");

        now.addAndGet(EXPIRY + 1);
        table.sweep();
        assertThat(table.nodes()).containsExactly("n1");
        assertThat(table.expiredSessions()).as("n2 went as it said; n3 went still holding w").isEqualTo(1);
    }

    /** A leaving node claims nothing more: a lock let go goes to the next session refused it that stays. */
    @Test
    void aLockLetGoIsNotHandedToAClosingSession() {
        snapshot("s2", "n2", "m2", 1, Set.of("w"));
        snapshot("s3", "n3", "m3", 1, Set.of());
        snapshot("s4", "n4", "m4", 1, Set.of());
        assertThat(op("s3", "m3", 1, SessionOp.Kind.ACQUIRE, "w", false).refused).containsExactly("w");
        now.addAndGet(1);
        assertThat(op("s4", "m4", 1, SessionOp.Kind.ACQUIRE, "w", false).refused).containsExactly("w");
        table.receive(SessionMessage.delta("s3", "n3", "m3", 2, 2, List.of(), true));

        op("s2", "m2", 1, SessionOp.Kind.RELEASE, "w", false);

        assertThat(table.holder("w")).as("n3, refused first, is leaving").contains("n4");
    }

    /**
     * This node is leaving (its session closing, out of the balance) and no other node runs its worker:
     * the balance assigns the worker to nobody, and the node's role is standby. Before, looking its role
     * up failed, and every execution's scheduling logged an unexpected error until the node exited.
     */
    @Test
    void aLeavingNodeWhoseWorkerNoOtherNodeRunsIsItsStandby() {
        snapshot("s2", "n2", "m2", 1, Set.of());
        op("s2", "m2", 1, SessionOp.Kind.UNREGISTER, "w", false);
        table.receive(SessionMessage.delta("s1", "n1", "m1", 0, 0, List.of(), true));

        assertThat(table.role("w", Set.of("m1", "m2"))).isEqualTo(ClaimRole.STANDBY);
    }

    @Test
    void triggersAndPausesReachTheEngine() {
        snapshot("s2", "n2", "m2", 1, Set.of());
        op("s2", "m2", 1, SessionOp.Kind.TRIGGER, "w", false);
        op("s2", "m2", 2, SessionOp.Kind.PAUSE, "w", true);

        assertThat(events).containsExactly("triggered w", "paused w 0 0");
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

    /**
     * Under load a peer's renewals run late for a moment: it turns stale and back, which moves only
     * who steps in for it. Every view agrees on that by rank, so the balance is not settling; when
     * it was, every standby of the fleet looked at every slot for two expiries after each such flap
     * (three nodes at 2,000 executions/s: thousands of looks a second, the lock rounds they cost
     * making the renewals later still). A change of who prefers a worker still starts the window.
     */
    @Test
    void aPeerTurningStaleAndBackDoesNotUnsettleTheBalanceButANewPreferredNodeDoes() {
        String worker = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "x" + i)
                .filter(w -> dev.baton.coordinator.internal.Balance.assign(java.util.Map.of("n1", Set.of(w), "n2",
                        Set.of(w))).get(w).equals("n2")).findFirst().orElseThrow();
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 1, Set.of(), Set.of(worker), false));
        table.receive(SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of(), Set.of(worker), false));
        Set<String> members = Set.of("m1", "m2");
        assertThat(table.role(worker, members)).isEqualTo(ClaimRole.STANDBY);

        now.addAndGet(STALE + 1);
        table.receive(SessionMessage.delta("s1", "n1", "m1", 1, 1, List.of(), false));
        table.sweep();
        assertThat(table.role(worker, members)).as("n2 went quiet for a moment").isEqualTo(ClaimRole.STEP_IN);
        table.receive(SessionMessage.delta("s2", "n2", "m2", 1, 1, List.of(), false));
        assertThat(table.role(worker, members)).as("n2 is heard again").isEqualTo(ClaimRole.STANDBY);
        assertThat(table.rolesChangedWithin(EXPIRY * 2)).as("nobody else came to prefer the worker").isFalse();

        table.receive(SessionMessage.snapshot("s2", "n2", "m2", 2, Set.of(), Set.of(), false));
        assertThat(table.role(worker, members)).as("n2 no longer runs it").isEqualTo(ClaimRole.PREFERRED);
        assertThat(table.rolesChangedWithin(EXPIRY * 2)).isTrue();
    }

    /**
     * Review s41b. lapsedMembers() exists for b47f257: a member whose session, not closing, this table swept
     * may still run Baton, its own session dead and its replacement on the way, so a close on a dead session
     * counts it (HzCoordination.batonMembers). Here the replacement has come, and it is closing: n2's Baton
     * said goodbye (a scale-in, or an application that keeps its Hazelcast member). batonMembers() leaves out a
     * member whose session is closing, but adds back every lapsed member: n2 counts as running Baton for two
     * expiries after the sweep, and a close on a dead session with a deferred action waits for its replacement
     * for a Baton that is gone (the wait Review s40f's closingWithADeadSessionDoesNotWaitForAMemberWhoseBatonClosed
     * removed). The lapsed entry outlives what it stood for: nothing clears it when the member's session is back.
     */
    @Test
    void aMemberWhoseReplacementSessionIsClosingIsNoLongerLapsed() {
        snapshot("s2", "n2", "m2", 1, Set.of());
        now.addAndGet(EXPIRY + 1);
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 2, Set.of(), Set.of("w"), false));
        table.sweep();
        assertThat(table.lapsedMembers()).as("n2's session swept, not closing").contains("m2");

        table.receive(SessionMessage.snapshot("s2b", "n2", "m2", 1, Set.of(), Set.of("w"), true));
        assertThat(table.sessions()).as("n2's replacement, closing")
                .anyMatch(i -> i.memberUuid().equals("m2") && i.closing());

        assertThat(table.lapsedMembers()).as("members this table counts as still running Baton, though n2's"
                + " session in it says its Baton is closing").doesNotContain("m2");
    }

    /**
     * Review s41e. The lapsed mark is cleared when the member's next session reaches the table (12dde64), but
     * it is also set by the sweep of the old session, and nothing orders the two: a member that reached this
     * table until its session died (it lost the voters' quorum, not this member) was last seen here up to its
     * death, and its replacement comes an expiry after the death, within a loop tick of this table's sweep of
     * the old session. When the replacement (closing: that Baton said goodbye) comes first, the sweep that
     * follows marks the member lapsed anyway, and batonMembers() counts it as running Baton for two expiries:
     * a close on a dead session waits for a Baton that is gone, the wait 12dde64 removed.
     */
    @Test
    void aMemberWhoseClosingReplacementCameBeforeTheSweepOfItsOldSessionIsNotLapsed() {
        snapshot("s2", "n2", "m2", 1, Set.of());
        now.addAndGet(EXPIRY - 100);
        // n2's old session died; its replacement, closing, reaches this table a moment before the sweep.
        table.receive(SessionMessage.snapshot("s2b", "n2", "m2", 1, Set.of(), Set.of("w"), true));
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 2, Set.of(), Set.of("w"), false));
        now.addAndGet(200);
        table.sweep();
        assertThat(table.sessions()).as("n2's old session swept, its closing replacement here")
                .noneMatch(i -> i.session().equals("s2"))
                .anyMatch(i -> i.memberUuid().equals("m2") && i.closing());

        assertThat(table.lapsedMembers()).as("members this table counts as still running Baton, though n2's"
                + " only session in it says its Baton is closing").doesNotContain("m2");
    }
}

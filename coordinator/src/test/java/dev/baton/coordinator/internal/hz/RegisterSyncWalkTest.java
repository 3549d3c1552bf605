package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Ballot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Anti-entropy's walk, driven directly with the members' registers answering it; the eighteenth
 * review's findings, red on the code it read: a member that answered nothing stopped the walk for good,
 * and a member that was no voter of the configuration had its values installed.
 */
class RegisterSyncWalkTest {

    private static final long SWEEP = 2_200;
    private static final long RETRY = 440;
    private static final String W = "w";

    private final SyncMembers members = new SyncMembers();

    private static SlotState value(String id) {
        return SyncMembers.value(W, id);
    }

    private static SessionTable.SessionInfo session(String node, String uuid) {
        return new SessionTable.SessionInfo("s-" + node, node, node + "@1", uuid, false, "0001-x", 1);
    }

    /**
     * A member that answers every pull with nothing (its registers are off, as while they are turned on
     * by a rolling update; or its voter file cannot be kept) is passed over after two tries.
     */
    @Test
    void aMemberThatAnswersNothingIsPassedOver() {
        walk(List.of(session("b", "mb"), session("d", "md")));
    }

    /** The power check: without the silent member, the walk of d brings the value. */
    @Test
    void withoutTheSilentMemberTheWalkBringsTheValue() {
        walk(List.of(session("d", "md")));
    }

    private void walk(List<SessionTable.SessionInfo> sessions) {
        TableRegisters c = members.member("c");
        TableRegisters d = members.member("d");
        d.acceptor().install(new dev.baton.coordinator.internal.register.Pull<>(1,
                Map.of(W, new Accepted<>(1, new Ballot(1, "s"), value("chosen")))));
        List<String> asked = new ArrayList<>();
        VoterPulls.Calls calls = (uuid, request, onReply) -> {
            asked.add(uuid);
            // "mb" runs a member without registers: PullRequest.call answers nothing there.
            onReply.accept(uuid.equals("mb") ? PullReply.nothing() : d.pull(request));
        };
        RegisterSync sync = new RegisterSync(members.state(c), c, calls, SWEEP, RETRY, Runnable::run);

        for (int i = 0; i < 200; i++) {
            sync.tick(members.now.addAndGet(100), sessions);
        }

        assertThat(asked).as("members asked over 20 s, 9 sweep intervals").contains("md");
        assertThat(c.state(W).accepted()).as("d's value, which one walk of d would bring").isNotNull();
    }

    /**
     * A member that is no voter of the current configuration (a voter removed two changes ago, still
     * running) may hold a value under a ballot above the one chosen since, which no prepare of the current
     * configuration asks it for: the walk passes it by (PromisesAcrossTwoChangesTest shows what a prepare
     * would do with such a value).
     */
    @Test
    void aNonVoterIsNotWalked() {
        TableRegisters c = members.member("c");
        TableRegisters a = members.member("a");
        c.acceptor().install(new dev.baton.coordinator.internal.register.Pull<>(1,
                Map.of(W, new Accepted<>(2, new Ballot(1, "b"), value("r2")))));
        a.acceptor().install(new dev.baton.coordinator.internal.register.Pull<>(1,
                Map.of(W, new Accepted<>(2, new Ballot(1, "c"), value("p2")))));
        assertThat(members.v1.contains("a@1")).isFalse();
        VoterPulls.Calls calls = (uuid, request, onReply) -> onReply.accept(a.pull(request));
        RegisterSync sync = new RegisterSync(members.state(c), c, calls, SWEEP, RETRY, Runnable::run);

        for (int i = 0; i < 10; i++) {
            sync.tick(members.now.addAndGet(100), List.of(session("a", "ma")));
        }

        assertThat(c.state(W).accepted().value()).as("c's own value, not the non-voter's").isEqualTo(value("r2"));
    }
}

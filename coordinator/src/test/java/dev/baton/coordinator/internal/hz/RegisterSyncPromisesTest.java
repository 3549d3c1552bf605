package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.Pull;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The nineteenth review (2026-12-07), red on the code it read: since the pull carries promises,
 * Acceptor.pull(after, limit) counts workers that hold only a promise
 * towards the limit and towards "last", but a DIGEST reply carries values only and RegisterSync moves its
 * cursor to the last worker of the digest. A piece whose DIGEST_PIECE workers all hold promises and no
 * value comes back empty and not last: the cursor stays, the same piece is asked for ever, and the walk
 * neither ends nor passes over (unanswered is reset on each answer).
 */
class RegisterSyncPromisesTest {

    private final SyncMembers members = new SyncMembers();

    @Test
    void promiseOnlyRegistersDoNotStallTheDigestWalk() {
        walkPast(RegisterSync.DIGEST_PIECE);
    }

    /** The power check: one promise-only worker fewer, and the piece holds the value, which moves the cursor. */
    @Test
    void oneFewerAndTheWalkEnds() {
        walkPast(RegisterSync.DIGEST_PIECE - 1);
    }

    private void walkPast(int promiseOnly) {
        TableRegisters c = members.member("c");
        TableRegisters d = members.member("d");
        // A run of workers prepared on d and never accepted there (a prepare whose write had nothing to
        // write, accepts lost to d), named before the worker whose value c lacks.
        for (int i = 0; i < promiseOnly; i++) {
            d.acceptor().prepare(String.format("a%05d", i), new Ballot(1, "s"));
        }
        d.acceptor().install(new Pull<>(1,
                Map.of("w", new Accepted<>(1, new Ballot(1, "s"), SyncMembers.value("w", "chosen")))));
        VoterPulls.Calls calls = (uuid, request, onReply) -> onReply.accept(d.pull(request));
        RegisterSync sync = new RegisterSync(members.state(c), c, calls, 2_200, 440, Runnable::run);

        for (int i = 0; i < 200; i++) {
            sync.tick(members.now.addAndGet(100), List.of(new SessionTable.SessionInfo("s-d", "d", "d@1", "md", false,
                    "0001-x", 1)));
        }

        assertThat(c.state("w").accepted()).as("d's value, after the promise-only workers").isNotNull();
        assertThat(sync.sweeps()).as("walks of d ended").isPositive();
    }
}

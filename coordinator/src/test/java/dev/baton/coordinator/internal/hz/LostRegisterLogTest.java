package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.FileRegisterLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seventeenth review (2026-12-07): a process that found its voter file but not its register log
 * (lost, or moved aside as the message for an unreadable one advises) resumed as the same voter with
 * empty registers: an acceptor that forgot, passing for one that did not. It answered the pull as a
 * voter of v knowing v + 1, with nothing, and counted towards the gate of v + 2 in place of the value
 * it had accepted. Now the node starts as a new voter, keeping only its fence ceiling. (The eighteenth
 * review moved a marker kept beside the log aside with it: the mark is in the voter file now.)
 */
class LostRegisterLogTest {

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters v1 = new Voters("0001-x", 1, List.of("a@1", "b@1", "c@1"));
    private final Voters v2 = v1.with("d@1");

    /** As HzCoordination does with registers on: the lost-log check, the voter state, then the log. */
    private VoterState start(FileVoterStore store) {
        HzRegisters.forgetVoterIfLogLost(store, dir, "b", RandomGenerator.getDefault());
        return new VoterState("b", "1", now::get, 2_200, RandomGenerator.getDefault(), store);
    }

    @Test
    void aVoterFileWithoutItsRegisterLogStartsANewVoterKeepingItsFenceCeiling() throws Exception {
        long ceiling;
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            VoterState b = start(store);
            b.learn(v1);
            b.coverFences(1_796_132_841_100L, 60_000);
            ceiling = b.fenceCeiling();
            FileRegisterLog<SlotState> log = HzRegisters.openLog(dir, "b", b.voterId(), store);
            TableRegisters registers = new TableRegisters(log, b, (to, r) -> { });
            SlotState value = new SlotState("w", 0, 1, 7, null, null, null, 0, 0, SlotState.Flags.NONE, "s1", 0);
            assertThat(registers.acceptor().accept("w", new Ballot(1, "s1"), 1, 1, value).kind())
                    .isEqualTo(Answer.Kind.ACCEPTED);
            registers.acceptor().force();
            b.learn(v2);
            log.close();
        }
        // Lost, or moved aside with anything beside it (the eighteenth review moved a marker file with it):
        // the voter file itself says its voter kept a log.
        Path aside = Files.createDirectory(dir.resolve("aside"));
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("registers-b.log")).toList()) {
                Files.move(f, aside.resolve(f.getFileName()));
            }
        }

        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            VoterState resumed = start(store);
            FileRegisterLog<SlotState> fresh = HzRegisters.openLog(dir, "b", resumed.voterId(), store);
            TableRegisters after = new TableRegisters(fresh, resumed, (to, r) -> { });
            PullReply reply = after.pull(new PullRequest(v2.lineage(), "b@1", "", 256));
            fresh.close();

            assertThat(resumed.voterId()).as("an acceptor that forgot is another voter").isNotEqualTo("b@1");
            assertThat(resumed.current().isNone()).isTrue();
            assertThat(reply.answered()).as("asked as b@1").isFalse();
            assertThat(resumed.fenceCeiling()).as("tokens stay above the ones it issued").isEqualTo(ceiling);
        }
    }

    @Test
    void aVoterFileOfANodeThatNeverKeptALogResumesAsTheSameVoter() throws Exception {
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            start(store).learn(v1);
        }
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            VoterState resumed = start(store);
            assertThat(resumed.voterId()).as("registers turned on for the first time: nothing was forgotten")
                    .isEqualTo("b@1");
            assertThat(resumed.current()).isEqualTo(v1);
        }
    }
}

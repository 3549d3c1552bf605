package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's voter state on disk: what a restarted process finds, and what it refuses. */
class FileVoterStoreTest {

    @TempDir
    Path dir;

    private final Voters v3 = new Voters("0001-x", 3, List.of("a@1", "b@2", "c@1"));
    private final VoterStore.Saved saved = new VoterStore.Saved("2", v3, new Ballot(7, "a@1"), new Ballot(6, "c@1"),
            v3.with("d@1"), 1_796_132_841_100L);

    @Test
    void aRestartedProcessFindsWhatItsEarlierLifePromisedAndAccepted() throws Exception {
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            assertThat(store.load()).isEmpty();
            store.save(saved);
        }

        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            assertThat(store.load()).contains(saved);
        }
    }

    @Test
    void thePeakOfEachConfigurationAndThePromisesInLineagesLeftAreKept() throws Exception {
        Voters shrunk = new Voters("0002-y", 6, List.of("a@1", "b@2"), 0, 4);
        VoterStore.Left left = new VoterStore.Left("0001-x", 3, new Ballot(7, "a@1"), new Ballot(6, "c@1"),
                new Voters("0001-x", 4, List.of("a@1", "b@2", "c@1", "d@1"), 0, 5));
        VoterStore.Saved withLeft = new VoterStore.Saved("2", shrunk, Ballot.ZERO, null, null, 0,
                List.of(left, new VoterStore.Left("0000-z", 1, new Ballot(1, "z@1"), null, null)));
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            store.save(withLeft);
        }

        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            VoterStore.Saved read = store.load().orElseThrow();
            assertThat(read).isEqualTo(withLeft);
            assertThat(read.current().peak()).isEqualTo(4);
            assertThat(read.left().get(0).acceptedValue().peak()).isEqualTo(5);
        }
    }

    @Test
    void aStateWithNothingAcceptedReadsBackAsSuch() throws Exception {
        VoterStore.Saved fresh = new VoterStore.Saved("9", Voters.NONE, Ballot.ZERO, null, null, 0);
        try (FileVoterStore store = FileVoterStore.open(dir, "n/1")) {
            store.save(fresh);
            assertThat(store.load()).contains(fresh);
        }
    }

    @Test
    void aDecreeSatOutBecauseItsVoteWasForgottenStaysSatOutAfterARestart() throws Exception {
        VoterStore.Saved muted = new VoterStore.Saved("9", new Voters("0001-x", 2, List.of("a@1", "b@9")),
                Ballot.FORGOTTEN, null, null, 0);
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            store.save(muted);
            assertThat(store.load()).contains(muted);
        }
    }

    @Test
    void aSecondUserOfOneNodesStateIsRefusedWithTheFix() {
        try (FileVoterStore first = FileVoterStore.open(dir, "b")) {
            assertThatThrownBy(() -> FileVoterStore.open(dir, "b"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("runs as node b")
                    .hasMessageContaining("give each node its own node id or its own directory");
            FileVoterStore.open(dir, "c").close();
        }
    }

    @Test
    void anUnreadableStateIsSetAsideAndTheProcessStartsAsANewVoter() throws Exception {
        Files.writeString(dir.resolve("voter-b.properties"), "format=1\nincarnation=2\nvoters.version=x\n");

        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            assertThat(store.load()).isEmpty();
        }
        assertThat(dir.resolve("voter-b.properties.unreadable")).exists();
        assertThat(dir.resolve("voter-b.properties")).doesNotExist();
    }

    @Test
    void aDirectoryThatCannotBeMadeIsRefusedWithTheFix() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "");

        assertThatThrownBy(() -> FileVoterStore.open(file.resolve("state"), "b"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot use " + file.resolve("state"))
                .hasMessageContaining("make it a writable directory");
    }
}

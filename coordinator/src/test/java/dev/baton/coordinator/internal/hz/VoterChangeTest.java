package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each configuration names the voter its version added or removed, so that a member that first hears
 * of v + 1 knows the voters of v, whose registers it must pull before it accepts v + 2 ({@link VoterPulls}).
 */
class VoterChangeTest {

    private static final long GAP = 2_200;

    @TempDir
    Path dir;

    private final Voters v1 = new Voters("0001-x", 1, List.of("a@1", "b@1", "c@1"));

    @Test
    void aVersionNamesItsChangeAndTheVotersBeforeItFollow() {
        Voters v2 = v1.with("d@1");
        Voters v3 = v2.without("a@1");

        assertThat(v2.change()).isEqualTo("d@1");
        assertThat(v2.before()).contains(Set.of("a@1", "b@1", "c@1"));
        assertThat(v3.change()).isEqualTo("a@1");
        assertThat(v3.before()).contains(Set.of("a@1", "b@1", "c@1", "d@1"));
        assertThat(v1.before()).as("a lineage's first version follows nothing").isEmpty();
        Voters unnamed = new Voters(v3.lineage(), 3, v3.ids(), 0, 4);
        assertThat(unnamed.before()).as("heard from a release that named no change: not known").isEmpty();
        assertThat(unnamed).as("the change takes no part in what a configuration is").isEqualTo(v3);
    }

    @Test
    void theChangeIsKeptInTheVoterFileAndAFileWithoutItReadsAsNotKnown() throws Exception {
        Voters v2 = v1.with("d@1");
        VoterStore.Saved saved = new VoterStore.Saved("1", v2, Ballot.ZERO, new Ballot(3, "b@1"), v2.without("a@1"), 0);
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            store.save(saved);
        }
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            VoterStore.Saved read = store.load().orElseThrow();
            assertThat(read.current().change()).isEqualTo("d@1");
            assertThat(read.acceptedValue().change()).isEqualTo("a@1");
        }

        try (var files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(file);
                if (text.contains("voters.change")) {
                    Files.writeString(file, text.replaceAll("(?m)^.*\\.change=.*\\R", ""));
                }
            }
        }
        try (FileVoterStore store = FileVoterStore.open(dir, "b")) {
            assertThat(store.load().orElseThrow().current().change()).as("written by a release before").isEmpty();
        }
    }

    @Test
    void aMemberThatHeardAConfigurationWithoutItsChangeTakesTheChangeWhenItHearsItNamed() {
        AtomicLong now = new AtomicLong(1_000_000);
        VoterState b = new VoterState("b", "1", now::get, GAP);
        Voters v2 = v1.with("d@1");
        Voters unnamed = new Voters(v2.lineage(), 2, v2.ids(), 0, 4);
        b.learn(unnamed);
        assertThat(b.current().before()).as("b never knew v1").isEmpty();
        VoterState c = new VoterState("c", "1", now::get, GAP);
        c.learn(v1);
        c.learn(unnamed);
        assertThat(c.current().change()).as("c knew v1: it names the change itself").isEqualTo("d@1");

        assertThat(b.learn(v2)).as("nothing new to adopt").isFalse();
        assertThat(b.current().change()).isEqualTo("d@1");
        assertThat(b.current().before()).contains(Set.of("a@1", "b@1", "c@1"));
    }

    @Test
    void aShutGateRefusesTheNextChangeAndOpensItLater() {
        AtomicLong now = new AtomicLong(1_000_000);
        VoterState b = new VoterState("b", "1", now::get, GAP);
        Voters v2 = v1.with("d@1");
        b.learn(v2);
        AtomicBoolean open = new AtomicBoolean();
        b.gate(current -> open.get() && current.equals(v2));
        now.addAndGet(GAP);
        Ballot ballot = new Ballot(1, "a@1");
        assertThat(b.prepare(v2.lineage(), 2, ballot).promised()).isTrue();

        assertThat(b.changeAllowed()).as("its driver proposes nothing either").isFalse();
        assertThat(b.accept(v2.lineage(), 2, ballot, v2.without("a@1"))).as("the pull is not done").isFalse();
        open.set(true);
        assertThat(b.changeAllowed()).isTrue();
        assertThat(b.accept(v2.lineage(), 2, ballot, v2.without("a@1"))).isTrue();
    }
}

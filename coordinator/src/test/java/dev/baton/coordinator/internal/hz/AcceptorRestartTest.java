package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Paxos is safe only if an acceptor remembers what it promised and accepted. VoterState keeps both
 * in memory, so a voter restarted under its id forgets them, and the restarted process takes part
 * in the same instance (the next version) as soon as it has learned the current configuration and
 * waited the gap. A value already chosen by a majority that included its earlier life can then be
 * overruled by another majority that includes the new one: two configurations of one version.
 */
class AcceptorRestartTest {

    private static final long GAP = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters v1 = new Voters("0001-x", 1, List.of("a", "b", "c"));

    private VoterState member(String id, String uuid) {
        VoterState s = new VoterState(id, () -> uuid, now::get, GAP);
        s.learn(v1);
        return s;
    }

    @Test
    void aRestartedAcceptorCannotHelpChooseASecondConfigurationOfOneVersion() {
        VoterState a = member("a", "uuid-a");
        VoterState b = member("b", "uuid-b1");
        VoterState c = member("c", "uuid-c");
        now.addAndGet(GAP);

        // a proposes adding d; a and b accept: chosen. a learns it (and tells d); the news to b and c is lost.
        Voters withD = v1.with("d");
        Ballot first = new Ballot(1, "a");
        assertThat(a.prepare(v1.lineage(), 1, first).promised()).isTrue();
        assertThat(b.prepare(v1.lineage(), 1, first).promised()).isTrue();
        assertThat(a.accept(v1.lineage(), 1, first, withD)).isTrue();
        assertThat(b.accept(v1.lineage(), 1, first, withD)).isTrue();
        a.learn(withD);

        // b's process restarts under its id, learns v1 from c, and waits the gap.
        VoterState b2 = member("b", "uuid-b2");
        now.addAndGet(GAP);

        // c proposes removing a; it asks b and c, a majority of v1.
        Voters withoutA = v1.without("a");
        Ballot second = new Ballot(2, "c");
        VoterState.Promise fromB = b2.prepare(v1.lineage(), 1, second);
        VoterState.Promise fromC = c.prepare(v1.lineage(), 1, second);
        boolean chosenSecond = fromB.promised() && fromC.promised() && fromB.acceptedValue() == null
                && fromC.acceptedValue() == null && b2.accept(v1.lineage(), 1, second, withoutA)
                && c.accept(v1.lineage(), 1, second, withoutA);

        assertThat(chosenSecond).as("a second value for version 2, after %s was chosen by a and b", withD).isFalse();
    }
}

package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Paxos is safe only if an acceptor remembers what it promised and accepted. VoterState keeps both
 * in memory, so a restarted process has forgotten them. Were it to answer for the voter it was, a
 * value already chosen by a majority that included its earlier life could be overruled by another
 * majority that includes the new one: two configurations of one version. A restarted process is a
 * new voter (a new incarnation), which the configuration does not contain, so it cannot.
 */
class AcceptorRestartTest {

    private static final long GAP = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters v1 = new Voters("0001-x", 1, List.of("a@1", "b@1", "c@1"));

    private VoterState member(String id, String incarnation) {
        VoterState s = new VoterState(id, incarnation, now::get, GAP);
        s.learn(v1);
        return s;
    }

    @Test
    void aRestartedAcceptorCannotHelpChooseASecondConfigurationOfOneVersion() {
        VoterState a = member("a", "1");
        VoterState b = member("b", "1");
        VoterState c = member("c", "1");
        now.addAndGet(GAP);

        // a proposes adding d; a and b accept: chosen. a learns it (and tells d); the news to b and c is lost.
        Voters withD = v1.with("d@1");
        Ballot first = new Ballot(1, "a@1");
        assertThat(a.prepare(v1.lineage(), 1, first).promised()).isTrue();
        assertThat(b.prepare(v1.lineage(), 1, first).promised()).isTrue();
        assertThat(a.accept(v1.lineage(), 1, first, withD)).isTrue();
        assertThat(b.accept(v1.lineage(), 1, first, withD)).isTrue();
        a.learn(withD);

        // b's process restarts under its id, learns v1 from c, and waits the gap.
        VoterState b2 = member("b", "2");
        now.addAndGet(GAP);

        // c proposes removing a; it asks b and c, a majority of v1.
        Voters withoutA = v1.without("a@1");
        Ballot second = new Ballot(2, "c@1");
        VoterState.Promise fromB = b2.prepare(v1.lineage(), 1, second);
        VoterState.Promise fromC = c.prepare(v1.lineage(), 1, second);
        boolean chosenSecond = fromB.promised() && fromC.promised() && fromB.acceptedValue() == null
                && fromC.acceptedValue() == null && b2.accept(v1.lineage(), 1, second, withoutA)
                && c.accept(v1.lineage(), 1, second, withoutA);

        assertThat(chosenSecond).as("a second value for version 2, after %s was chosen by a and b", withD).isFalse();
    }

    @Test
    void anAcceptorRestartedWithItsStateRemembersTheValueItHelpedChoose() {
        SimulatedNetwork.DiskStore disk = new SimulatedNetwork.DiskStore();
        VoterState a = member("a", "1");
        VoterState b = new VoterState("b", "1", now::get, GAP, java.util.random.RandomGenerator.getDefault(), disk);
        b.learn(v1);
        VoterState c = member("c", "1");
        now.addAndGet(GAP);
        Voters withD = v1.with("d@1");
        Ballot first = new Ballot(1, "a@1");
        a.prepare(v1.lineage(), 1, first);
        b.prepare(v1.lineage(), 1, first);
        a.accept(v1.lineage(), 1, first, withD);
        b.accept(v1.lineage(), 1, first, withD);

        VoterState b2 = new VoterState("b", "2", now::get, GAP, java.util.random.RandomGenerator.getDefault(), disk);
        now.addAndGet(GAP);
        VoterState.Promise fromB = b2.prepare(v1.lineage(), 1, new Ballot(2, "c@1"));
        c.prepare(v1.lineage(), 1, new Ballot(2, "c@1"));

        assertThat(b2.voterId()).isEqualTo("b@1");
        assertThat(fromB.promised()).isTrue();
        assertThat(fromB.acceptedValue()).as("c's proposal must carry the chosen value on").isEqualTo(withD);
    }
}

package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Agreeing on the voters: Paxos per version, the wait between changes, and when a fresh member's answers count. */
class VoterStateTest {

    private static final long GAP = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters v1 = new Voters("0001-x", 1, List.of("a", "b", "c"));

    private VoterState member(String id) {
        VoterState s = new VoterState(id, () -> "uuid-" + id, now::get, GAP);
        s.learn(v1);
        return s;
    }

    @Test
    void aMemberAcceptsTheNextConfigurationOnlyOnceTheCurrentOneIsAGapOld() {
        VoterState a = member("a");
        Ballot ballot = new Ballot(1, "a");
        assertThat(a.prepare(v1.lineage(), 1, ballot).promised()).isTrue();

        assertThat(a.accept(v1.lineage(), 1, ballot, v1.with("d"))).as("too soon after the last change").isFalse();
        now.addAndGet(GAP);
        assertThat(a.accept(v1.lineage(), 1, ballot, v1.with("d"))).isTrue();
    }

    @Test
    void twoProposalsForOneVersionNeverBothCommit() {
        VoterState a = member("a");
        VoterState b = member("b");
        VoterState c = member("c");
        now.addAndGet(GAP);
        Voters withD = v1.with("d");
        Voters withoutC = v1.without("c");
        Ballot first = new Ballot(1, "a");
        Ballot second = new Ballot(2, "b");

        // The first proposer gets promises from a and b and the accept of a only, then stalls.
        a.prepare(v1.lineage(), 1, first);
        b.prepare(v1.lineage(), 1, first);
        assertThat(a.accept(v1.lineage(), 1, first, withD)).isTrue();
        // The second proposer asks b and a: a reports what it accepted, so the second proposer must propose it.
        VoterState.Promise fromB = b.prepare(v1.lineage(), 1, second);
        VoterState.Promise fromA = a.prepare(v1.lineage(), 1, second);
        assertThat(fromB.promised()).isTrue();
        assertThat(fromA.promised()).isTrue();
        assertThat(fromA.acceptedValue()).isEqualTo(withD);
        assertThat(b.accept(v1.lineage(), 1, first, withD)).as("a lower ballot after a higher promise").isFalse();
        assertThat(b.accept(v1.lineage(), 1, second, withD)).isTrue();
        assertThat(c.accept(v1.lineage(), 1, second, withoutC)).as("c promised nothing yet, but the value is what"
                + " the protocol makes the proposer send; a different value only reaches a minority").isTrue();
        // withD has a majority (a, b); withoutC has c alone: only withD can commit.
    }

    @Test
    void onlyASuccessorDifferingByOneNodeIsAccepted() {
        VoterState a = member("a");
        now.addAndGet(GAP);
        Ballot ballot = new Ballot(1, "a");
        a.prepare(v1.lineage(), 1, ballot);
        Voters twoMore = new Voters(v1.lineage(), 2, List.of("a", "b", "c", "d", "e"));

        assertThat(a.accept(v1.lineage(), 1, ballot, twoMore)).isFalse();
    }

    @Test
    void aLaterVersionOfTheLineageOrAnOlderLineageIsLearnedNeverAnEarlierOne() {
        VoterState a = member("a");
        Voters v2 = v1.with("d");

        assertThat(a.learn(v2)).isTrue();
        assertThat(a.previous()).contains(v1);
        assertThat(a.learn(v1)).isFalse();
        Voters younger = new Voters("0002-y", 9, List.of("z"));
        assertThat(a.learn(younger)).isFalse();
        Voters older = new Voters("0000-o", 4, List.of("o"));
        assertThat(a.learn(older)).isTrue();
        assertThat(a.current()).isEqualTo(older);
        assertThat(a.previous()).isEmpty();
    }

    @Test
    void aFreshMemberCountsOnlyAfterALeasePlusMarginUnlessItFoundedTheLineage() {
        VoterState restarted = member("b");
        assertThat(restarted.warm()).as("its previous life may have acknowledged leases that still run").isFalse();
        now.addAndGet(GAP + 1);
        assertThat(restarted.warm()).isTrue();

        VoterState founder = new VoterState("f", () -> "uuid-f", now::get, GAP);
        founder.bootstrap(Map.of("g", "uuid-g"), 1_700_000_000_000L);
        assertThat(founder.warm()).isTrue();
        VoterState cofounder = new VoterState("g", () -> "uuid-g", now::get, GAP);
        assertThat(cofounder.learn(founder.current())).isTrue();
        assertThat(cofounder.warm()).as("there when the lineage started: no earlier life in it").isTrue();
        VoterState later = new VoterState("g", () -> "uuid-g2", now::get, GAP);
        later.learn(founder.current());
        assertThat(later.warm()).as("a restarted process of a founder").isFalse();
    }
}

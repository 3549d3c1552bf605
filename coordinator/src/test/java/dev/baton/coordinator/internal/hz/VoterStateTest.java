package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Agreeing on the voters: Paxos per version, the wait between changes, who may take part, lineages meeting. */
class VoterStateTest {

    private static final long GAP = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters v1 = new Voters("0001-x", 1, List.of("a@1", "b@1", "c@1"));

    private VoterState member(String id) {
        VoterState s = new VoterState(id, "1", now::get, GAP);
        s.learn(v1);
        return s;
    }

    @Test
    void aMemberAcceptsTheNextConfigurationOnlyOnceTheCurrentOneIsAGapOld() {
        VoterState a = member("a");
        Ballot ballot = new Ballot(1, "a");
        assertThat(a.prepare(v1.lineage(), 1, ballot).promised()).isTrue();

        assertThat(a.accept(v1.lineage(), 1, ballot, v1.with("d@1"))).as("too soon after the last change").isFalse();
        now.addAndGet(GAP);
        assertThat(a.accept(v1.lineage(), 1, ballot, v1.with("d@1"))).isTrue();
    }

    @Test
    void aRepeatedRequestOfTheSameBallotIsAnsweredAlikeAndALowerOneIsStillRefused() {
        VoterState a = member("a");
        now.addAndGet(GAP);
        Ballot ballot = new Ballot(2, Ballot.proposerOf("b@1", "life-1"));
        Voters withD = v1.with("d@1");
        assertThat(a.prepare(v1.lineage(), 1, ballot).promised()).isTrue();
        assertThat(a.prepare(v1.lineage(), 1, ballot).promised()).as("its proposer's resend").isTrue();
        assertThat(a.accept(v1.lineage(), 1, ballot, withD)).isTrue();
        assertThat(a.accept(v1.lineage(), 1, ballot, withD)).isTrue();

        VoterState.Promise late = a.prepare(v1.lineage(), 1, ballot);
        assertThat(late.promised()).isTrue();
        assertThat(late.acceptedValue()).as("what it accepted meanwhile, as to any proposer").isEqualTo(withD);
        assertThat(a.prepare(v1.lineage(), 1, new Ballot(2, "a@1")).promised()).as("same round, lower proposer")
                .isFalse();
        VoterState c = member("c");
        Ballot older = new Ballot(2, "b@1");
        assertThat(c.prepare(v1.lineage(), 1, older).promised()).isTrue();
        assertThat(c.prepare(v1.lineage(), 1, older).promised())
                .as("a ballot of the release before names no process life: a restart of b may draw it again").isFalse();
        assertThat(a.prepare(v1.lineage(), 1, new Ballot(1, "c@1")).promised()).isFalse();
    }

    @Test
    void twoProposalsForOneVersionNeverBothCommit() {
        VoterState a = member("a");
        VoterState b = member("b");
        VoterState c = member("c");
        now.addAndGet(GAP);
        Voters withD = v1.with("d@1");
        Voters withoutC = v1.without("c@1");
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
        Voters twoMore = new Voters(v1.lineage(), 2, List.of("a@1", "b@1", "c@1", "d@1", "e@1"));

        assertThat(a.accept(v1.lineage(), 1, ballot, twoMore)).isFalse();
    }

    @Test
    void aLaterVersionOfTheLineageOrAHigherRankedLineageIsLearnedNeverAnEarlierOne() {
        VoterState a = member("a");
        Voters v2 = v1.with("d@1");

        assertThat(a.learn(v2)).isTrue();
        assertThat(a.previous()).contains(v1);
        assertThat(a.learn(v1)).isFalse();
        Voters smaller = new Voters("0000-o", 9, List.of("o@1", "p@1"));
        assertThat(a.learn(smaller)).as("fewer voters at its peak, though older").isFalse();
        Voters larger = new Voters("ffff-y", 1, List.of("o@1", "p@1", "q@1", "r@1", "s@1"));
        assertThat(a.learn(larger)).isTrue();
        assertThat(a.current()).isEqualTo(larger);
        assertThat(a.previous()).isEmpty();
        assertThat(a.warm()).as("its table lacks the locks of the lineage it joined").isFalse();
        now.addAndGet(GAP);
        assertThat(a.warm()).isTrue();
    }

    @Test
    void aMemberThatReturnsToALineageItLeftKeepsItsPromisesThereAndNeverTakesAnEarlierVersion() {
        VoterState a = member("a");
        now.addAndGet(GAP);
        Ballot ballot = new Ballot(3, "b@1");
        Voters withD = v1.with("d@1");
        assertThat(a.prepare(v1.lineage(), 1, ballot).promised()).isTrue();
        assertThat(a.accept(v1.lineage(), 1, ballot, withD)).isTrue();

        Voters other = new Voters("0000-o", 1, List.of("o@1", "p@1", "q@1"));
        assertThat(a.learn(other)).as("as many voters, and older").isTrue();
        Voters outgrown = new Voters(v1.lineage(), 1, v1.ids(), 0, 4);
        assertThat(a.learn(outgrown)).as("its lineage reached four voters meanwhile (a later view of version 1)")
                .isTrue();
        now.addAndGet(GAP);

        VoterState.Promise lowerBallot = a.prepare(v1.lineage(), 1, new Ballot(2, "c@1"));
        assertThat(lowerBallot.promised()).as("it promised ballot 3 for this change before it left").isFalse();
        VoterState.Promise higher = a.prepare(v1.lineage(), 1, new Ballot(4, "c@1"));
        assertThat(higher.promised()).isTrue();
        assertThat(higher.acceptedValue()).as("and accepted a value, which a proposer must take up").isEqualTo(withD);

        VoterState b = member("b");
        b.learn(withD);
        b.learn(new Voters("0000-o", 1, List.of("o@1", "p@1", "q@1", "r@1")));
        assertThat(b.learn(new Voters(v1.lineage(), 1, v1.ids(), 0, 5)))
                .as("a late copy of a version it saw replaced before it left").isFalse();
        assertThat(b.learn(new Voters(v1.lineage(), 3, List.of("a@1", "b@1", "c@1", "d@1", "e@1"), 0, 5)))
                .as("a later version").isTrue();
    }

    @Test
    void aRestartedProcessIsANewVoterThatCannotSpeakForItsEarlierLife() {
        VoterState restarted = new VoterState("b", "2", now::get, GAP);
        restarted.learn(v1);
        now.addAndGet(GAP);
        Ballot ballot = new Ballot(1, "c@1");

        assertThat(restarted.voterId()).isEqualTo("b@2");
        assertThat(restarted.prepare(v1.lineage(), 1, ballot).promised())
                .as("b@1 may have promised or accepted for this version; b@2 forgot it").isFalse();
        assertThat(restarted.accept(v1.lineage(), 1, ballot, v1.with("d@1"))).isFalse();
    }

    @Test
    void aLineageStartsWithItsFoundersAndARandomTag() {
        VoterState founder = new VoterState("f", "1", now::get, GAP);
        Voters started = founder.bootstrap(List.of("g@1"), 0x1234L);

        assertThat(started.ids()).containsExactly("f@1", "g@1");
        assertThat(started.lineage()).startsWith("000000001234-2-");
        assertThat(started.founders()).isEqualTo(2);
        assertThat(founder.bootstrap(List.of(), 0x9999L)).as("a known configuration stays").isEqualTo(started);
    }

    @Test
    void whenLineagesMeetTheOneResetMoreOftenWinsThenTheOneWithMoreVotersAtItsPeakThenMoreFoundersThenTheOlder() {
        Voters older = new Voters("0001-1-a", 1, List.of("x@1"));
        Voters newerAndLarger = new Voters("0009-1-b", 7, List.of("y@1", "z@1", "q@1"));
        Voters foundedByThree = new Voters("000a-3-d", 1, List.of("u@1", "v@1", "w@1"));
        Voters reset = new Voters("000b-1-c", 1, List.of("y@2"), 1);

        assertThat(older.yieldsTo(newerAndLarger)).as("more voters, though younger").isTrue();
        assertThat(newerAndLarger.yieldsTo(older)).isFalse();
        assertThat(newerAndLarger.yieldsTo(foundedByThree)).as("as many voters, more founders").isTrue();
        assertThat(foundedByThree.yieldsTo(newerAndLarger)).isFalse();
        assertThat(foundedByThree.yieldsTo(reset)).as("a reset wins whatever its size").isTrue();
        assertThat(reset.yieldsTo(foundedByThree)).isFalse();
        Voters shrunk = foundedByThree.without("u@1").without("v@1");
        assertThat(shrunk.peak()).isEqualTo(3);
        assertThat(newerAndLarger.yieldsTo(shrunk)).as("shrinking to one voter lowers no rank").isTrue();
        assertThat(shrunk.yieldsTo(newerAndLarger)).isFalse();
        assertThat(newerAndLarger.yieldsTo(older.with("r@1").with("s@1").with("t@1")))
                .as("growing raises it: four at its peak").isTrue();
        assertThat(older.yieldsTo(older.with("q@1"))).as("the same lineage: newer by version, not by rank").isFalse();
    }

    @Test
    void theFenceCeilingIsKeptAheadOfEveryTokenSeenWritingTheDiskOncePerHalfReserve() {
        CountingDisk disk = new CountingDisk();
        VoterState first = new VoterState("b", "1", now::get, GAP, java.util.random.RandomGenerator.getDefault(), disk);
        int writesAtStart = disk.writes;

        first.coverFences(10_000, 1_000);
        assertThat(first.fenceCeiling()).isEqualTo(11_000);
        first.coverFences(10_400, 1_000);
        assertThat(disk.writes).as("within half the reserve: no write").isEqualTo(writesAtStart + 1);
        first.coverFences(10_600, 1_000);
        assertThat(first.fenceCeiling()).isEqualTo(11_600);

        VoterState resumed = new VoterState("b", "2", now::get, GAP, java.util.random.RandomGenerator.getDefault(), disk);
        assertThat(resumed.fenceCeiling()).as("above every token the earlier life saw").isEqualTo(11_600);
        VoterState memoryOnly = new VoterState("c", "1", now::get, GAP);
        memoryOnly.coverFences(50_000, 1_000);
        assertThat(memoryOnly.fenceCeiling()).as("nothing to keep without a store").isZero();
    }

    /** A disk that counts its writes. */
    private static final class CountingDisk extends SimulatedNetwork.DiskStore {
        int writes;

        @Override
        public void save(VoterStore.Saved saved) {
            writes++;
            super.save(saved);
        }
    }

    @Test
    void aProcessResumingItsSavedStateIsTheSameVoterButCountsForLeasesOnlyAfterALeasePlusMargin() {
        SimulatedNetwork.DiskStore disk = new SimulatedNetwork.DiskStore();
        VoterState first = new VoterState("b", "1", now::get, GAP, java.util.random.RandomGenerator.getDefault(), disk);
        assertThat(first.warm()).as("a new voter has no earlier life").isTrue();
        first.learn(v1);
        now.addAndGet(GAP);
        Ballot ballot = new Ballot(5, "a@1");
        assertThat(first.prepare(v1.lineage(), 1, ballot).promised()).isTrue();
        assertThat(first.accept(v1.lineage(), 1, ballot, v1.with("d@1"))).isTrue();

        VoterState resumed = new VoterState("b", "ignored", now::get, GAP, java.util.random.RandomGenerator.getDefault(),
                disk);

        assertThat(resumed.voterId()).isEqualTo("b@1");
        assertThat(resumed.current()).isEqualTo(v1);
        VoterState.Promise promise = resumed.prepare(v1.lineage(), 1, new Ballot(6, "c@1"));
        assertThat(promise.promised()).isTrue();
        assertThat(promise.acceptedValue()).as("what its earlier life accepted").isEqualTo(v1.with("d@1"));
        assertThat(resumed.prepare(v1.lineage(), 1, new Ballot(4, "c@1")).promised())
                .as("below what it promised").isFalse();
        assertThat(resumed.warm()).as("its table lacks the leases its earlier life supported").isFalse();
        now.addAndGet(GAP);
        assertThat(resumed.warm()).isTrue();
    }

    @Test
    void aVoteThatCannotBeKeptIsNotGiven() {
        VoterStore failing = new SimulatedNetwork.DiskStore() {
            private int saves;

            @Override
            public void save(VoterStore.Saved state) {
                if (++saves > 2) {
                    throw new java.io.UncheckedIOException(new java.io.IOException("disk full"));
                }
                super.save(state);
            }
        };
        VoterState a = new VoterState("a", "1", now::get, GAP, java.util.random.RandomGenerator.getDefault(), failing);
        a.learn(v1);
        now.addAndGet(GAP);

        assertThat(a.prepare(v1.lineage(), 1, new Ballot(1, "a@1")).promised()).isFalse();
        assertThat(a.promisedRound()).isZero();
    }
}

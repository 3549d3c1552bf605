package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cluster clock: the median of the members' clocks, measured from round trips. */
class PeerClocksTest {

    private final AtomicLong wall = new AtomicLong(1_000_000_000L);
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final PeerClocks clocks = new PeerClocks(wall::get, nanos::get);

    /** A round trip of 10 ms to a member whose clock is {@code offset} ms off this one. */
    private void answer(String member, long offset) {
        clocks.sample(member, wall.get(), 10_000_000, wall.get() + 5 + offset);
    }

    @Test
    void oneMemberMinutesAheadOrBehindMovesNothing() {
        answer("ahead", 300_000);
        answer("right", 0);
        assertThat(clocks.clusterMillis()).isEqualTo(wall.get());

        answer("behind", -300_000);
        answer("right2", 3);
        assertThat(clocks.clusterMillis() - wall.get()).isBetween(0L, 3L);
    }

    @Test
    void thisMembersOwnClockOffIsCorrectedByTheOthers() {
        answer("a", -120_000);
        answer("b", -120_010);

        assertThat(clocks.clusterMillis()).isEqualTo(wall.get() - 120_000);
    }

    @Test
    void twoMembersAgreeOnTheLaterClock() {
        answer("other", 60_000);
        assertThat(clocks.clusterMillis()).isEqualTo(wall.get() + 60_000);

        PeerClocks theirs = new PeerClocks(() -> wall.get() + 60_000, nanos::get);
        theirs.sample("this", wall.get() + 60_000, 10_000_000, wall.get() + 5);
        assertThat(theirs.clusterMillis()).as("the same cluster clock on both").isEqualTo(wall.get() + 60_000);
    }

    /** Seen on a real start: a member still starting answered after 5 s, and the other's clock ran 2.5 s ahead. */
    @Test
    void anAnswerThatTookSecondsMovesTheClockOnlyAsFarAsItProves() {
        clocks.sample("starting", wall.get(), 5_000_000_000L, wall.get() + 5_000);
        assertThat(clocks.clusterMillis()).as("their clock may be ours: read as the answer left").isEqualTo(wall.get());
        assertThat(clocks.sampled(List.of("starting"))).isTrue();

        PeerClocks other = new PeerClocks(wall::get, nanos::get);
        other.sample("ahead", wall.get(), 5_000_000_000L, wall.get() + 65_000);
        assertThat(other.clusterMillis()).as("a minute ahead at least, whenever they read it").isEqualTo(wall.get() + 60_000);
    }

    @Test
    void theSampleWithTheShortestRoundTripCountsAndOldSamplesFade() {
        clocks.sample("a", wall.get(), 900_000_000, wall.get() + 1_000);
        clocks.sample("a", wall.get(), 2_000_000, wall.get() + 201);
        answer("b", 200);
        assertThat(clocks.clusterMillis()).isEqualTo(wall.get() + 200);
        assertThat(clocks.sampled(List.of("a", "b"))).isTrue();

        nanos.addAndGet(11_000_000_000L);
        assertThat(clocks.sampled(List.of("a"))).isFalse();
        assertThat(clocks.clusterMillis()).as("no fresh samples: this member's own clock").isEqualTo(wall.get());
    }

    @Test
    void aSampleThatLeavesAMembersOffsetAsItWasKeepsTheClockAndOneThatChangesItMovesItAtOnce() {
        answer("a", 200);
        assertThat(clocks.clusterMillis()).isEqualTo(wall.get() + 200);

        clocks.sample("a", wall.get(), 40_000_000, wall.get() + 20 + 500);
        assertThat(clocks.clusterMillis()).as("a longer round trip does not count").isEqualTo(wall.get() + 200);

        clocks.sample("a", wall.get(), 2_000_000, wall.get() + 1 + 300);
        assertThat(clocks.clusterMillis()).as("a shorter one counts at once").isEqualTo(wall.get() + 300);
    }

    @Test
    void theShortestRoundTripLeavingTheLastSamplesMovesTheClockAtOnce() {
        clocks.sample("a", wall.get(), 2_000_000, wall.get() + 1 + 300);
        for (int i = 0; i < 7; i++) {
            answer("a", 100);
        }
        assertThat(clocks.clusterMillis()).isEqualTo(wall.get() + 300);

        answer("a", 100);
        assertThat(clocks.clusterMillis()).as("only the last 8 samples count").isEqualTo(wall.get() + 100);
    }
}

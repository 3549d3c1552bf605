package dev.baton.coordinator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LatenessTest {

    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private final Lateness lateness = new Lateness();

    @Test
    void theMostRecentLatenessCountsForTwoToFourSecondsThenNoMore() {
        assertThat(lateness.recent(T)).isZero();
        lateness.record(T, T.plusMillis(300));
        lateness.record(T.plusMillis(500), T.plusMillis(600));

        assertThat(lateness.recent(T.plusMillis(700))).isEqualTo(Duration.ofMillis(300));
        assertThat(lateness.recent(T.plusMillis(3_000))).as("the previous bucket still counts")
                .isEqualTo(Duration.ofMillis(300));
        assertThat(lateness.recent(T.plusMillis(4_500))).as("a quiet node is not late").isZero();
    }

    @Test
    void aLongPauseNeverPutsALookOffByMoreThanTheCap() {
        lateness.record(T, T.plusSeconds(30));
        assertThat(lateness.recent(T.plusSeconds(30))).isEqualTo(Lateness.CAP);
    }

    @Test
    void aClaimAheadOfItsSlotIsNotLate() {
        lateness.record(T.plusMillis(50), T);
        assertThat(lateness.recent(T)).isZero();
    }

    /**
     * A node whose clock is 10 min ahead joins (the cluster clock, a median, jumps forward: a slot
     * planned before is claimed "10 min late", recorded as the cap), then leaves (the median moves
     * back). The buckets must start afresh then, not keep the 2 s for as long as the jump: every
     * stand-in, look and watch of this idle node would wait grace + 2 s that long.
     */
    @Test
    void aClusterClockThatMovesBackDoesNotKeepAnOldLatenessForTheLengthOfTheJump() {
        Instant ahead = T.plus(Duration.ofMinutes(10));
        lateness.record(T, ahead);
        assertThat(lateness.recent(ahead)).isEqualTo(Lateness.CAP);

        Instant back = T.plusSeconds(30);
        assertThat(lateness.recent(back)).as("nothing late was recorded in the last 2-4 s of real time").isZero();
    }
}

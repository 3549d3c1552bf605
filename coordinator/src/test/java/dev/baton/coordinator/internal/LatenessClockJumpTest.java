package dev.baton.coordinator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Lateness against the cluster clock moving (it reads the cluster clock, not a monotonic one). */
class LatenessClockJumpTest {

    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    /**
     * A two-node fleet; a third node whose clock is 10 min ahead joins (the median moves forward:
     * a slot planned before the jump is claimed "10 min late", recorded as the cap, 2 s), then
     * leaves or crashes (the median moves back). Lateness only rotates its buckets once the clock
     * passes bucketStart + 2 s, so after the clock moved back it keeps the 2 s for as long as the
     * jump (10 min here): every stand-in, standby look and watch of this idle node waits grace + 2 s
     * that long (with a 1 s worker, a stand-in runs every other or third slot; see
     * StandbyLookGraceTest), whereas the change promises it counts only the last 2-4 s.
     */
    @Test
    void aClusterClockThatMovesBackDoesNotKeepAnOldLatenessForTheLengthOfTheJump() {
        Instant ahead = T.plus(Duration.ofMinutes(10));
        lateness.record(T, ahead); // the slot planned at T, claimed after the median jumped forward
        assertThat(lateness.recent(ahead)).isEqualTo(Lateness.CAP);

        Instant back = T.plusSeconds(30); // the fast node left; the median is back, and 30 s passed
        assertThat(lateness.recent(back)).as("nothing late was recorded in the last 2-4 s of real time").isZero();
    }

    private final Lateness lateness = new Lateness();
}

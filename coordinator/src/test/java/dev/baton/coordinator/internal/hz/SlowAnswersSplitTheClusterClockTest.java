package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Two members, B's wall clock 60 s
 * ahead of A's: the cluster clock is the later one, B's, on both. Then B answers A's session
 * messages slowly (600 ms: B's session thread is loaded, a GC, a slow link one way) while A answers
 * B's at once. Had A dropped every sample over 500 ms (as 003c699 did for a while), after 10 s it would
 * count only itself and its cluster clock step back 60 s while B, still counting A, stayed: two live
 * members disagreeing by 60 s for as long as B's answers stay slow. A slow sample counts instead as the
 * offset it proves nearest A's own clock.
 */
class SlowAnswersSplitTheClusterClockTest {

    private static final long AHEAD = 60_000;

    private final AtomicLong wall = new AtomicLong(1_000_000_000L);
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final PeerClocks a = new PeerClocks(wall::get, nanos::get);
    private final PeerClocks b = new PeerClocks(() -> wall.get() + AHEAD, nanos::get);

    /** One renewal each way: A's round trip to B takes {@code aToBMillis}, B's to A 2 ms. */
    private void renew(long aToBMillis) {
        a.sample("b", wall.get(), aToBMillis * 1_000_000, wall.get() + AHEAD + aToBMillis / 2);
        b.sample("a", wall.get() + AHEAD, 2_000_000, wall.get() + 1);
    }

    private void second() {
        wall.addAndGet(1_000);
        nanos.addAndGet(1_000_000_000L);
    }

    @Test
    void membersThatStillHearEachOtherKeepOneClusterClock() {
        for (int i = 0; i < 5; i++) {
            renew(2);
            second();
        }
        assertThat(a.clusterMillis() - b.clusterMillis()).as("both on the later clock").isBetween(-5L, 5L);

        for (int i = 0; i < 15; i++) {
            renew(600);
            second();
            assertThat(a.clusterMillis() - b.clusterMillis())
                    .as("A's cluster clock minus B's, %d s into B's slow answers (both members alive, renewing)", i + 1)
                    .isBetween(-500L, 500L);
        }
    }

    /**
     * Three members, C's clock 60 s ahead (the README's "one member's clock minutes off moves
     * neither slots nor tokens"). B's answers to A take 600 ms (B is healthy, its clock right): A
     * drops B, its median of {A, C} is the later clock, C's, and A's slots and tokens run 60 s ahead.
     */
    @Test
    void oneSlowLinkToAHealthyMemberHandsTheClusterClockToTheMemberFarOff() {
        PeerClocks threeA = new PeerClocks(wall::get, nanos::get);
        for (int i = 0; i < 5; i++) {
            threeA.sample("b", wall.get(), 2_000_000, wall.get() + 1);
            threeA.sample("c", wall.get(), 2_000_000, wall.get() + AHEAD + 1);
            second();
        }
        assertThat(threeA.clusterMillis() - wall.get()).as("the median: A's and B's clock").isBetween(-5L, 5L);
        for (int i = 0; i < 15; i++) {
            threeA.sample("b", wall.get(), 600_000_000L, wall.get() + 300);
            threeA.sample("c", wall.get(), 2_000_000, wall.get() + AHEAD + 1);
            second();
            assertThat(threeA.clusterMillis() - wall.get())
                    .as("A's cluster clock minus the median host clock (A's and B's), %d s into B's slow answers", i + 1)
                    .isBetween(-500L, 500L);
        }
    }
}

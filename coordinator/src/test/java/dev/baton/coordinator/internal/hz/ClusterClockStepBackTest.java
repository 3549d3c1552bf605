package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The cluster clock (slots, HzCoordination.now()) is the lower median of the members' clocks, so
 * with two members it is the earlier of the two. A lone node whose clock is right, joined by a node
 * whose clock is ten minutes behind (a 1 -> 2 scale-out), sees the cluster clock jump back ten
 * minutes; so does a three-node cluster with one clock behind when a right one leaves. Every
 * planner then waits for its next slot, which now lies ten minutes ahead: each worker stalls for
 * the offset (issue 10 asks for no stall beyond a period with clocks minutes apart). A member that
 * joins moves the clock back by its whole offset at once.
 */
class ClusterClockStepBackTest {

    private static final long TEN_MINUTES = TimeUnit.MINUTES.toMillis(10);

    private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);

    @Test
    void aSecondMemberWithAClockBehindDoesNotTurnTheClusterClockBack() {
        PeerClocks clocks = new PeerClocks(wall::get, nanos::get);
        long before = clocks.clusterMillis();

        // One round trip of 2 ms with a member whose wall clock is ten minutes behind.
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(2));
        wall.addAndGet(2);
        clocks.sample("n2", wall.get() - 2, TimeUnit.MILLISECONDS.toNanos(2), wall.get() - 1 - TEN_MINUTES);
        long after = clocks.clusterMillis();

        assertThat(after - before).as("the cluster clock moved by (ms)").isGreaterThanOrEqualTo(0);
    }
}

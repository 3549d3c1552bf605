package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Review of ebc59c3: a non-driving voter leaves at the floor of two, so both the driver (for the
 * closing voter) and the leaver propose its steps, each with its own heirs. The heir crashes (kill -9:
 * its member leaves at once) right after it took the seat.
 */
class DriverLeaveHeirCrashReviewTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long LEAVE_BOUND = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);

    @Test
    void aHeirThatCrashesWhileTheDriverAndTheLeaverBothProposeTheLeaveDoesNotStallTheCluster() {
        List<String> stalled = new ArrayList<>();
        for (long seed = 1; seed <= 20; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
            net.removalDelay = 30_000 * MS;
            SimulatedNetwork.SimNode driver = net.start("n1");
            net.run(100);
            SimulatedNetwork.SimNode leaver = net.start("n0");
            net.awaitTrue(() -> driver.voters.current().size() == 2 && leaver.voters.current().size() == 2,
                    "two voters");
            SimulatedNetwork.SimNode n2 = net.start("n2");
            net.run(net.random.nextInt(2000));
            net.hold(leaver, "w");
            net.leave(leaver, LEAVE_BOUND);
            net.awaitTrue(() -> driver.voters.current().contains(n2.voters.voterId())
                    || leaver.voters.current().contains(n2.voters.voterId()), 10_000, "n2 added");
            net.run(net.random.nextInt(300));
            net.crash(n2);
            net.awaitTrue(() -> !leaver.up, 20_000, "the leaver gone");
            Voters atExit = driver.voters.current();
            net.run(2_000);
            net.start("n3");
            net.run(40_000);
            CompletableFuture<Boolean> granted = driver.session.acquire("x");
            net.run(3_000);
            if (!granted.getNow(false)) {
                stalled.add("seed " + seed + ": at the leaver's exit " + atExit.nodes() + ", now "
                        + driver.voters.current().nodes());
            }
        }
        assertThat(stalled).as("the driver grants nothing 40 s after the leave").isEmpty();
    }
}

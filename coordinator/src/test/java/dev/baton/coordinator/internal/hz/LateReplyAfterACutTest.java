package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A voter's answer that comes back later than the margin, after its voter has stopped hearing the
 * holder: the voter expires the holder a lease and margin after it last received a message, so the
 * answer may support the holder only from when its message was sent. Counted from its arrival, it
 * would keep the holder valid past that expiry, while the other two voters grant the lock anew.
 */
class LateReplyAfterACutTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    @Test
    void anAnswerArrivingLateNeverKeepsAHolderValidPastItsVotersExpiry() {
        SimulatedNetwork net = new SimulatedNetwork(11, LEASE, MARGIN, 1);
        net.maxDelay = MS;
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        net.run(LEASE / MS + 1000);
        net.hold(n.get(0), "w");

        // n1's answers to n0 now take a second and a half to come back; n0's messages still arrive at once.
        net.slowAnswers(0, 1, 1500 * MS);
        net.run(1000);
        // n0 is cut off while answers of n1's are on their way back; n1 and n2 ask for the lock.
        net.partition(List.of(List.of(0), List.of(1, 2)));
        List<String> both = new ArrayList<>();
        for (int t = 0; t < 6000; t += 10) {
            if (!n.get(1).session.holds("w") && !n.get(2).session.holds("w")) {
                n.get(1).session.acquire("w");
            }
            net.run(10);
            if (net.holders("w").size() > 1) {
                both.add("t=" + t + "ms: " + net.holders("w"));
            }
        }

        assertThat(both).as("two valid holders of w").isEmpty();
        assertThat(n.get(1).session.holds("w")).as("the other side took w over").isTrue();
    }
}

package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Replacing the nodes of a running cluster by nodes with new ids - the new pod of a Deployment,
 * `docker-compose up -d` after an image rebuild (the node id defaults to the host name, which is
 * the new container's id), a blue/green switch of a single node - leaves the cluster with no voter
 * alive, for good. A new node is ready (BatonNode's readiness: its session is valid, which any
 * majority of the voters grants) long before it is a voter (warm-up, then one change per lease plus
 * margin), and the last voter leaves at once (HzCoordination.leaveVoters does not try when it is
 * the only one). Its replacements are in its lineage, so they do not start another, and only a
 * majority of the gone voters could add them.
 */
class RecreateAllTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    /** HzCoordination.leaveVoters waits at most 2 x expiry + 2 s for its removal. */
    private static final long LEAVE_WAIT = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);

    private final SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);

    private void awaitDown(SimulatedNetwork.SimNode node) {
        for (int t = 0; t < 30_000 && node.up; t += 10) {
            net.run(10);
        }
        assertThat(node.up).isFalse();
    }

    private boolean grants(SimulatedNetwork.SimNode node) {
        CompletableFuture<Boolean> granted = node.session.acquire("w");
        net.run(2000);
        return granted.getNow(false);
    }

    @Test
    void aSingleNodeReplacedByANewOneOnceTheNewOneIsReadyKeepsRunning() {
        SimulatedNetwork.SimNode blue = net.start("blue");
        net.run(3000);
        SimulatedNetwork.SimNode green = net.start("green");
        for (int t = 0; t < 10_000 && !green.session.isValid(); t += 10) {
            net.run(10);
        }
        assertThat(green.session.isValid()).as("green is ready").isTrue();

        net.leave(blue, LEAVE_WAIT);
        awaitDown(blue);
        net.run(30_000);

        assertThat(grants(green)).as("green runs the workers; voters: %s", green.voters.current()).isTrue();
    }

    @Test
    void replacingEveryNodeOneByOneByNodesWithNewIdsKeepsTheClusterRunning() {
        List<SimulatedNetwork.SimNode> old = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            old.add(net.start("old" + i));
            net.run(100);
        }
        for (int t = 0; t < 20_000 && old.get(0).voters.current().size() < 3; t += 100) {
            net.run(100);
        }
        net.run(3000);

        List<SimulatedNetwork.SimNode> fresh = new ArrayList<>();
        for (int i = 2; i >= 0; i--) {
            net.leave(old.get(i), LEAVE_WAIT);
            awaitDown(old.get(i));
            SimulatedNetwork.SimNode replacement = net.start("new" + i);
            fresh.add(replacement);
            for (int t = 0; t < 10_000 && !replacement.session.isValid(); t += 10) {
                net.run(10);
            }
        }
        net.run(30_000);

        assertThat(grants(fresh.get(0))).as("the new nodes run the workers; voters: %s",
                fresh.get(0).voters.current()).isTrue();
    }
}

package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node that is leaving (SIGTERM, draining its runs) and is cut off long enough for its session to
 * expire starts a new session when it hears the others again. That session is still leaving's: the
 * others must keep it out of the balance and of driving the voters, as they kept the old one. Before,
 * the replacement was an ordinary session, so the others handed workers to a node that claims nothing
 * until it exited.
 */
class LeaverWhoseSessionExpiresTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    @Test
    void theSessionThatReplacesALeaversExpiredOneIsClosingToo() {
        for (long seed = 1; seed <= 3; seed++) {
            SimulatedNetwork sim = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
            sim.removalDelay = 60_000 * MS;
            List<SimulatedNetwork.SimNode> n = sim.voters(3);
            sim.run((LEASE + MARGIN) / MS + 500);
            String before = n.get(2).session.id;

            sim.partition(List.of(List.of(0, 1), List.of(2)));
            sim.leave(n.get(2), 60_000 * MS);
            sim.awaitTrue(() -> !n.get(2).session.id.equals(before), 20_000, "n2's session to be replaced");
            sim.heal();
            String replacement = n.get(2).session.id;
            sim.awaitTrue(() -> n.get(0).table.sessions().stream().anyMatch(s -> s.session().equals(replacement)),
                    10_000, "n0 to hear n2's new session");

            assertThat(n.get(0).table.sessions()).as("seed %d: n0's view of n2's new session", seed)
                    .filteredOn(s -> s.session().equals(replacement))
                    .allMatch(SessionTable.SessionInfo::closing);
            sim.awaitTrue(() -> !n.get(2).up, 40_000, "n2 to exit");
            assertThat(n.get(2).voters.current().contains(n.get(2).voters.voterId()))
                    .as("seed %d: n2 gave its seat back", seed).isFalse();
        }
    }
}

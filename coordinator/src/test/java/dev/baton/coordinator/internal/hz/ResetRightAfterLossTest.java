package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * An operator's reset ({@code VoterState.reset}, {@code Coordination.resetVoters}) starts a new
 * lineage whose acknowledgements count at once. A lease of the old lineage rests on the last
 * acknowledgements of voters that are gone, and runs for up to a lease after they went. A reset in
 * that time - the documented case, a majority of the voters gone for good, with none of them still
 * running - gives the lock to a second session while the first still holds it.
 *
 * <p>Here: six voters n0-n5. Messages between n3 and the nodes n0 and n4 are slow. n3 gets w
 * with n1, n2, n5 and itself, four of six. At once n1, n2 and n5 are killed for good: three of six
 * are gone, so nothing can be changed any more, and the operator resets the voters at n0 to the
 * live processes n0, n3, n4. n4 asks for w: neither n0 nor n4 has heard n3's request yet, so both
 * record n4, a majority of the new voters, while n3's lease still has most of a lease to run and
 * n3 has not heard of the reset.
 */
class ResetRightAfterLossTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    private final SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);

    @Test
    void aResetRightAfterAMajorityOfTheVotersWasLostNeverGivesALockToASecondHolder() {
        List<SimulatedNetwork.SimNode> n = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            n.add(net.start("n" + i));
            net.run(100);
        }
        for (int t = 0; t < 60_000 && !n.stream().allMatch(x -> x.voters.current().size() == 6); t += 100) {
            net.run(100);
        }
        assertThat(n.get(0).voters.current().size()).isEqualTo(6);
        net.run(LEASE / MS + 1_000);
        long slow = LEASE * 3 / 4;
        for (int other : List.of(0, 4)) {
            net.slowLink(3, other, slow);
            net.slowLink(other, 3, slow);
        }
        net.run(2 * slow / MS + 500);

        SimulatedNetwork.SimNode holder = n.get(3);
        CompletableFuture<Boolean> granted = holder.session.acquire("w");
        for (int t = 0; t < 1_000 && !granted.getNow(false); t += 5) {
            net.run(5);
        }
        assertThat(holder.session.holds("w")).as("n3 holds w with n1, n2, n5 and itself").isTrue();

        for (int lost : List.of(1, 2, 5)) {
            net.crash(n.get(lost));
        }
        net.run(20);
        SimulatedNetwork.SimNode operator = n.get(0);
        operator.voters.reset(operator.voters.current().lineage(),
                List.of(holder.voters.voterId(), n.get(4).voters.voterId()), net.clock.get() / MS);

        List<String> both = new ArrayList<>();
        CompletableFuture<Boolean> pending = CompletableFuture.completedFuture(false);
        SimulatedNetwork.SimNode other = n.get(4);
        for (int t = 0; t < 3_000; t += 10) {
            if (pending.isDone() && !other.session.holds("w")) {
                other.session.release("w", false);
                pending = other.session.acquire("w");
            }
            net.run(10);
            if (holder.session.holds("w") && other.session.holds("w")) {
                both.add("t=" + t + "ms");
            }
        }

        assertThat(both).as("n3 and n4 both hold w").isEmpty();
    }
}

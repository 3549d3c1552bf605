package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Anti-entropy for worker registers ({@link RegisterSync}): a member cut off while a worker's value was
 * chosen, with nobody writing the worker since, holds that value a few sweeps after the heal. Without
 * it the member holds nothing until the worker is written again, and a read from it (step 4) would
 * plan from nothing.
 */
class RegisterSyncTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    @ParameterizedTest(name = "anti-entropy {0}")
    @ValueSource(booleans = {true, false})
    void aMemberThatMissedAWriteCatchesUpAfterTheHeal(boolean sync) {
        SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);
        net.registersOn = true;
        net.registerSync = sync;
        // The voters stay the three: a voter removed and added back would pull what it missed (VoterPulls).
        net.removalDelay = 3_600_000 * MS;
        List<SimulatedNetwork.SimNode> nodes = net.voters(3);
        SimulatedNetwork.SimNode writer = nodes.get(0);
        SimulatedNetwork.SimNode missed = nodes.get(2);
        net.cut(2, 0);
        net.cut(2, 1);
        net.run(3000);

        net.hold(writer, "w");
        CompletableFuture<SlotState> written = writer.session.writeRegister("w",
                base -> new SlotState("w", 0, 1, 42, null, null, null, 0, 0, SlotState.Flags.NONE, "s", 0));
        net.awaitTrue(written::isDone, 10_000, "the write chosen by n0 and n1");
        writer.session.release("w", false);
        net.run(1000);
        assertThat(missed.registers.state("w").accepted()).as("cut off while it was chosen").isNull();

        net.heal();
        net.run(20_000);

        Accepted<SlotState> held = missed.registers.state("w").accepted();
        if (sync) {
            assertThat(held).as("installed from another member's registers").isNotNull();
            assertThat(held.value()).isEqualTo(written.join());
            assertThat(net.syncReplies).isPositive();
        } else {
            assertThat(held).as("the power check: nothing else brings it").isNull();
        }
    }
}

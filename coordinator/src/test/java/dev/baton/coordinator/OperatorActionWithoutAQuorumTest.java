package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.NoEvents;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node that lost its quorum of the voters (here: the other of two voters crashed, and is kept
 * as a voter for the removal delay, long enough for a restart) claims nothing; with the default
 * settings (no member-count floor on the records map) it changed records all the same, and told
 * the operator the pause was done while the other side of a split, had there been one, went on.
 */
class OperatorActionWithoutAQuorumTest {

    private final HazelcastMembers members = new HazelcastMembers(1);
    private Coordination survivor;

    @AfterEach
    void close() {
        if (survivor != null) {
            survivor.close();
        }
        members.close();
    }

    @Test
    void aNodeWithoutAQuorumOfTheVotersRefusesAPauseAndChangesNothing() {
        survivor = node("a", 0);
        Coordination other = node("b", 1);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() ->
                survivor.status().voters().size() == 2 && survivor.status().quorumPresent()
                        && other.status().quorumPresent() && members.get(0).getPartitionService().isClusterSafe());
        survivor.pause("w");
        survivor.resume("w");

        members.get(1).getLifecycleService().terminate();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> !survivor.status().quorumPresent());

        assertThatThrownBy(() -> survivor.pause("w")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no quorum of the voters");
        assertThat(survivor.read("w")).hasValueSatisfying(r -> assertThat(r.paused()).isFalse());
        assertThat(survivor.status().voters()).as("the crashed voter is kept for the removal delay").hasSize(2);
    }

    private Coordination node(String id, int member) {
        Coordination node = HazelcastCoordination.builder(members.get(member)).nodeId(id)
                .voterRemovalDelay(Duration.ofMinutes(5)).build();
        node.start(NoEvents.INSTANCE);
        return node;
    }
}

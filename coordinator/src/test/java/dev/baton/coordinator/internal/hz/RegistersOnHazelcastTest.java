package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.NoEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker registers (step 1, off in the product) on real Hazelcast members over TCP on loopback:
 * register operations ride on the sessions' messages, answers come back after each member's forced
 * write to its register log, and a second holder's write builds on the first's.
 */
class RegistersOnHazelcastTest {

    private static final String W = "report";

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final List<HzCoordination> nodes = new ArrayList<>();

    @TempDir
    Path state;

    @AfterEach
    void stop() {
        nodes.forEach(HzCoordination::close);
        members.close();
    }

    private HzCoordination node(int i) {
        HzSettings settings = HzSettings.forLease(Duration.ofSeconds(3), 1, Duration.ofSeconds(30));
        HzCoordination node = new HzCoordination(members.get(i), "n" + i, settings,
                HzCoordination.stateIn(state.resolve("n" + i), "n" + i), true);
        nodes.add(node);
        node.start(NoEvents.INSTANCE);
        return node;
    }

    private static SlotState next(SlotState base, String node) {
        long fence = base == null ? 1 : base.fence() + 1;
        return new SlotState(W, 0, fence, fence, null, null, null, 0, 0, SlotState.Flags.NONE, node, 0);
    }

    private static SlotState write(HzCoordination node, String name) throws Exception {
        LocalSession session = node.session();
        // Asked again until granted: on a busy machine a session can be between two quorum renewals.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (session.holds(W)) {
                return true;
            }
            session.release(W, false).get(10, TimeUnit.SECONDS);
            return session.acquire(W).get(10, TimeUnit.SECONDS);
        });
        SlotState written = session.writeRegister(W, base -> next(base, name)).get(10, TimeUnit.SECONDS);
        session.release(W, false).get(10, TimeUnit.SECONDS);
        return written;
    }

    @Test
    void aWriteIsChosenOnEveryMemberAndTheNextHoldersWriteBuildsOnIt() throws Exception {
        List<HzCoordination> three = List.of(node(0), node(1), node(2));
        await().atMost(Duration.ofSeconds(30)).until(() -> three.stream()
                .allMatch(n -> n.table().voters().current().size() == 3));

        SlotState first = write(three.get(0), "n0");
        SlotState second = write(three.get(1), "n1");

        assertThat(first.fence()).isEqualTo(1);
        assertThat(second.fence()).as("built on the first, found by n1's prepare or told by its notice").isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(three).allSatisfy(n ->
                assertThat(n.table().registers().state(W).accepted().value()).isEqualTo(second)));
        for (int i = 0; i < 3; i++) {
            assertThat(Files.size(state.resolve("n" + i).resolve("registers-n" + i + ".log")))
                    .as("forced to the register log beside the voter state").isPositive();
        }
    }

    /**
     * A member that joins pulls the registers of the voters before it over TCP: with the writer gone (its
     * session, which would tell a newcomer what it chose, ended with it), the value chosen on every voter
     * reaches the newcomer only through the pull, which it completes before it may accept the next change.
     */
    @Test
    void aJoiningVoterPullsWhatTheVotersBeforeItChose() throws Exception {
        List<HzCoordination> three = List.of(node(0), node(1), node(2));
        await().atMost(Duration.ofSeconds(30)).until(() -> three.stream()
                .allMatch(n -> n.table().voters().current().size() == 3));
        SlotState chosen = write(three.get(0), "n0");
        three.get(0).close();
        await().atMost(Duration.ofSeconds(30)).until(() -> three.get(1).table().voters().current().size() == 2);

        HzCoordination fourth = node(3);
        await().atMost(Duration.ofSeconds(30)).until(() -> fourth.table().voters().current().nodes()
                .equals(List.of("n1", "n2", "n3")));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                fourth.table().registers().state(W).accepted()).as("pulled from n1 or n2").isNotNull());
        assertThat(fourth.table().registers().state(W).accepted().value()).isEqualTo(chosen);
    }
}

package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.map.IMap;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pause made after a resume whose token was issued under a cluster clock a minute ahead (a member
 * whose clock ran fast, since gone): the pause's token must go above it, so its time part lies a
 * minute ahead too. The record and the event still say when the pause was made, on this node's
 * clock: an engine that heard of the two actions out of order dates the pause by it, and a slot that
 * fell after the real resume is not taken for one of the pause's.
 */
class ActionAboveATokenFromAClockAheadTest {

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final List<Optional<Instant>> pauseEventTimes = new CopyOnWriteArrayList<>();
    private Coordination node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
        members.close();
    }

    @Test
    void aPauseAboveATokenFromAMinuteAheadIsDatedWhenItWasMade() {
        node = HazelcastCoordination.builder(members.get(0)).nodeId("a").lease(Duration.ofSeconds(2)).build();
        node.start(new CoordinationEvents() {
            @Override
            public void triggered(String worker) {
            }

            @Override
            public void pauseChanged(String worker, boolean paused) {
            }

            @Override
            public void pauseChanged(String worker, boolean paused, long token, Optional<Instant> madeAt) {
                pauseEventTimes.add(madeAt);
            }

            @Override
            public void orphaned(String worker) {
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> node.status().quorumPresent());
        long aheadMillis = System.currentTimeMillis() + 60_000;
        long resumeAhead = ClaimRules.nextFence(0, 0, aheadMillis);
        IMap<String, HzSlot> records = members.get(0).getMap(HzSettings.RECORDS_MAP);
        records.put("w", new HzSlot(SlotState.empty("w").withFlags(SlotState.Flags.NONE.withPaused(false, resumeAhead,
                aheadMillis))));

        Instant before = Instant.now();
        node.pause("w");
        Instant after = Instant.now();

        WorkerRecord paused = node.read("w").orElseThrow();
        assertThat(paused.paused()).isTrue();
        assertThat(paused.pauseToken()).as("above the resume's token").isGreaterThan(resumeAhead);
        assertThat(paused.pauseChangedAt()).as("made between %s and %s, its token dated %s", before, after,
                        SlotState.Flags.madeAt(paused.pauseToken()).orElseThrow())
                .hasValueSatisfying(at -> assertThat(at).isBetween(before.minusSeconds(1), after.plusSeconds(1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !pauseEventTimes.isEmpty());
        assertThat(pauseEventTimes).as("the event says it too").containsExactly(paused.pauseChangedAt());
    }
}

package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The preferred node of a fixed-delay worker reads the record (it shows the next run due now) but
 * every claim it makes is refused: it claims again at once a couple of times, then looks again a
 * second later, rather than loop claim, read, claim... at full speed for as long as the refusal
 * lasts (from review s37e).
 *
 * <ul>
 *   <li>the record is paused, but this node missed the pause's event (on Hazelcast a session message
 *       gap is repaired by a snapshot, which carries no operator actions): the record refuses every
 *       scheduled claim until somebody resumes the worker;</li>
 *   <li>the node's session has no quorum while the records map still answers reads (the minority of a
 *       split with no member-count floor, the window after its session expired in which
 *       HzCoordination.acquire gives up at once because the session is dead).</li>
 * </ul>
 * Counted over 4 s of the manual clock; a look every second (as for a standby) is a handful.
 */
class FixedDelayRefusedEveryTimeSpinTest {

    private final FiveSecondSlots fleet = new FiveSecondSlots();
    private final StickyRecords.Node other = fleet.records.node("other");
    private final ScriptedCoordination n = new ScriptedCoordination(fleet.records.node("n"));
    private BackgroundWorkerManager manager;

    @AfterEach
    void close() {
        if (manager != null) {
            manager.close();
        }
    }

    /** Another node ran w at S1 (finished at once): the next run is due at S2, on N, preferred. */
    private void startPreferred() {
        fleet.advanceTo(S1);
        other.claim(ClaimRequest.chained("w", S1, java.util.Optional.empty())).orElseThrow().complete(Outcome.SUCCEEDED);
        fleet.advanceTo(S1.plusMillis(500));
        n.roles.put("w", ClaimRole.PREFERRED);
        manager = Baton.manager(n).scheduler(fleet.time).listener(fleet.recorder).build();
        manager.add(new TestWorker("w", Schedule.fixedDelay(Duration.ofSeconds(5)), ctx -> { }));
        manager.start();
        fleet.time.settle();
    }

    /** Runs the clock from S2 to S2 + 4 s; a spinning engine may not settle: what it claimed by then is counted. */
    private int claimsFromS2() {
        int before = n.claims.get();
        try {
            fleet.advanceTo(S2);
            fleet.advanceTo(S2.plusSeconds(4));
        } catch (IllegalStateException e) {
            // "the engine did not settle": it was still claiming
        }
        return n.claims.get() - before;
    }

    @Test
    @Timeout(60)
    void aPreferredNodeThatMissedThePauseEventDoesNotClaimInALoop() {
        startPreferred();
        fleet.advanceTo(S1.plusSeconds(1));
        other.pause("w");   // no event reaches N (lost in a session-message gap)

        int claims = claimsFromS2();

        assertThat(claims).as("claims of the paused worker by N in 4 s of the clock; claims lost reported %s",
                fleet.recorder.claimsLost.size()).isBetween(1, 10);
        assertThat(fleet.recorder.results).isEmpty();
    }

    @Test
    @Timeout(60)
    void aPreferredNodeWhoseClaimsAreRefusedEveryTimeDoesNotClaimInALoop() {
        startPreferred();
        n.refuseClaims = true;   // no quorum: every claim refused at once; reads still answer

        int claims = claimsFromS2();

        assertThat(claims).as("claims by N in 4 s of the clock; claims lost reported %s",
                fleet.recorder.claimsLost.size()).isBetween(1, 10);
    }
}

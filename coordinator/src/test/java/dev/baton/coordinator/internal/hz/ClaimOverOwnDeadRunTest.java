package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A record can be left showing a run of session S that is over: S's completion stayed unknown
 * (Records.call gives up after a lease, e.g. the owner was killed and Hazelcast removed it only after
 * its 5 s heartbeat timeout), or S's claim applied but its answer was lost. S then releases the lock
 * as unfinished and, as the preferred node, claims again: a RERUN of that slot, or the next slot.
 * ClaimProcessor asks the owner's table whether the recorded holder is alive, and the owner records
 * S as the worker's holder - because S holds the lock for this very claim. The claim is refused as
 * if it raced a live run, every time, for as long as S stays the preferred node: the worker stalls.
 * A session cannot be running the worker while it claims it again (it holds one lock per worker), so
 * a run recorded for the claimer's own session is over.
 */
class ClaimOverOwnDeadRunTest {

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);

    @Test
    void aSessionsClaimWinsOverARunThatTheRecordShowsForThatSameSession() {
        VoterState voters = new VoterState("n1", nanos::get, 2_200_000_000L);
        voters.learn(new Voters("0001-x", 1, List.of("n1", "n2", "n3")));
        SessionTable table = new SessionTable(2_200_000_000L, 600_000_000L, nanos::get, voters, new FenceFloor(),
                wall::get);
        // The owner's table: session n2/s holds w's lock again, for the claim below.
        table.receive(SessionMessage.snapshot("n2/s", "n2", "m2", 7, Set.of("w"), Set.of("w"), false));

        long now = wall.get();
        long slot = now - now % 1000 - 1000;
        ClaimRules.Claim first = new ClaimRules.Claim(ClaimRequest.scheduled("w", Instant.ofEpochMilli(slot)), "n2",
                "n2/s", 41, now - 1000, now - 1000, 0, ClaimRules.REBASE_MIN_MILLIS);
        // The record shows claim 41 of n2/s running: its completion never applied.
        SlotState left = ClaimRules.claim(SlotState.empty("w"), first, false).orElseThrow().state();
        assertThat(left.isRunning()).isTrue();

        PeerClocks clocks = new PeerClocks(wall::get, nanos::get);
        ClaimRules.Claim rerun = new ClaimRules.Claim(ClaimRequest.rerun("w", Instant.ofEpochMilli(slot), left.fence()),
                "n2", "n2/s", 42, now, now, left.fence(), ClaimRules.REBASE_MIN_MILLIS);
        Map.Entry<String, HzSlot> entry = new AbstractMap.SimpleEntry<>("w", new HzSlot(left));
        HzSlot result = new ClaimProcessor(rerun, now + 4_000, new ClaimProcessor.Locals(clocks, table)).process(entry);

        assertThat(result).as("n2/s re-runs the slot its own earlier run left unfinished").isNotNull();
        assertThat(result.state().lastOutcome()).isEqualTo(Outcome.CRASHED);
        assertThat(result.state().running().claimId()).isEqualTo(42);
    }
}

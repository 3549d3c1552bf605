package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.worker.spi.ClaimRequest;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Records.call calls a claim again, with the same claim id, for as long as the claimer holds the
 * worker's lock, which renewals keep extending; the processor's deadline is the lock's validity at
 * the moment of the claim, minus the margin. A replay after that deadline (the first application
 * did apply, but its answer was lost: the owner left, a backup did not acknowledge) must still
 * return the lease it made. It returns null instead: HzCoordination.claim reads that as "refused by
 * the record" and releases the lock as finished, so the record shows a run of this claim that never
 * started, and no node is told to re-run it.
 */
class ClaimReplayAfterDeadlineTest {

    private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);

    @Test
    void aReplayAfterTheDeadlineReturnsTheLeaseItMade() {
        PeerClocks clocks = new PeerClocks(wall::get, nanos::get);
        long now = wall.get();
        ClaimRequest request = ClaimRequest.scheduled("w", Instant.ofEpochMilli(now - now % 1000));
        ClaimRules.Claim claim = new ClaimRules.Claim(request, "n1", "n1/s", 42, now, now, 0,
                ClaimRules.REBASE_MIN_MILLIS);
        // As HzCoordination.claim computes it: the lock's validity (a lease of 5 s) minus the margin.
        long deadline = now + 5_000 - 500;
        ClaimProcessor processor = new ClaimProcessor(claim, deadline, new ClaimProcessor.Locals(clocks, null));
        Map.Entry<String, HzSlot> entry = new AbstractMap.SimpleEntry<>("w", null);

        HzSlot first = processor.process(entry);
        assertThat(first).isNotNull();
        assertThat(first.state().running().claimId()).isEqualTo(42);

        // The answer was lost; Records calls again 6 s later, while the renewed lock still holds.
        wall.addAndGet(6_000);
        nanos.addAndGet(6_000_000_000L);
        HzSlot replay = processor.process(entry);

        assertThat(replay).as("the replay of claim 42, which the record shows running").isNotNull();
        assertThat(replay.state()).isEqualTo(first.state());
    }
}

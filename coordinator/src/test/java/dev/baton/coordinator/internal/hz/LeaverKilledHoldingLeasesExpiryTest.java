package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A leaving node whose session still holds a lease when it goes silent did not go as it said: its
 * process was killed mid-drain (an execution ignored the interrupt and {@code WorkerManager} closed
 * with "their leases are left to expire", or the kubelet's SIGKILL at
 * {@code terminationGracePeriodSeconds}), its lease lapses and its run is orphaned for the others to
 * redo. That is an expiry, and {@code expiredSessions} (BatonHealth, the {@code baton.sessions.expired}
 * counter) is how an operator sees it; a closing session that let go of everything is not counted
 * (from review s38c).
 */
class LeaverKilledHoldingLeasesExpiryTest {

    private static final long EXPIRY = 5_500;
    private static final long STALE = 1_500;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<String> orphaned = new ArrayList<>();
    private final SessionTable table = new SessionTable(EXPIRY, STALE, now::get, new VoterState("n1", "1", now::get,
            EXPIRY), new FenceFloor(), () -> 42L);

    LeaverKilledHoldingLeasesExpiryTest() {
        table.listener(new SessionFixtures.Quiet() {
            @Override
            public void orphaned(String worker) {
                orphaned.add(worker);
            }
        });
        table.self("s1");
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 0, Set.of(), Set.of("w"), false));
    }

    @Test
    void aLeaverKilledWhileItsSessionHoldsALeaseCountsAsAnExpiredSession() {
        table.receive(SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of("w"), Set.of("w"), false));
        assertThat(table.holder("w")).contains("n2");

        // SIGTERM: n2 says it leaves; its execution of w runs on, then the process is killed holding w.
        table.receive(SessionMessage.delta("s2", "n2", "m2", 1, 1, List.of(), true));
        now.addAndGet(EXPIRY + 1);
        table.sweep();

        assertThat(orphaned).as("n2's run of w is orphaned: the others redo it").containsExactly("w");
        assertThat(table.expiredSessions()).as("a session that went silent holding a lease expired").isEqualTo(1);
    }
}

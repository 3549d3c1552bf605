package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.Balance;
import dev.baton.coordinator.internal.Rendezvous;
import dev.baton.worker.spi.ClaimRole;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Which changes open the settling window: two members' views of
 * one fail-over, a moment apart.
 */
class SettlingWindowTest {

    private static final long EXPIRY = 5_500;
    private static final long STALE = 1_500;
    private static final Set<String> MEMBERS = Set.of("m1", "m2", "m3");

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final SessionTable table1 = table("n1", "s1");
    private final SessionTable table3 = table("n3", "s3");

    private SessionTable table(String node, String session) {
        SessionTable t = new SessionTable(EXPIRY, STALE, now::get, new VoterState(node, "1", now::get, EXPIRY),
                new FenceFloor(), () -> 42L);
        t.self(session);
        return t;
    }

    /**
     * Three workers {w, a, b} on three nodes: a and b balanced to n1 (at its cap of 2), w to n2; n1
     * is first after n2 in w's order (n1 steps in for w); over {n1, n3} the cap is still 2, so w
     * goes to n3 and n1 keeps {a, b}: its preferred set does not change. Returns [w, a, b].
     */
    private static List<String> workers() {
        List<String> names = IntStream.range(0, 40).mapToObj(i -> "x" + i).toList();
        for (String w : names) {
            for (String a : names) {
                for (String b : names) {
                    if (a.compareTo(b) >= 0 || a.equals(w) || b.equals(w)) {
                        continue;
                    }
                    Set<String> r = Set.of(w, a, b);
                    Map<String, String> three = Balance.assign(Map.of("n1", r, "n2", r, "n3", r));
                    if (!three.get(w).equals("n2") || !three.get(a).equals("n1") || !three.get(b).equals("n1")) {
                        continue;
                    }
                    String firstLive = Rendezvous.rank(w, List.of("n1", "n2", "n3")).stream()
                            .filter(n -> !n.equals("n2")).findFirst().orElseThrow();
                    Map<String, String> two = Balance.assign(Map.of("n1", r, "n3", r));
                    if (firstLive.equals("n1") && two.get(w).equals("n3") && two.get(a).equals("n1")
                            && two.get(b).equals("n1")) {
                        return List.of(w, a, b);
                    }
                }
            }
        }
        throw new IllegalStateException("no such workers");
    }

    /** A renewal with nothing new (on the snapshot of seq 1). */
    private static void hear(SessionTable t, String session) {
        t.receive(SessionMessage.delta(session, "n" + session.substring(1), "m" + session.substring(1), 1, 1,
                List.of(), false));
    }

    /** Whether this member would claim the slot (preferred, stepping in, or a standby looking while settling). */
    private static boolean claims(SessionTable t, String worker) {
        ClaimRole role = t.role(worker, MEMBERS);
        return role != ClaimRole.STANDBY || t.rolesChangedWithin(EXPIRY * 2);
    }

    /**
     * A small fleet (three workers, three nodes: the balance's cap is 2 both over three nodes and
     * over two). n2 prefers w and freezes (SIGSTOP). Its last renewal reached n1 at once and n3, a
     * loaded node, 400 ms later. Both see n2 stale: n1 steps in, n3 stands by. Then n1 expires n2's
     * session (sweep) a moment before n3 does: in n1's view w now belongs to n3 (n1, first after n2 in w's order,
     * is at its cap with a and b), and n1
     * goes STEP_IN -> STANDBY; in n3's view n2 is still there, stale, and n1 steps in, so n3 stays
     * STANDBY. n1's preferred set did not change, so with the change n1 is not settling and does
     * not look after the grace: nobody claims a slot falling in that window (up to a session-loop
     * round plus the renewals' skew: at a 1 s period, a slot). Before the change the role change
     * opened the window and n1 looked after the grace and claimed it. The watch catches it only
     * five renewals later, when a short period's slot is no longer current.
     */
    @Test
    void aStandInWhoseViewMovesTheWorkerToALaggingNodeStillLooks() {
        List<String> ws = workers();
        String w = ws.getFirst();
        for (SessionTable t : List.of(table1, table3)) {
            for (String s : List.of("s1", "s2", "s3")) {
                t.receive(SessionMessage.snapshot(s, "n" + s.substring(1), "m" + s.substring(1), 1, Set.of(), Set.copyOf(ws),
                        false));
            }
        }
        hear(table1, "s2");
        assertThat(table1.role(w, MEMBERS)).isEqualTo(ClaimRole.STANDBY);
        assertThat(table3.role(w, MEMBERS)).isEqualTo(ClaimRole.STANDBY);
        now.addAndGet(400);
        hear(table3, "s2"); // n2's last renewal, late at the loaded n3

        for (int step = 0; step < 52; step++) { // up to 5,600 after n2's last renewal reached n1
            now.addAndGet(100);
            for (SessionTable t : List.of(table1, table3)) {
                hear(t, "s1");
                hear(t, "s3");
                t.sweep();
            }
            long sinceFrozen = 400 + 100L * (step + 1);
            if (sinceFrozen <= STALE) {
                continue; // n2 still counts as alive everywhere: it is the one to claim
            }
            assertThat(claims(table1, w) || claims(table3, w))
                    .as("someone claims a slot at %d ms after n2 froze: n1 %s settling %s, n3 %s settling %s",
                            sinceFrozen, table1.role(w, MEMBERS), table1.rolesChangedWithin(EXPIRY * 2),
                            table3.role(w, MEMBERS), table3.rolesChangedWithin(EXPIRY * 2))
                    .isTrue();
        }
    }
}

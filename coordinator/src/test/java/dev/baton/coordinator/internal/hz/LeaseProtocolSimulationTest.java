package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lease protocol under a hostile simulated network: random delays, drops, partitions and
 * frozen members, three members competing for a few workers. At every instant at most one
 * session may consider itself the valid holder of a worker, and the workers keep running.
 */
class LeaseProtocolSimulationTest {

    private static final long LEASE = TimeUnit.SECONDS.toNanos(2);
    private static final long MARGIN = 200 * MS;
    private static final List<String> WORKERS = List.of("a", "b", "c");

    /** Like Baton's balance: one member is eager for a worker (it changes every few seconds), the others rarely try. */
    private static boolean eager(int member, String worker, long now) {
        return (worker.hashCode() + now / TimeUnit.SECONDS.toNanos(5)) % 3 == member;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40})
    void neverTwoValidHoldersOfAWorkerAndWorkKeepsGettingDone(long seed) {
        SimulatedNetwork net = new SimulatedNetwork(seed, 3, LEASE, MARGIN, 2);
        net.dropRate = 0.05;
        Map<String, CompletableFuture<Boolean>> pending = new HashMap<>();
        Map<String, Long> releaseAt = new HashMap<>();
        List<String> violations = new ArrayList<>();
        int grants = 0;
        int refused = 0;
        long faultUntil = 0;
        for (int step = 0; step < 12_000; step++) {
            long now = net.clock.get();
            if (now > faultUntil && net.random.nextInt(1500) == 0) {
                int victim = net.random.nextInt(3);
                long length = (1 + net.random.nextInt(6)) * 1000 * MS;
                if (net.random.nextBoolean()) {
                    net.isolate(victim);
                    net.later(length, net::heal);
                } else {
                    net.members.get(victim).frozen = true;
                    net.later(length, () -> net.members.get(victim).frozen = false);
                }
                faultUntil = now + length + LEASE;
            }
            for (SimulatedNetwork.SimMember m : net.members) {
                m.step(step % 10 == 0, 2);
                if (m.frozen) {
                    continue;
                }
                for (String w : WORKERS) {
                    String key = m.index + w;
                    LocalSession s = m.session;
                    if (s.holds(w)) {
                        if (!releaseAt.containsKey(key)) {
                            grants++;
                            releaseAt.put(key, now + (50 + net.random.nextInt(400)) * MS);
                        }
                        if (now > releaseAt.get(key)) {
                            s.release(w, false);
                            releaseAt.remove(key);
                            pending.remove(key);
                        }
                    } else if (pending.containsKey(key) && pending.get(key).isDone()) {
                        // Not held (any more): refused, timed out, or lost; give it back as the engine does.
                        refused++;
                        s.release(w, false);
                        pending.remove(key);
                        releaseAt.remove(key);
                    } else if (!pending.containsKey(key) && net.random.nextInt(eager(m.index, w, now) ? 20 : 2000) == 0) {
                        pending.put(key, s.acquire(w));
                    }
                }
            }
            for (String w : WORKERS) {
                long holders = net.members.stream().filter(m -> m.session.holds(w)).count();
                if (holders > 1) {
                    violations.add("t=" + (now / MS) + "ms: " + holders + " valid holders of " + w);
                }
            }
            net.advance(MS);
        }

        assertThat(violations).isEmpty();
        assertThat(grants).as("locks were granted again and again (refused %d times)", refused).isGreaterThan(30);
    }
}

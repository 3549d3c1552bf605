package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Managers on real Hazelcast members in this JVM, over TCP on loopback, in real time. */
class HazelcastClusterTest {

    private final HazelcastMembers members = new HazelcastMembers(2);
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();
    private final Recorder recorder = new Recorder();

    @AfterEach
    void stop() {
        managers.forEach(BackgroundWorkerManager::close);
        members.close();
    }

    private BackgroundWorkerManager manager(HazelcastInstance member, String id, int workers, Duration period) {
        Coordination coordination = HazelcastCoordination.builder(member).nodeId(id).lease(Duration.ofSeconds(3))
                .build();
        BackgroundWorkerManager manager = Baton.manager(coordination).listener(recorder).build();
        for (int i = 0; i < workers; i++) {
            manager.add(new TestWorker(String.format("w%03d", i), Schedule.fixedRate(period), ctx -> { }));
        }
        managers.add(manager);
        return manager;
    }

    @Test
    void threeNodesRunEachSlotOnceAndShareTheWork() {
        for (int n = 0; n < 3; n++) {
            manager(members.get(n), "n" + n, 30, Duration.ofMillis(500)).start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.results.stream().map(ExecutionResult::nodeId)
                .distinct().count() == 3 && recorder.results.size() > 300);
        Instant settled = Instant.now();
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.results.stream()
                .filter(r -> r.slot().isAfter(settled)).count() >= 30 * 6);

        Map<String, Long> runsPerSlot = recorder.results.stream()
                .collect(Collectors.groupingBy(r -> r.worker() + "@" + r.slot(), Collectors.counting()));
        assertThat(runsPerSlot.values()).containsOnly(1L);
        Map<String, Long> perNode = recorder.results.stream().filter(r -> r.slot().isAfter(settled))
                .collect(Collectors.groupingBy(ExecutionResult::nodeId, Collectors.counting()));
        assertThat(perNode).hasSize(3);
        long slotsAfter = recorder.results.stream().filter(r -> r.slot().isAfter(settled))
                .map(r -> r.slot()).distinct().count();
        assertThat(slotsAfter).isGreaterThanOrEqualTo(6);
    }

    @Test
    void aHundredWorkersOnFourNodesAreSpreadAtMost35ToANode() {
        List<Coordination> coordinations = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            Coordination c = HazelcastCoordination.builder(members.get(n)).nodeId("node-" + n).build();
            c.start(new CoordinationContract.EventLog());
            for (int w = 0; w < 100; w++) {
                c.register("report-" + w);
            }
            coordinations.add(c);
        }
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<Integer, Integer> preferred = new HashMap<>();
                for (int w = 0; w < 100; w++) {
                    for (int n = 0; n < 4; n++) {
                        if (coordinations.get(n).role("report-" + w) == ClaimRole.PREFERRED) {
                            preferred.merge(n, 1, Integer::sum);
                        }
                    }
                }
                assertThat(preferred.values().stream().mapToInt(i -> i).sum()).as("each worker has one node")
                        .isEqualTo(100);
                assertThat(preferred).hasSize(4);
                assertThat(Collections.max(preferred.values())).isLessThanOrEqualTo(35);
            });
        } finally {
            coordinations.forEach(Coordination::close);
        }
    }

    @Test
    void whenANodeShutsDownTheOthersRunItsWorkersFromTheNextSlot() {
        for (int n = 0; n < 3; n++) {
            manager(members.get(n), "n" + n, 12, Duration.ofMillis(500)).start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.results.stream().map(ExecutionResult::nodeId)
                .distinct().count() == 3);

        managers.get(0).close();
        Instant closed = Instant.now();
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.results.stream()
                .filter(r -> r.slot().isAfter(closed.plusMillis(600))).map(ExecutionResult::worker).distinct()
                .count() == 12);

        List<ExecutionResult> after = recorder.results.stream().filter(r -> r.slot().isAfter(closed.plusMillis(600)))
                .toList();
        assertThat(after).noneMatch(r -> r.nodeId().equals("n0"));
        // From the next slot, on time: at once on the node that now prefers the worker, or after the step-in grace
        // (300 ms) and, if standbys split the lock's votes there, a retry after a pause of up to 120 ms (CI
        // under a busy loop: 441 ms once). A missed slot or one run a period late fails.
        assertThat(after).allSatisfy(r -> assertThat(r.startLateness()).isLessThan(Duration.ofMillis(800)));
    }

    /**
     * With a floor of two voters (BATON_MIN_CLUSTER_SIZE=2), a voter that leaves while the voters are
     * exactly at the floor and a third process is not a voter yet (it joined less than a lease and
     * margin ago) must not take the voters below the floor: the leaving voter hands its seat to the
     * newcomer first. Before, it removed itself, leaving one voter under a floor of two; no session
     * could renew, both expired, and every worker stood still for about two leases until the
     * newcomer's change (a lease and margin after the removal) let the fleet claim again.
     */
    @Test
    void aVoterLeavingAtTheFloorLeavesNoGapInTheSchedule() {
        for (int n = 0; n < 3; n++) {
            manager(members.get(n), "n" + n, 6, Duration.ofMillis(500)).start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.results.stream().map(ExecutionResult::nodeId)
                .distinct().count() == 3);

        managers.get(0).close();
        Instant closed = Instant.now();
        Instant from = closed.plusSeconds(1);
        Instant to = closed.plusSeconds(8);
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.results.stream()
                .filter(r -> !r.slot().isBefore(to)).map(ExecutionResult::worker).distinct().count() == 6);

        Map<String, List<Instant>> missing = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            String worker = String.format("w%03d", i);
            java.util.Set<Instant> ran = recorder.results.stream().filter(r -> r.worker().equals(worker))
                    .map(ExecutionResult::slot).collect(Collectors.toSet());
            List<Instant> gaps = new ArrayList<>();
            for (Instant slot = Instant.ofEpochMilli(from.toEpochMilli() / 500 * 500 + 500); slot.isBefore(to);
                 slot = slot.plusMillis(500)) {
                if (!ran.contains(slot)) {
                    gaps.add(slot);
                }
            }
            missing.put(worker, gaps);
        }
        // One slot per worker may coalesce into the next on a loaded machine (a start over a second late);
        // the stall this guards against cost each worker six to twelve.
        assertThat(missing).as("slots not run in the 7 s after n0 left").allSatisfy((w, gaps) ->
                assertThat(gaps).hasSizeLessThanOrEqualTo(1));
    }
}

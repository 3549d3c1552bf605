package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.CrashPolicy;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review s41f: an operator's trigger, told it took, whose run is cut short (its node shuts down or dies
 * mid-run) runs again on another node, as a crashed slot does under the default crash policy. The claim
 * of a trigger served it for good, and a triggered run is never taken over as a re-run: the run was lost
 * until the operator noticed. The worker is hourly, so no regular slot comes to its rescue. Under
 * {@code CrashPolicy.SKIP} the cut spends the trigger, and the dead holder's run, which reads as running
 * until a regular claim, keeps no node claiming (review s42b: every look grace, then every 30 s, for ever
 * while the worker was paused).
 */
class TriggeredRunCutShortTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    @RegisterExtension
    final HazelcastMembers members = new HazelcastMembers(1);
    private final List<HazelcastInstance> hz = new ArrayList<>();
    /** Each node's coordination, and the same counting its claims. */
    private final List<Coordination> coordinations = new ArrayList<>();
    private final List<ScriptedCoordination> counted = new ArrayList<>();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();
    private final Recorder recorder = new Recorder();
    private final CountDownLatch never = new CountDownLatch(1);
    private final AtomicBoolean firstTrigger = new AtomicBoolean(true);

    @AfterEach
    void stop() {
        never.countDown();
        managers.forEach(BackgroundWorkerManager::close);
    }

    @Test
    void aTriggeredRunCutShortByItsNodeShuttingDownRunsAgainElsewhere() throws Exception {
        ExecutionStart cut = triggerAndHold(WorkerOptions.defaults());
        int node = Integer.parseInt(cut.nodeId().substring(1));

        managers.get(node).close();
        members.closed(coordinations.get(node));
        coordinations.get(node).close();

        assertRunsAgainElsewhere(cut, "shut down");
    }

    @Test
    void aTriggeredRunCutShortByItsNodeDyingRunsAgainElsewhere() throws Exception {
        ExecutionStart cut = triggerAndHold(WorkerOptions.defaults());
        int node = Integer.parseInt(cut.nodeId().substring(1));

        members.closed(coordinations.get(node));
        hz.get(node).getLifecycleService().terminate();

        assertRunsAgainElsewhere(cut, "died");
    }

    @Test
    void aPausedSkipWorkerWhoseTriggeredRunDiedIsNotClaimedOverAndOverByTheNodeThatTookItOver() {
        ExecutionStart cut = triggerAndHold(WorkerOptions.defaults().withOnCrash(CrashPolicy.SKIP));
        int dead = Integer.parseInt(cut.nodeId().substring(1));
        // The operator pauses the worker during its triggered run: no regular claim comes to end the record.
        managers.get((dead + 1) % 3).pause("report");
        counted.forEach(c -> c.recordClaimPaths = true);

        members.closed(coordinations.get(dead));
        hz.get(dead).getLifecycleService().terminate();
        int before = claimsOfTheLiving(dead);

        // The session's expiry and the take-over take a few seconds; a claim every look grace would show within 15 s.
        await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(claimsOfTheLiving(dead) - before)
                        .as("claims made by the living nodes since %s died (record: %s; last paths: %s)", cut.nodeId(),
                                coordinations.get((dead + 1) % 3).read("report"), lastPaths(dead))
                        .isLessThanOrEqualTo(4));
    }

    private int claimsOfTheLiving(int dead) {
        int sum = 0;
        for (int n = 0; n < 3; n++) {
            if (n != dead) {
                sum += counted.get(n).claims.get();
            }
        }
        return sum;
    }

    private List<List<String>> lastPaths(int dead) {
        List<List<String>> paths = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            if (n != dead) {
                List<List<String>> all = counted.get(n).claimPaths;
                paths.addAll(all.subList(Math.max(0, all.size() - 3), all.size()));
            }
        }
        return paths;
    }

    /** Three nodes; the first triggered run blocks until its node ends it. */
    private ExecutionStart triggerAndHold(WorkerOptions options) {
        TestWorker.Body work = ctx -> {
            if (ctx.runKind() == RunKind.TRIGGERED && firstTrigger.getAndSet(false)) {
                never.await();
            }
        };
        for (int n = 0; n < 3; n++) {
            hz.add(members.get(n));
        }
        for (int n = 0; n < 3; n++) {
            Coordination c = members.closing(HazelcastCoordination.builder(hz.get(n)).nodeId("n" + n).lease(LEASE)
                    .build());
            coordinations.add(c);
            ScriptedCoordination counting = new ScriptedCoordination(c);
            counted.add(counting);
            BackgroundWorkerManager m = Baton.manager(counting).listener(recorder)
                    .shutdownGrace(Duration.ofMillis(200)).build();
            m.add(new TestWorker("report", Schedule.fixedRate(Duration.ofHours(1)), options, work));
            managers.add(m);
        }
        managers.forEach(BackgroundWorkerManager::start);
        // Refused with a clear error until the nodes have their quorum.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            managers.get(0).trigger("report");
            return true;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> triggered().size() == 1);
        return triggered().get(0);
    }

    private void assertRunsAgainElsewhere(ExecutionStart cut, String how) {
        // A lease for the dead session to expire, the member's removal, the claim: 20 s is plenty.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(triggered())
                        .as("the trigger runs again after %s, whose run of it was cut short, %s (record: %s)",
                                cut.nodeId(), how, coordinations.get((Integer.parseInt(cut.nodeId().substring(1)) + 1)
                                        % 3).read("report"))
                        .anySatisfy(s -> {
                            assertThat(s.nodeId()).isNotEqualTo(cut.nodeId());
                            assertThat(s.fencingToken()).isGreaterThan(cut.fencingToken());
                        }));
    }

    private List<ExecutionStart> triggered() {
        return recorder.starts.stream().filter(s -> s.kind() == RunKind.TRIGGERED).toList();
    }
}

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review s42b. The engine's trigger retry now goes on while the record shows a running TRIGGERED run
 * ({@code PeriodicEntry.cutTrigger}), on the idea that the claim finds a dead holder and asks for the trigger
 * again. But a claim only asks again when the run said so ({@code Running.rerunIfCut}): not under
 * {@code CrashPolicy.SKIP}, nor after three cuts. Then the claim is refused and changes nothing, and on
 * Hazelcast the dead holder's run still reads as running (only a successful claim ends it): the node that
 * took the worker over claims again and again, every look grace and then every 30 s, until a regular claim
 * takes the record over, which for a paused worker (triggers still run while paused) is never. Before this
 * change, one refused claim and the retry stopped (the record asked for no trigger).
 */
class DeadTriggeredHolderClaimLoopTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    @RegisterExtension
    final HazelcastMembers members = new HazelcastMembers(1);
    private final List<HazelcastInstance> hz = new ArrayList<>();
    private final List<ScriptedCoordination> coordinations = new ArrayList<>();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();
    private final Recorder recorder = new Recorder();
    private final CountDownLatch never = new CountDownLatch(1);

    @AfterEach
    void stop() {
        never.countDown();
        managers.forEach(BackgroundWorkerManager::close);
    }

    @Test
    void aPausedSkipWorkerWhoseTriggeredRunDiedIsNotClaimedOverAndOverByTheNodeThatTookItOver() throws Exception {
        for (int n = 0; n < 3; n++) {
            hz.add(members.get(n));
        }
        for (int n = 0; n < 3; n++) {
            ScriptedCoordination c = new ScriptedCoordination(members.closing(
                    HazelcastCoordination.builder(hz.get(n)).nodeId("n" + n).lease(LEASE).build()));
            c.recordClaimPaths = true;
            coordinations.add(c);
            BackgroundWorkerManager m = Baton.manager(c).listener(recorder).shutdownGrace(Duration.ofMillis(200))
                    .build();
            m.add(new TestWorker("report", Schedule.fixedRate(Duration.ofHours(1)),
                    WorkerOptions.defaults().withOnCrash(CrashPolicy.SKIP), ctx -> {
                        if (ctx.runKind() == RunKind.TRIGGERED) {
                            never.await();
                        }
                    }));
            managers.add(m);
        }
        managers.forEach(BackgroundWorkerManager::start);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            managers.get(0).trigger("report");
            return true;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> triggered().size() == 1);
        ExecutionStart cut = triggered().get(0);
        int dead = Integer.parseInt(cut.nodeId().substring(1));
        // The operator pauses the worker during its triggered run: no regular claim comes to end the record.
        managers.get((dead + 1) % 3).pause("report");

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

    private List<List<String>> lastPaths(int dead) {
        List<List<String>> paths = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            if (n != dead) {
                List<List<String>> all = coordinations.get(n).claimPaths;
                paths.addAll(all.subList(Math.max(0, all.size() - 3), all.size()));
            }
        }
        return paths;
    }

    private int claimsOfTheLiving(int dead) {
        int sum = 0;
        for (int n = 0; n < 3; n++) {
            if (n != dead) {
                sum += coordinations.get(n).claims.get();
            }
        }
        return sum;
    }

    private List<ExecutionStart> triggered() {
        return recorder.starts.stream().filter(s -> s.kind() == RunKind.TRIGGERED).toList();
    }
}

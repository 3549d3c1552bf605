package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review s41c. Node n2 runs w's regular slot, a long run (minutes: a report, a batch). The balance moves w
 * to n1 meanwhile (a node joined, or n2's view changed), and an operator triggers w. n1, now preferred,
 * claims, is refused (n2's run holds the lock) and retries every look grace, 30 times
 * (PeriodicEntry.retryLater), then drops the trigger. When n2's run ends, its completion's record shows the
 * trigger pending; n2 remembers it, but its triggerCycle finds it is a standby and returns. Nobody runs the
 * trigger until n1's next regular run ends (an hour here): told "took", it does not run when the lock is free.
 */
class TriggerBehindALongRunElsewhereTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock());
    private final ScriptedCoordination one = new ScriptedCoordination(cluster.node("n1"));
    private final ScriptedCoordination two = new ScriptedCoordination(cluster.node("n2"));
    private final Recorder recorder = new Recorder();
    private final BackgroundWorkerManager first = Baton.manager(one).scheduler(time).listener(recorder)
            .shutdownGrace(Duration.ofSeconds(2)).build();
    private final BackgroundWorkerManager second = Baton.manager(two).scheduler(time).listener(recorder)
            .shutdownGrace(Duration.ofSeconds(2)).build();
    private final CountDownLatch longRun = new CountDownLatch(1);

    @AfterEach
    void close() {
        longRun.countDown();
        second.close();
        first.close();
    }

    @Test
    void aTriggerRefusedWhileAnotherNodeRunsRunsOnceThatRunEnds() {
        one.roles.put("w", ClaimRole.STANDBY);
        two.roles.put("w", ClaimRole.PREFERRED);
        first.add(new TestWorker("w", Schedule.fixedRate(Duration.ofHours(1)), ctx -> { }));
        second.add(new TestWorker("w", Schedule.fixedRate(Duration.ofHours(1)), ctx -> {
            if (ctx.runKind() == RunKind.SCHEDULED) {
                longRun.await(60, TimeUnit.SECONDS);
            }
        }));
        first.start();
        second.start();
        time.advance(Duration.ofMinutes(57)); // 00:57:03
        time.advance(Duration.ofMinutes(3)); // 01:00:03: n2 runs slot 01:00, long
        assertThat(one.read("w").orElseThrow().running()).as("n2's run of slot 01:00").isTrue();

        // The balance moves w to n1; an operator triggers w.
        one.roles.put("w", ClaimRole.PREFERRED);
        two.roles.put("w", ClaimRole.STANDBY);
        one.events.rebalanced();
        two.events.rebalanced();
        first.trigger("w");
        time.settle();
        for (int s = 0; s < 120; s++) { // n2's run lasts two more minutes
            time.advance(Duration.ofSeconds(1));
        }
        longRun.countDown();
        time.settle();
        assertThat(one.read("w").orElseThrow().running()).as("n2's run ended").isFalse();
        time.advance(Duration.ofMinutes(10)); // 01:12:03

        assertThat(recorder.results).as("the triggered run, once n2's run freed the lock (within 10 minutes)")
                .anyMatch(r -> r.kind() == RunKind.TRIGGERED);
    }
}

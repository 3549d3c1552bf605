package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.Schedule;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stop that lands while the started listeners run (the lease watch firing at a thaw, the timeout,
 * a shutdown) keeps {@code doWork} from starting. Found by the review of 02eb1d9, which had moved the
 * started event after {@code begin()}: {@code doWork} then started anyway, without a lease, beside the
 * node that took the worker over when a listener was slower than the lease (a webhook, an audit insert).
 */
class StopWhileTheStartIsReportedTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock());
    private final ScriptedCoordination coordination = new ScriptedCoordination(cluster.node("n1"));
    private final Recorder recorder = new Recorder();
    /** doWork's runs: execution id, and whether the lease was valid when doWork began. */
    private final List<String> ran = new CopyOnWriteArrayList<>();
    private BackgroundWorkerManager manager;

    @AfterEach
    void close() {
        if (manager != null) {
            manager.close();
        }
    }

    /** The lease watch fires (the node's lock lapsed) while the first execution's start is being reported. */
    private final class LoseTheLeaseWhileReportingTheStart implements ExecutionListener {
        final AtomicBoolean first = new AtomicBoolean(true);

        @Override
        public void started(ExecutionStart start) {
            if (first.getAndSet(false)) {
                coordination.loseLeases();
            }
        }
    }

    @Test
    void aLeaseLostWhileTheStartIsReportedKeepsDoWorkFromStarting() {
        coordination.losableLeases.set(1);
        manager = Baton.manager(coordination).scheduler(time).listener(new LoseTheLeaseWhileReportingTheStart())
                .listener(recorder).shutdownGrace(Duration.ofSeconds(2)).build();
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)),
                ctx -> ran.add(ctx.executionId() + (ctx.isLeaseValid() ? " with" : " without") + " a lease")));
        manager.start();

        time.advance(Duration.ofSeconds(12));

        assertThat(recorder.starts).as("executions reported started").isNotEmpty();
        String lostOne = recorder.starts.getFirst().executionId();
        assertThat(ran).as("doWork of execution %s, whose lease was lost before doWork began", lostOne)
                .noneMatch(r -> r.startsWith(lostOne));
    }
}

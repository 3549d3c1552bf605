package dev.baton.coordinator;

import static dev.baton.coordinator.support.Harness.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.support.Gate;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorker;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.ServiceContainer;
import dev.baton.worker.WorkerContext;
import dev.baton.worker.WorkerInfo.WorkerState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The manager's operations: add, remove, pause, resume, trigger, close. */
class ManagerTest {

    private Harness h = new Harness();

    @AfterEach
    void close() {
        h.close();
    }

    private static TestWorker every10s(String name) {
        return new TestWorker(name, Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { });
    }

    @Test
    void workersCanBeAddedAndRemovedWhileRunning() {
        h.manager.start();
        h.advanceTo("00:00:15");
        h.manager.add(every10s("late"));
        h.advanceTo("00:00:30");

        assertThat(h.manager.remove("late")).isTrue();
        assertThat(h.manager.remove("late")).isFalse();
        h.advanceTo("00:01:00");

        assertThat(h.recorder.slots("late")).containsExactly(at("00:00:20"), at("00:00:30"));
        assertThat(h.manager.list()).isEmpty();
    }

    @Test
    void aDuplicateNameIsRefusedAndTheFirstWorkerKeepsRunning() {
        h.manager.add(every10s("report"));
        h.manager.start();

        assertThatThrownBy(() -> h.manager.add(every10s("report")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a worker named 'report' is already registered on this node");
        h.advanceTo("00:00:20");

        assertThat(h.recorder.slots("report")).hasSize(2);
    }

    @Test
    void pauseStopsNewSlotsAndResumeRestartsThem() {
        h.manager.add(every10s("report"));
        h.manager.start();
        h.advanceTo("00:00:10");

        h.manager.pause("report");
        h.time.tick();
        assertThat(h.manager.list().getFirst().state()).isEqualTo(WorkerState.PAUSED);
        h.advanceTo("00:00:40");
        h.manager.resume("report");
        h.advanceTo("00:00:50");

        assertThat(h.recorder.slots("report")).containsExactly(at("00:00:10"), at("00:00:50"));
        assertThat(h.recorder.claimsLost).as("a paused slot is not a lost claim").isEmpty();
    }

    @Test
    void triggerRunsOneExtraExecutionAtOnceAndNeverOverlapsARunningOne() throws Exception {
        Gate gate = new Gate();
        h.manager.add(new TestWorker("report", Schedule.fixedRate(Duration.ofMinutes(10)), ctx -> {
            if (ctx.scheduledAt().equals(at("00:10:00"))) {
                gate.pass();
            }
        }));
        h.manager.start();
        h.advanceTo("00:00:05");

        h.manager.trigger("report");
        h.time.tick();
        assertThat(h.recorder.slots("report")).containsExactly(at("00:00:05"));

        h.advanceTo("00:10:00");
        gate.awaitEntered();
        h.manager.trigger("report");
        h.time.tick();
        assertThat(h.recorder.starts).as("no overlap while the 00:10 slot runs").hasSize(2);
        gate.open();
        h.awaitThen(() -> h.recorder.results.size() == 3);

        assertThat(h.recorder.slots("report")).containsExactly(at("00:00:05"), at("00:10:00"), at("00:10:00.001"));
        assertThat(h.recorder.results.get(2).startedAt()).isEqualTo(at("00:10:00"));
    }

    @Test
    void aLostLeaseInterruptsTheExecutionAndTheSlotRunsAgainWithAHigherFence() throws Exception {
        Gate gate = new Gate();
        List<Boolean> validity = new CopyOnWriteArrayList<>();
        h.manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofMinutes(10)), ctx -> {
            validity.add(ctx.isLeaseValid());
            try {
                gate.pass();
            } finally {
                validity.add(ctx.isLeaseValid());
            }
        }));
        h.manager.start();
        h.advanceTo("00:10:00");
        gate.awaitEntered();

        h.cluster.revoke("n1");
        h.time.advance(Duration.ofSeconds(10));
        h.awaitThen(() -> h.recorder.starts.size() == 2);

        assertThat(h.recorder.outcomes("w")).containsExactly(Outcome.LEASE_LOST);
        assertThat(validity).as("valid, lost, then valid again in the re-run").containsExactly(true, false, true);
        assertThat(h.recorder.starts).extracting(s -> s.slot()).containsOnly(at("00:10:00"));
        assertThat(h.recorder.starts.get(1).fencingToken()).isGreaterThan(h.recorder.starts.get(0).fencingToken());
    }

    @Test
    void closeWaitsForRunningExecutionsWithinTheGrace() throws Exception {
        h.close();
        h = new Harness(ServiceContainer.builder().build(), Duration.ofSeconds(20), (r, e) -> { });
        Gate gate = new Gate();
        h.manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> gate.pass()));
        h.manager.start();
        h.advanceTo("00:00:10");
        gate.awaitEntered();

        Thread closer = Thread.ofPlatform().name("test-closer").start(h.manager::close);
        // A close that does not wait returns at once; one that waits is still blocked a second later
        // (the grace is 20 s), with the execution neither finished nor interrupted.
        closer.join(Duration.ofSeconds(1));
        assertThat(closer.isAlive()).as("close waits while an execution runs").isTrue();
        assertThat(h.recorder.results).as("the execution was neither interrupted nor cut short").isEmpty();

        gate.open();
        closer.join(Duration.ofSeconds(15));

        assertThat(closer.isAlive()).as("close returns once the execution finished").isFalse();
        assertThat(h.recorder.outcomes("w")).containsExactly(Outcome.SUCCEEDED);
    }

    @Test
    void closeInterruptsWhatIsLeftAfterTheGraceAndIsIdempotent() throws Exception {
        h.close();
        h = new Harness(ServiceContainer.builder().build(), Duration.ofMillis(200), (r, e) -> { });
        Gate gate = new Gate();
        h.manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> gate.pass()));
        h.manager.start();
        h.advanceTo("00:00:10");
        gate.awaitEntered();

        h.manager.close();
        h.manager.close();

        assertThat(h.recorder.outcomes("w")).containsExactly(Outcome.INTERRUPTED);
        assertThatThrownBy(() -> h.manager.add(every10s("x"))).hasMessageContaining("closed");
    }

    @Test
    void addByClassResolvesTheWorkerFromTheContainer() {
        h.close();
        List<String> events = new CopyOnWriteArrayList<>();
        ServiceContainer services = ServiceContainer.builder()
                .singleton(Reporter.class, new Reporter())
                .singleton(Listener.class, new Listener(events))
                .build();
        h = new Harness(services, Duration.ofSeconds(1), (r, e) -> { });
        h.manager.add(Reporter.class);
        h.manager.add(Listener.class);
        h.manager.start();
        h.advanceTo("00:01:00");
        h.manager.close();

        assertThat(h.recorder.slots("Reporter")).containsExactly(at("00:01:00"));
        assertThat(events).containsExactly("start", "stop");
        assertThatThrownBy(() -> h.manager.add(Reporter.class)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void addByClassExplainsAMissingRegistration() {
        assertThatThrownBy(() -> h.manager.add(Reporter.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no " + Reporter.class.getName() + " in the application's container");
    }

    static final class Reporter extends dev.baton.worker.PeriodicBackgroundWorker {
        Reporter() {
            super(Schedule.fixedRate(Duration.ofMinutes(1)));
        }

        @Override
        protected void doWork(WorkerContext context) {
        }
    }

    record Listener(List<String> events) implements BackgroundWorker {
        @Override
        public void start() {
            events.add("start");
        }

        @Override
        public void stop() {
            events.add("stop");
        }
    }
}

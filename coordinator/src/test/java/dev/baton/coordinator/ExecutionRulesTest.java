package dev.baton.coordinator;

import static dev.baton.coordinator.support.Harness.at;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.baton.coordinator.support.Gate;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.LogCapture;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.ServiceContainer;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Scope, exception, timeout and MDC rules of one execution, on manual time. */
class ExecutionRulesTest {

    private final List<String> closed = new CopyOnWriteArrayList<>();
    private final List<Throwable> notified = new CopyOnWriteArrayList<>();
    private final Harness h = new Harness(ServiceContainer.builder()
            .scoped(Connection.class, scope -> new Connection("connection", closed))
            .scoped(Repository.class, scope -> new Repository(scope.get(Connection.class), closed))
            .build(), Duration.ZERO, (result, error) -> notified.add(error));

    record Connection(String name, List<String> closed) implements AutoCloseable {
        @Override
        public void close() {
            closed.add(name);
        }
    }

    record Repository(Connection connection, List<String> closed) implements AutoCloseable {
        @Override
        public void close() {
            closed.add("repository");
        }
    }

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void theScopeIsClosedInReverseOrderAfterSuccessAndAfterAnException() {
        AtomicInteger runs = new AtomicInteger();
        h.manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> {
            ctx.services().get(Repository.class);
            if (runs.incrementAndGet() == 2) {
                throw new IllegalStateException("database down");
            }
        }));
        h.manager.start();

        h.advanceTo("00:00:10");
        assertThat(closed).containsExactly("repository", "connection");
        h.advanceTo("00:00:20");

        assertThat(closed).containsExactly("repository", "connection", "repository", "connection");
        assertThat(h.recorder.outcomes("w")).containsExactly(Outcome.SUCCEEDED, Outcome.FAILED);
    }

    /**
     * A journal line written after the release may follow the next run on another node (or never be
     * written, if the process dies in between), so that the two runs seem to overlap.
     */
    @Test
    void listenersHearOfTheEndingWhileTheRunStillHoldsItsLeaseAndOfTheFinishOnceRecorded() {
        Coordination observer = h.cluster.node("observer");
        List<Boolean> runningAtEnd = new CopyOnWriteArrayList<>();
        ExecutionListener listener = new ExecutionListener() {
            @Override
            public void ending(ExecutionResult result) {
                runningAtEnd.add(observer.read(result.worker()).map(WorkerRecord::running).orElse(false));
            }

            @Override
            public void finished(ExecutionResult result) {
                runningAtEnd.add(observer.read(result.worker()).map(WorkerRecord::running).orElse(false));
            }
        };
        try (BackgroundWorkerManager manager = Baton.manager(h.cluster.node("n2")).scheduler(h.time)
                .listener(listener).build()) {
            manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
            manager.start();
            h.advanceTo("00:00:10");
            h.advanceTo("00:00:20");
        }

        assertThat(runningAtEnd).containsExactly(true, false, true, false);
    }

    @Test
    void aTimeoutInterruptsTheExecutionAndClosesItsScope() throws Exception {
        Gate gate = new Gate();
        List<Boolean> sawInterrupt = new ArrayList<>();
        h.manager.add(new TestWorker("slow", Schedule.fixedRate(Duration.ofSeconds(10)),
                WorkerOptions.defaults().withTimeout(Duration.ofSeconds(4)), ctx -> {
                    ctx.services().get(Repository.class);
                    try {
                        gate.pass();
                    } catch (InterruptedException e) {
                        sawInterrupt.add(true);
                        throw e;
                    }
                }));
        h.manager.start();
        h.advanceTo("00:00:10");
        gate.awaitEntered();

        h.advanceTo("00:00:14");
        h.awaitThen(() -> h.recorder.results.size() == 1);

        assertThat(sawInterrupt).containsExactly(true);
        assertThat(h.recorder.outcomes("slow")).containsExactly(Outcome.TIMED_OUT);
        assertThat(closed).containsExactly("repository", "connection");
        assertThat(notified).as("a timeout is not a failure of doWork").isEmpty();
    }

    @Test
    void aShutdownInterruptClosesTheScopeToo() throws Exception {
        Gate gate = new Gate();
        h.manager.add(new TestWorker("slow", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> {
            ctx.services().get(Repository.class);
            gate.pass();
        }));
        h.manager.start();
        h.advanceTo("00:00:10");
        gate.awaitEntered();

        h.manager.close();

        assertThat(h.recorder.outcomes("slow")).containsExactly(Outcome.INTERRUPTED);
        assertThat(closed).containsExactly("repository", "connection");
    }

    @Test
    void aWorkerThatThrowsEveryOtherRunKeepsItsPeriodAndEachFailureIsLoggedOnceAndNotified() {
        AtomicInteger runs = new AtomicInteger();
        h.manager.add(new TestWorker("flaky", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> {
            if (runs.incrementAndGet() % 2 == 0) {
                throw new IllegalStateException("run " + runs.get() + " failed");
            }
        }));
        h.manager.start();

        List<ILoggingEvent> errors;
        try (LogCapture log = LogCapture.of(Class.forName("dev.baton.coordinator.internal.Execution"))) {
            h.advanceTo("00:01:00");
            errors = log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }

        assertThat(h.recorder.slots("flaky")).containsExactly(at("00:00:10"), at("00:00:20"), at("00:00:30"),
                at("00:00:40"), at("00:00:50"), at("00:01:00"));
        assertThat(h.recorder.outcomes("flaky")).containsExactly(Outcome.SUCCEEDED, Outcome.FAILED, Outcome.SUCCEEDED,
                Outcome.FAILED, Outcome.SUCCEEDED, Outcome.FAILED);
        assertThat(errors).hasSize(3).allSatisfy(e -> {
            assertThat(e.getThrowableProxy()).as("logged with its stack trace").isNotNull();
            assertThat(e.getMDCPropertyMap()).containsEntry("worker", "flaky");
        });
        assertThat(notified).extracting(Throwable::getMessage).containsExactly("run 2 failed", "run 4 failed",
                "run 6 failed");
        assertThat(h.manager.list().getFirst().failuresInARow()).isEqualTo(1);
        assertThat(h.manager.list().getFirst().executions()).isEqualTo(6);
    }

    @Test
    void everyLineAnExecutionLogsCarriesItsIdentityAndTheThreadIsClearedAfter() throws Exception {
        Gate gate = new Gate();
        h.manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> {
            LoggerFactory.getLogger("user.code").warn("working on slot {}", ctx.scheduledAt());
            if (ctx.scheduledAt().equals(at("00:00:10"))) {
                gate.pass();
            }
        }));
        h.manager.start();
        List<ILoggingEvent> userLines;
        List<ILoggingEvent> misfireLines;
        try (LogCapture user = LogCapture.of("user.code", Level.INFO);
             LogCapture engine = LogCapture.of("dev.baton.coordinator", Level.INFO)) {
            h.advanceTo("00:00:10");
            gate.awaitEntered();
            // The 00:00:10 run overruns two slots: after it, on its thread, the engine reports the misfire.
            h.advanceTo("00:00:35");
            gate.open();
            h.awaitThen(() -> h.recorder.results.size() == 2);
            userLines = user.events();
            misfireLines = engine.events().stream()
                    .filter(e -> e.getFormattedMessage().contains("were not run on time")).toList();
        }

        assertThat(h.recorder.results).extracting(ExecutionResult::slot).containsExactly(at("00:00:10"),
                at("00:00:30"));
        assertThat(userLines).as("one line per execution, written by the execution").hasSize(2);
        for (int i = 0; i < 2; i++) {
            ExecutionResult result = h.recorder.results.get(i);
            assertThat(userLines.get(i).getMDCPropertyMap()).as("the MDC of the line logged by %s", result.slot())
                    .isEqualTo(Map.of("worker", "w",
                            "executionId", result.executionId(),
                            "slot", result.slot().toString(),
                            "fence", Long.toString(result.fencingToken()),
                            "node", "n1"));
        }
        assertThat(misfireLines).as("the engine's own line after the execution").hasSize(1);
        assertThat(misfireLines.getFirst().getMDCPropertyMap()).as("no execution's identity leaks past its end")
                .doesNotContainKeys("worker", "executionId", "slot", "fence", "node");
    }
}

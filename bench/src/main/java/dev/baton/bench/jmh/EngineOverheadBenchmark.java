package dev.baton.bench.jmh;

import dev.baton.coordinator.Baton;
import dev.baton.coordinator.InMemoryCoordination;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.Schedule;
import dev.baton.worker.ServiceContainer;
import dev.baton.worker.WorkerContext;
import dev.baton.worker.WorkerOptions;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's own cost per execution, with the in-memory coordination so that nothing else
 * counts: trigger, claim, a virtual thread, a fresh scope with one scoped service (created and
 * closed), MDC set and cleared, the listeners, complete. The worker itself does nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class EngineOverheadBenchmark {

    /** A scoped service that must be created and closed for each execution. */
    public static final class Resource implements AutoCloseable {
        boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    public static final class Noop extends PeriodicBackgroundWorker {
        public Noop() {
            super("noop", Schedule.fixedRate(Duration.ofHours(1)), WorkerOptions.defaults());
        }

        @Override
        protected void doWork(WorkerContext context) {
            context.services().get(Resource.class);
        }
    }

    private final Semaphore finished = new Semaphore(0);
    private BackgroundWorkerManager manager;

    @Setup(Level.Trial)
    public void start() {
        manager = Baton.manager(InMemoryCoordination.standalone())
                .services(ServiceContainer.builder().scoped(Resource.class, scope -> new Resource()).build())
                .listener(new ExecutionListener() {
                    @Override
                    public void finished(ExecutionResult result) {
                        finished.release();
                    }
                })
                .build();
        manager.add(new Noop());
        manager.start();
    }

    @Benchmark
    public void triggerOneExecution() throws InterruptedException {
        manager.trigger("noop");
        if (!finished.tryAcquire(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("a triggered execution did not finish within 5 s");
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        manager.close();
    }
}

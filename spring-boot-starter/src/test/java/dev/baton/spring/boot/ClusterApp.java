package dev.baton.spring.boot;

import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerContext;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** An application as a user writes one: a @BatonScheduled method, a worker bean, an execution-scoped bean. */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
class ClusterApp {

    /** What every node of the test's cluster saw; the nodes share this JVM. */
    record Run(String worker, Instant slot, long fence, String node, int unitOfWork) {
    }

    static final List<Run> RUNS = new CopyOnWriteArrayList<>();
    static final List<String> EVENTS = new CopyOnWriteArrayList<>();
    static final AtomicInteger UNITS_MADE = new AtomicInteger();
    static final AtomicInteger UNITS_CLOSED = new AtomicInteger();
    static volatile String slowRunsOn;

    static void reset() {
        RUNS.clear();
        EVENTS.clear();
        UNITS_MADE.set(0);
        UNITS_CLOSED.set(0);
        slowRunsOn = null;
    }

    @Bean
    Ticker ticker(UnitOfWork unitOfWork) {
        return new Ticker(unitOfWork);
    }

    @Bean
    @ExecutionScoped
    UnitOfWork unitOfWork() {
        return new UnitOfWork();
    }

    @Bean
    PeriodicBackgroundWorker slow() {
        return new Slow();
    }

    @Bean
    ExecutionListener finishedEvents(@Value("${baton.node-id}") String node) {
        return new ExecutionListener() {
            @Override
            public void finished(ExecutionResult result) {
                EVENTS.add("finished " + result.worker() + " " + node + " " + result.outcome());
            }
        };
    }

    /** One unit of work per execution, closed when the execution ends. */
    static class UnitOfWork implements AutoCloseable {
        private final int id = UNITS_MADE.incrementAndGet();
        private boolean closed;

        int id() {
            if (closed) {
                throw new IllegalStateException("used after its execution ended");
            }
            return id;
        }

        @PreDestroy
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                UNITS_CLOSED.incrementAndGet();
            }
        }
    }

    static class Ticker {
        private final UnitOfWork unitOfWork;

        Ticker(UnitOfWork unitOfWork) {
            this.unitOfWork = unitOfWork;
        }

        @BatonScheduled(name = "tick", fixedRate = "${test.tick:500ms}")
        void tick(WorkerContext context) {
            // Twice through the proxy: one execution sees one instance.
            int first = unitOfWork.id();
            RUNS.add(new Run(context.workerName(), context.scheduledAt(), context.fencingToken(), context.nodeId(),
                    unitOfWork.id() == first ? first : -1));
        }
    }

    /** A worker long enough to be running when its node is stopped. */
    static final class Slow extends PeriodicBackgroundWorker {
        Slow() {
            super("slow", Schedule.fixedRate(Duration.ofSeconds(2)), dev.baton.worker.WorkerOptions.defaults());
        }

        @Override
        protected void doWork(WorkerContext context) throws Exception {
            slowRunsOn = context.nodeId();
            try {
                Thread.sleep(1500);
                RUNS.add(new Run("slow", context.scheduledAt(), context.fencingToken(), context.nodeId(), 0));
            } finally {
                slowRunsOn = null;
            }
        }
    }
}

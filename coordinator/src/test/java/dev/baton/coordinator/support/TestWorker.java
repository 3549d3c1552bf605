package dev.baton.coordinator.support;

import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerContext;
import dev.baton.worker.WorkerOptions;

/** A periodic worker whose body the test supplies. */
public final class TestWorker extends PeriodicBackgroundWorker {

    /** The body of one execution. */
    @FunctionalInterface
    public interface Body {
        void run(WorkerContext context) throws Exception;
    }

    private final Body body;

    public TestWorker(String name, Schedule schedule, WorkerOptions options, Body body) {
        super(name, schedule, options);
        this.body = body;
    }

    public TestWorker(String name, Schedule schedule, Body body) {
        this(name, schedule, WorkerOptions.defaults(), body);
    }

    @Override
    protected void doWork(WorkerContext context) throws Exception {
        body.run(context);
    }
}

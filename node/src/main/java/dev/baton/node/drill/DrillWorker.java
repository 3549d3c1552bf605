package dev.baton.node.drill;

import dev.baton.node.config.WorkRange;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerContext;
import java.time.Duration;

/**
 * A probe worker: sleeps for a simulated amount of work, then checks that it still holds its
 * lease, as real work should before an irreversible step. Operators run a few to check a
 * deployment's fail-over; tests and benchmarks run many.
 */
public final class DrillWorker extends PeriodicBackgroundWorker {

    private final WorkRange work;

    public DrillWorker(int index, Duration period, WorkRange work) {
        super(String.format("drill-%04d", index), Schedule.fixedRate(period), dev.baton.worker.WorkerOptions.defaults());
        this.work = work;
    }

    @Override
    protected void doWork(WorkerContext context) throws InterruptedException {
        Duration d = work.pick();
        if (!d.isZero()) {
            Thread.sleep(d);
        }
        context.ensureLeaseValid();
    }
}

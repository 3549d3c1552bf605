package dev.baton.node.plugin;

import dev.baton.worker.CrashPolicy;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerContext;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.WorkerProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Workers for the record fault tests, loaded by the node through BATON_WORKER_PATH as a user's
 * own workers would be. FAULT_DRILLS chooses them: {@code long} (one 8 s execution every 10 s)
 * and {@code delay-skip} (a fixed-delay worker that skips crashed runs, 3 s of work, 2 s delay).
 */
public final class FaultDrills implements WorkerProvider {

    @Override
    public List<PeriodicBackgroundWorker> workers() {
        List<PeriodicBackgroundWorker> workers = new ArrayList<>();
        String chosen = System.getenv().getOrDefault("FAULT_DRILLS", "");
        if (chosen.contains("long")) {
            workers.add(new Sleeper("long-run", Schedule.fixedRate(Duration.ofSeconds(10)), WorkerOptions.defaults(),
                    Duration.ofSeconds(8)));
        }
        if (chosen.contains("delay-skip")) {
            workers.add(new Sleeper("delay-skip", Schedule.fixedDelay(Duration.ofSeconds(2)),
                    WorkerOptions.defaults().withOnCrash(CrashPolicy.SKIP), Duration.ofSeconds(3)));
        }
        return workers;
    }

    /** Sleeps through its work; an interrupt ends it. */
    static final class Sleeper extends PeriodicBackgroundWorker {
        private final Duration work;

        Sleeper(String name, Schedule schedule, WorkerOptions options, Duration work) {
            super(name, schedule, options);
            this.work = work;
        }

        @Override
        protected void doWork(WorkerContext context) throws InterruptedException {
            Thread.sleep(work.toMillis());
        }
    }
}

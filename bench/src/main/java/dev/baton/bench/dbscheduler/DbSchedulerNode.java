package dev.baton.bench.dbscheduler;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.Execution;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.baton.node.journal.ExecutionJournal;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.Outcome;
import dev.baton.worker.RunKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The strongest peer's node: db-scheduler 16 on PostgreSQL with the drill workload. Each drill worker
 * is a recurring task that runs on every period boundary (a fixed rate aligned to the period, as
 * Baton's drill workers run: {@link PeriodBoundaries}), started with {@code startTasks} as its
 * documentation shows. Due executions are found with the lock-and-fetch polling strategy ({@code SELECT ... FOR
 * UPDATE SKIP LOCKED}, picked in the same statement), which the documentation recommends above 1,000
 * executions/s, with the fractions it gives for high throughput (1.0, 4.0: keep the threads busy).
 * Journals use Baton's format, so one checker reads all systems: the slot is the execution time
 * db-scheduler ran it for, the fence its row version, and a run of an execution revived after its
 * node died (a dead execution, rescheduled to now) is a RERUN.
 *
 * <p>Configured by environment: NODE_ID, JDBC_URL, WORKERS, PERIOD_MS, WORK_MS, JOURNAL, and the
 * tuning in {@link DbSchedulerSettings} (DBS_*).
 */
public final class DbSchedulerNode {

    private static final Logger log = LoggerFactory.getLogger(DbSchedulerNode.class);

    private DbSchedulerNode() {
    }

    public static void main(String[] args) throws InterruptedException, IOException {
        String node = env("NODE_ID", "db-scheduler");
        Duration period = Duration.ofMillis(Long.parseLong(env("PERIOD_MS", "1000")));
        Duration work = Duration.ofMillis(Long.parseLong(env("WORK_MS", "0")));
        int workers = Integer.parseInt(env("WORKERS", "10"));
        DbSchedulerSettings settings = DbSchedulerSettings.from(System::getenv);
        Path journalFile = Path.of(env("JOURNAL", node + ".jsonl"));

        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(env("JDBC_URL", "jdbc:postgresql://127.0.0.1:55432/bench?user=bench"));
        pool.setMaximumPoolSize(settings.pool());
        pool.setPoolName("db-scheduler-pool");
        HikariDataSource dataSource = new HikariDataSource(pool);

        ExecutionJournal journal = new ExecutionJournal(journalFile);
        List<RecurringTask<Void>> tasks = new ArrayList<>(workers);
        var schedule = new PeriodBoundaries(period);
        for (int i = 0; i < workers; i++) {
            String name = String.format("drill-%04d", i);
            tasks.add(Tasks.recurring(name, schedule)
                    .execute((instance, context) -> run(journal, name, context.getExecution(), node, work)));
        }
        Scheduler scheduler = Scheduler.create(dataSource)
                .startTasks(tasks)
                .schedulerName(new SchedulerName.Fixed(node))
                .threads(settings.threads())
                .pollingInterval(settings.poll())
                .pollUsingLockAndFetch(settings.lower(), settings.upper())
                .heartbeatInterval(settings.heartbeat())
                .missedHeartbeatsLimit(settings.missedHeartbeats())
                .shutdownMaxWait(Duration.ofSeconds(10))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("db-scheduler-shutdown").unstarted(() -> {
            scheduler.stop();
            dataSource.close();
            stopped.countDown();
        }));
        // start() creates the initial executions of tasks that have none, then starts polling.
        scheduler.start();
        // No cluster to join: the database is all the nodes share. The benchmark waits for this file.
        Files.writeString(Path.of(journalFile + ".ready"), Instant.now().toString());
        log.info("{} started with {} recurring tasks: {}", node, workers, settings.describe());
        stopped.await();
    }

    private static void run(ExecutionJournal journal, String worker, Execution execution, String node,
                            Duration work) {
        String id = UUID.randomUUID().toString();
        RunKind kind = execution.consecutiveFailures > 0 ? RunKind.RERUN : RunKind.SCHEDULED;
        Instant started = Instant.now();
        journal.started(new ExecutionStart(worker, id, execution.executionTime, execution.version, node, started,
                kind));
        Outcome outcome = Outcome.SUCCEEDED;
        if (!work.isZero()) {
            try {
                Thread.sleep(work);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = Outcome.INTERRUPTED;
            }
        }
        ExecutionResult result = new ExecutionResult(worker, id, execution.executionTime, execution.version, node,
                started, Instant.now(), outcome, Optional.empty(), kind);
        // db-scheduler records the outcome after this returns; the journal has no later hook.
        journal.ending(result);
        journal.finished(result);
    }

    private static String env(String name, String fallback) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank()).orElse(fallback);
    }
}

package dev.baton.bench.shedlock;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
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
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.provider.hazelcast4.HazelcastLockProvider;

/**
 * The baseline node: the same drill workload as Baton's, scheduled the way ShedLock documents it.
 * Every node runs every task at a fixed rate aligned to the period (as {@code @Scheduled(fixedRate)}
 * with a cron-like alignment would), and each run goes through {@code executeWithLock} on
 * Hazelcast with {@code lockAtLeastFor} = half the period, so that the other nodes' runs of the
 * same slot find the lock taken. Journals use Baton's format so one checker reads both.
 *
 * <p>Configured by environment: NODE_ID, BIND, MEMBERS (host:port,...), CLUSTER_NAME, WORKERS,
 * PERIOD_MS, WORK_MS (each run's work, a sleep while holding the lock), THREADS, JOURNAL. A node that
 * dies while holding a lock keeps it until {@code lockAtMostFor} (10 periods) has passed: that is
 * ShedLock's equivalent of a lease, and the slot it cut short is not run again.
 */
public final class ShedLockNode {

    private ShedLockNode() {
    }

    public static void main(String[] args) throws InterruptedException {
        String node = env("NODE_ID", "shedlock");
        String bind = env("BIND", "127.0.0.1");
        Duration period = Duration.ofMillis(Long.parseLong(env("PERIOD_MS", "1000")));
        int workers = Integer.parseInt(env("WORKERS", "10"));
        int threads = Integer.parseInt(env("THREADS", "32"));
        Duration work = Duration.ofMillis(Long.parseLong(env("WORK_MS", "0")));

        Config config = new Config().setClusterName(env("CLUSTER_NAME", "shedlock"));
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.policy", "GRACEFUL");
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
        // Hazelcast's default is to look for the other side of a split after 5 minutes; Baton's node
        // uses 10 s, and so does its baseline.
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
        // As Baton's node binds: one loopback address per node.
        config.setProperty("hazelcast.local.localAddress", bind);
        config.setProperty("hazelcast.socket.bind.any", "false");
        var network = config.getNetworkConfig().setPort(5701).setPortAutoIncrement(false);
        network.setPublicAddress(bind + ":5701");
        var join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(Arrays.asList(env("MEMBERS", bind).split(",")));
        HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(config);

        ExecutionJournal journal = new ExecutionJournal(Path.of(env("JOURNAL", node + ".jsonl")));
        LockingTaskExecutor locks = new DefaultLockingTaskExecutor(new HazelcastLockProvider(hazelcast));
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(threads,
                Thread.ofPlatform().name("shedlock-task-", 0).factory());

        long periodMs = period.toMillis();
        long firstSlot = (System.currentTimeMillis() / periodMs + 1) * periodMs;
        for (int i = 0; i < workers; i++) {
            String name = String.format("drill-%04d", i);
            AtomicLong runs = new AtomicLong();
            Runnable task = () -> {
                Instant slot = Instant.ofEpochMilli(firstSlot + runs.getAndIncrement() * periodMs);
                Instant now = Instant.now();
                locks.executeWithLock((Runnable) () -> run(journal, name, slot, node, work),
                        new LockConfiguration(now, name, period.multipliedBy(10), period.dividedBy(2)));
            };
            scheduler.scheduleAtFixedRate(task, firstSlot - System.currentTimeMillis(), periodMs,
                    TimeUnit.MILLISECONDS);
        }

        // The benchmark waits for a whole cluster between faults; the member count is how it can tell.
        Path members = Path.of(env("JOURNAL", node + ".jsonl") + ".members");
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                Files.writeString(members, Integer.toString(hazelcast.getCluster().getMembers().size()));
            } catch (IOException | RuntimeException e) {
                // shutting down
            }
        }, 0, 500, TimeUnit.MILLISECONDS);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shedlock-shutdown").unstarted(() -> {
            scheduler.shutdownNow();
            hazelcast.shutdown();
            stopped.countDown();
        }));
        stopped.await();
    }

    private static void run(ExecutionJournal journal, String worker, Instant slot, String node, Duration work) {
        String id = UUID.randomUUID().toString();
        Instant started = Instant.now();
        journal.started(new ExecutionStart(worker, id, slot, 0, node, started, RunKind.SCHEDULED));
        Outcome outcome = Outcome.SUCCEEDED;
        if (!work.isZero()) {
            try {
                Thread.sleep(work);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = Outcome.INTERRUPTED;
            }
        }
        ExecutionResult result = new ExecutionResult(worker, id, slot, 0, node, started, Instant.now(), outcome,
                Optional.empty(), RunKind.SCHEDULED);
        // ShedLock releases its lock after this returns; the journal has no later hook.
        journal.ending(result);
        journal.finished(result);
    }

    private static String env(String name, String fallback) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank()).orElse(fallback);
    }
}

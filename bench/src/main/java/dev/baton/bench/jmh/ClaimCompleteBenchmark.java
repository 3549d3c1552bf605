package dev.baton.bench.jmh;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.internal.hz.RegisterPath;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.Lease;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One execution's coordination cost: claim a slot (lock-table acquire + the record's entry
 * processor) and complete it (entry processor + release), on a cluster of 1 or 3 real members
 * talking TCP over loopback. With 3 members the 64 workers' records are spread over all of them,
 * so most claims are remote, as in a fleet. With {@code records=registers} the records are the
 * workers' registers instead of the map (docs/records-in-the-lock-tables.md, behind an internal
 * switch): a claim and an end are each a register write riding on the lock table's messages, every
 * member forcing its register log to disk before it answers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "--add-modules", "java.se",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
public class ClaimCompleteBenchmark {

    private static final int WORKERS = 64;

    private static final CoordinationEvents NO_EVENTS = new CoordinationEvents() {
        @Override
        public void triggered(String worker) {
        }

        @Override
        public void pauseChanged(String worker, boolean paused) {
        }

        @Override
        public void orphaned(String worker) {
        }
    };

    @Param({"1", "3"})
    int members;

    @Param({"map", "registers"})
    String records;

    private final List<HazelcastInstance> cluster = new ArrayList<>();
    private final List<Coordination> coordinations = new ArrayList<>();
    private Coordination coordination;
    private final String[] workers = new String[WORKERS];
    private final long[] slots = new long[WORKERS];
    private int next;
    /** The instant of claimAndCompleteAtOneInstant's slots: after any slot claimAndComplete used. */
    private long instant = Instant.now().plus(Duration.ofDays(365)).toEpochMilli();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private Path state;

    @Setup(Level.Trial)
    public void startCluster() throws IOException {
        state = Files.createTempDirectory("baton-jmh-");
        int quorum = members / 2 + 1;
        for (int i = 0; i < members; i++) {
            Config config = new Config().setClusterName("jmh-" + ProcessHandle.current().pid());
            config.setProperty("hazelcast.logging.type", "slf4j");
            config.setProperty("hazelcast.phone.home.enabled", "false");
            var network = config.getNetworkConfig().setPort(5801 + i).setPortAutoIncrement(false);
            network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            var join = network.getJoin();
            join.getMulticastConfig().setEnabled(false);
            join.getAutoDetectionConfig().setEnabled(false);
            join.getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1:5801", "127.0.0.1:5802",
                    "127.0.0.1:5803").subList(0, members));
            cluster.add(Hazelcast.newHazelcastInstance(HazelcastCoordination.configure(config, quorum)));
        }
        // Every member runs a coordination, as every node of a fleet does: their lock tables vote on claims.
        for (int i = 0; i < members; i++) {
            Coordination c = records.equals("registers")
                    ? RegisterPath.coordination(cluster.get(i), "jmh-" + i, Duration.ofSeconds(5), state)
                    : HazelcastCoordination.builder(cluster.get(i)).nodeId("jmh-" + i).lease(Duration.ofSeconds(5)).build();
            c.start(NO_EVENTS);
            coordinations.add(c);
        }
        coordination = coordinations.get(0);
        long base = Instant.now().toEpochMilli();
        for (int i = 0; i < WORKERS; i++) {
            workers[i] = "jmh-worker-" + i;
            slots[i] = base;
            coordination.register(workers[i]);
        }
        awaitSession();
    }

    private void awaitSession() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (((Optional<?>) claimAndComplete()).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no claim succeeded within 30 s: the session never became valid");
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    public Object claimAndComplete() {
        int i = next++ & (WORKERS - 1);
        slots[i] += 1000;
        Optional<Lease> lease = coordination.claim(ClaimRequest.scheduled(workers[i], Instant.ofEpochMilli(slots[i])));
        lease.ifPresent(l -> l.complete(Outcome.SUCCEEDED));
        return lease;
    }

    /**
     * The same for every worker due at one instant, as the engine claims them (a thread each): the
     * time for all of them, per execution. Hazelcast has the calls of different workers on their
     * way at once, so this is the cost a fleet pays per execution when many are due together.
     */
    @Benchmark
    @OperationsPerInvocation(WORKERS)
    public int claimAndCompleteAtOneInstant() throws Exception {
        long slot = instant += 1000;
        List<Future<Boolean>> runs = new ArrayList<>(WORKERS);
        for (String worker : workers) {
            runs.add(threads.submit(() -> {
                Optional<Lease> lease = coordination.claim(ClaimRequest.scheduled(worker, Instant.ofEpochMilli(slot)));
                lease.ifPresent(l -> l.complete(Outcome.SUCCEEDED));
                return lease.isPresent();
            }));
        }
        int claimed = 0;
        for (Future<Boolean> run : runs) {
            claimed += run.get() ? 1 : 0;
        }
        if (claimed != WORKERS) {
            // A claim that failed costs less than one that ran: the figure would flatter.
            throw new IllegalStateException(claimed + " of " + WORKERS + " claims of one instant succeeded");
        }
        return claimed;
    }

    @TearDown(Level.Trial)
    public void stopCluster() throws Exception {
        threads.close();
        for (Coordination c : coordinations) {
            c.close();
        }
        cluster.forEach(HazelcastInstance::shutdown);
        try (Stream<Path> files = Files.walk(state)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}

package dev.baton.bench.fleet;

import dev.baton.node.journal.JournalExecution;
import dev.baton.node.journal.JournalReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * N nodes of one contender on 127.0.0.1..N, port 5701 each, with their journals in one directory;
 * db-scheduler's nodes share the PostgreSQL given, emptied before they start.
 */
public final class BenchFleet implements AutoCloseable {

    private final Contender contender;
    private final Workload workload;
    private final Optional<Postgres> postgres;
    private final Path dir;
    private final Map<String, BenchProcess> nodes = new LinkedHashMap<>();
    private final List<Path> journals = new ArrayList<>();
    private final String members;

    public BenchFleet(Contender contender, Workload workload, Optional<Postgres> postgres, Path dir)
            throws IOException {
        if (contender.needsPostgres() && postgres.isEmpty()) {
            throw new IllegalArgumentException(contender.label() + " needs a PostgreSQL: run the benchmarks with"
                    + " bench/run.sh, which starts one, or pass --postgres jdbc:postgresql://HOST:PORT/DB?user=USER");
        }
        this.contender = contender;
        this.workload = workload;
        this.postgres = postgres;
        this.dir = Files.createDirectories(dir);
        List<String> addresses = new ArrayList<>();
        for (int i = 1; i <= workload.nodes() + 2; i++) {
            addresses.add("127.0.0." + i + ":5701");
        }
        this.members = String.join(",", addresses);
    }

    /** Starts node {@code n} (1-based) on 127.0.0.n; a restarted node appends to a new journal. */
    public BenchProcess start(int n) throws IOException {
        String id = "n" + n;
        Path journal = dir.resolve(id + "-" + journals.size() + ".jsonl");
        journals.add(journal);
        String address = "127.0.0." + n;
        BenchProcess node = BenchProcess.start(id, address, contender.command(),
                contender.env(workload, id, address, members, journal, postgres), journal, dir.resolve(id + ".log"));
        nodes.put(id, node);
        return node;
    }

    /**
     * Starts every node. On a shared database the first node starts alone and creates the
     * executions (as in a rolling start); the others find them instead of racing to insert them.
     */
    public void startAll(Duration limit) throws IOException, InterruptedException, SQLException {
        int first = 1;
        if (contender.needsPostgres()) {
            postgres.orElseThrow().resetSchema();
            start(1);
            await(List.of(node("n1")), 1, limit);
            first = 2;
        }
        for (int n = first; n <= workload.nodes(); n++) {
            start(n);
        }
    }

    /**
     * Waits until every live node is ready and sees all {@code nodes} members: after a freeze or a
     * restart the fleet must be one cluster again before the next fault, or that fault would hit a
     * split fleet.
     */
    public void awaitWhole(int nodes, Duration limit) throws InterruptedException {
        await(nodes(), nodes, limit);
    }

    private void await(List<BenchProcess> these, int nodes, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!these.stream().allMatch(n -> n.isAlive() && contender.ready(n.address(), n.journal(), nodes))) {
            these.stream().filter(n -> !n.isAlive()).findFirst().ifPresent(n -> {
                throw new IllegalStateException(contender.label() + ": " + n.id() + " exited:\n" + n.tail());
            });
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(contender.label() + ": the fleet was not one cluster of " + nodes
                        + " within " + limit);
            }
            Thread.sleep(250);
        }
    }

    public BenchProcess node(String id) {
        return nodes.get(id);
    }

    public List<BenchProcess> nodes() {
        return List.copyOf(nodes.values());
    }

    public List<JournalExecution> executions() {
        return JournalReader.read(journals.stream().filter(Files::exists).toList());
    }

    public void await(Predicate<List<JournalExecution>> condition, Duration limit, String what)
            throws InterruptedException {
        if (!within(condition, limit)) {
            StringBuilder logs = new StringBuilder();
            nodes.values().forEach(n -> logs.append("--- ").append(n.id()).append('\n').append(n.tail()));
            throw new IllegalStateException(contender.label() + ": timed out after " + limit + " waiting for "
                    + what + "\n" + logs);
        }
    }

    /** Whether the journals meet {@code condition} within {@code limit}. */
    public boolean within(Predicate<List<JournalExecution>> condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.test(executions())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }

    @Override
    public void close() {
        nodes.values().forEach(BenchProcess::destroy);
    }
}

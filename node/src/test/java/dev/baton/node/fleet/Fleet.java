package dev.baton.node.fleet;

import dev.baton.node.journal.JournalAudit;
import dev.baton.node.journal.JournalExecution;
import dev.baton.node.journal.JournalReader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several node processes on 127.0.k.x forming one cluster over TCP, with drill workers and a
 * journal each: what the process tests drive. Each fleet has a loopback subnet of its own (k), so
 * that fleets of test classes running side by side never bind one address.
 */
public final class Fleet implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    /** What BatonNode logs when Hazelcast has merged its member back after a split (merge tasks done). */
    private static final String MERGED = "merged this member back into the cluster";

    private static final java.util.concurrent.atomic.AtomicInteger FLEETS = new java.util.concurrent.atomic.AtomicInteger();

    private final Path dir;
    /** 127.0.{@code subnet}.n: never 0, whose addresses the other process tests name themselves. */
    private final int subnet;
    private final Map<String, String> env;
    private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
    private final List<NodeProcess> all = new ArrayList<>();
    private final List<JournalAudit.Fault> faults = new ArrayList<>();

    /**
     * @param size how many addresses the member list names (node 1 up to node size)
     */
    public Fleet(Path dir, int size, Map<String, String> extraEnv) {
        this.dir = dir;
        int number = FLEETS.incrementAndGet();
        this.subnet = 1 + (number - 1) % 250;
        Map<String, String> e = new HashMap<>();
        List<String> members = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            members.add(address(i) + ":5701");
        }
        e.put("BATON_MEMBERS", String.join(",", members));
        e.put("BATON_PORT", "5701");
        // A cluster of its own: a fleet of another test JVM (or the 250th fleet before) binds the same
        // addresses, and a node of it that is still going down must not join this one.
        e.put("BATON_CLUSTER_NAME", "fleet-" + ProcessHandle.current().pid() + "-" + number);
        // As the image does: each node keeps its voter state (one file per node id) across restarts.
        e.put("BATON_STATE_DIR", dir.resolve("state").toString());
        e.putAll(extraEnv);
        this.env = e;
    }

    /** The loopback address of node {@code n} (1-based). */
    public String address(int n) {
        return "127.0." + subnet + "." + n;
    }

    /** Starts node {@code n} (1-based) on its own address. */
    public NodeProcess start(int n) throws IOException {
        return start(n, Map.of());
    }

    /** Starts node {@code n} with some environment of its own (JAVA_TOOL_OPTIONS, say). */
    public NodeProcess start(int n, Map<String, String> ownEnv) throws IOException {
        Map<String, String> nodeEnv = new HashMap<>(env);
        nodeEnv.putAll(ownEnv);
        NodeProcess node = new NodeProcess("n" + n, address(n), dir, nodeEnv);
        node.start();
        nodes.put(node.id(), node);
        all.add(node);
        return node;
    }

    public NodeProcess node(String id) {
        return nodes.get(id);
    }

    public List<NodeProcess> nodes() {
        return List.copyOf(nodes.values());
    }

    public void recordKill(NodeProcess node, Instant at) {
        faults.add(JournalAudit.Fault.kill(node.id(), at));
    }

    public void recordFreeze(NodeProcess node, Instant from, Instant to) {
        faults.add(new JournalAudit.Fault(node.id(), from, to));
    }

    /** The node was cut off from the others (it kept running) from {@code from} to {@code to}. */
    public void recordCut(NodeProcess node, Instant from, Instant to) {
        faults.add(JournalAudit.Fault.cut(node.id(), from, to));
    }

    /**
     * The cuts Hazelcast made by itself: on a machine loaded past its cores a member's heartbeats can
     * be late past the timeout, and the others remove it until it merges back. Such a member was cut
     * off like one the test cuts, from the first suspicion of it (or by it) until the merge finished,
     * and is audited as one. Read from the nodes' logs.
     */
    public List<JournalAudit.Fault> unplannedCuts() {
        Map<String, String> addresses = new LinkedHashMap<>();
        all.forEach(n -> addresses.put(n.id(), n.address()));
        Map<String, List<String>> lines = new LinkedHashMap<>();
        logLines().forEach((node, own) -> lines.put(node,
                own.stream().filter(l -> l.contains(" WARN ") || l.contains(MERGED)).toList()));
        return unplannedCuts(addresses, lines);
    }

    /** Each node's log lines by node id, each log read once (a node restarted under its id appends to its log). */
    private Map<String, List<String>> logLines() {
        Map<String, List<String>> lines = new LinkedHashMap<>();
        all.forEach(n -> lines.computeIfAbsent(n.id(), id -> n.logText().lines().toList()));
        return lines;
    }

    /** The cuts that node logs ({@code lines} by node id) tell of; {@code addresses} by node id. */
    static List<JournalAudit.Fault> unplannedCuts(Map<String, String> addresses, Map<String, List<String>> lines) {
        List<JournalAudit.Fault> cuts = new ArrayList<>();
        lines.forEach((node, own) -> {
            String suspected = "Suspecting Member [" + addresses.get(node) + "]";
            Instant lastMerge = Instant.MIN;
            for (String line : own) {
                Optional<Instant> at = stamp(line);
                if (at.isEmpty() || !merges(line, addresses.get(node)) || at.get().isBefore(lastMerge.plusSeconds(10))) {
                    continue;
                }
                Instant merging = at.get();
                lastMerge = merging;
                // Heartbeats missed by the node, or of the node by others; not other members leaving.
                Instant from = lines.entrySet().stream().flatMap(e -> e.getValue().stream()
                                .filter(l -> e.getKey().equals(node) ? l.contains("Suspecting Member") : l.contains(suspected)))
                        .map(Fleet::stamp).flatMap(Optional::stream)
                        .filter(t -> t.isBefore(merging) && t.isAfter(merging.minusSeconds(30)))
                        .min(Comparator.naturalOrder()).orElse(merging.minusSeconds(10));
                Instant merged = own.stream().filter(l -> l.contains(MERGED)).map(Fleet::stamp).flatMap(Optional::stream)
                        .filter(t -> !t.isBefore(merging) && t.isBefore(merging.plusSeconds(60)))
                        .findFirst().orElse(merging);
                cuts.add(JournalAudit.Fault.splitByHazelcast(node, from, merged));
            }
        });
        return cuts;
    }

    /**
     * The executions whose outcome their node could not record (it logged so): the cluster saw their
     * slot unfinished, and a re-run of it is the contract however late it comes.
     */
    public Set<String> unrecordedExecutions() {
        Set<String> ids = new HashSet<>();
        logLines().values().stream().flatMap(List::stream)
                .filter(l -> l.contains("could not be recorded") || l.contains("recording the outcome"))
                .forEach(l -> {
                    int at = l.indexOf(" execution=");
                    if (at > 0) {
                        int from = at + " execution=".length();
                        ids.add(l.substring(from, l.indexOf(' ', from)));
                    }
                });
        return ids;
    }

    /** Whether the line is Hazelcast saying that this node is merging into another cluster. */
    private static boolean merges(String line, String address) {
        int at = line.indexOf(" is merging");
        return at > 0 && line.substring(line.lastIndexOf(' ', at - 1) + 1, at).startsWith("[" + address + "]:");
    }

    private static Optional<Instant> stamp(String line) {
        int space = line.indexOf(' ');
        try {
            return space < 0 ? Optional.empty() : Optional.of(java.time.OffsetDateTime.parse(line.substring(0, space))
                    .toInstant());
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }

    public List<JournalExecution> executions() {
        return JournalReader.read(all.stream().map(NodeProcess::journal).distinct().toList());
    }

    /** An audit of every journal, knowing the faults the test made and those Hazelcast made by itself. */
    public JournalAudit audit() {
        JournalAudit audit = JournalAudit.of(executions());
        faults.forEach(audit::fault);
        List<JournalAudit.Fault> unplanned = unplannedCuts();
        if (!unplanned.isEmpty()) {
            log.warn("Hazelcast cut members off by itself (heartbeats late on a loaded machine): {}", unplanned);
        }
        unplanned.forEach(audit::fault);
        return audit.unrecorded(unrecordedExecutions());
    }

    /** Waits until {@code condition} holds on the journals. */
    public void awaitExecutions(Predicate<List<JournalExecution>> condition, Duration limit, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.test(executions())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what + "; node logs:\n"
                        + nodes.values().stream().map(n -> "--- " + n.id() + "\n" + n.tail()).reduce("", String::concat)
                        + "\nwhat each running node says on /api/cluster:\n" + clusterViews());
            }
            Thread.sleep(100);
        }
    }

    /**
     * Waits until the fleet is steady: each of the {@code workers} workers named {@code prefix}...
     * ran each of the last three slots of its {@code period}, all three on the same node. Start-up,
     * joins and the moves of workers after them are then over.
     *
     * @return when it was steady
     */
    public Instant awaitSteady(String prefix, int workers, Duration period, Duration limit)
            throws InterruptedException {
        return awaitSteady(prefix, workers, period, limit, 3);
    }

    /**
     * As {@link #awaitSteady(String, int, Duration, Duration)}, over the last {@code slots} slots: a
     * test of faults in a settled fleet asks for two leases' worth, the time the nodes take to agree
     * on the balance after the founding (until then a standby looks at each slot after a grace).
     */
    public Instant awaitSteady(String prefix, int workers, Duration period, Duration limit, int slots)
            throws InterruptedException {
        awaitReady(limit);
        awaitExecutions(e -> isSteady(e, prefix, workers, period, slots), limit,
                "every " + prefix + " worker to run " + slots + " slots in a row on one node");
        return Instant.now();
    }

    private static boolean isSteady(List<JournalExecution> executions, String prefix, int workers, Duration period,
                                    int slots) {
        long p = period.toMillis();
        // The last slot that had half a period to start.
        long last = Math.floorDiv(Instant.now().minus(period.dividedBy(2)).toEpochMilli(), p) * p;
        Set<Instant> wanted = new HashSet<>();
        for (int i = 0; i < slots; i++) {
            wanted.add(Instant.ofEpochMilli(last - i * p));
        }
        Map<String, Set<String>> nodes = new HashMap<>();
        Map<String, Set<Instant>> ran = new HashMap<>();
        for (JournalExecution e : executions) {
            if (e.worker().startsWith(prefix) && wanted.contains(e.slot())) {
                nodes.computeIfAbsent(e.worker(), w -> new HashSet<>()).add(e.node());
                ran.computeIfAbsent(e.worker(), w -> new HashSet<>()).add(e.slot());
            }
        }
        return ran.size() == workers && ran.values().stream().allMatch(s -> s.size() == slots)
                && nodes.values().stream().allMatch(n -> n.size() == 1);
    }

    /**
     * Waits until each of the {@code workers} workers named {@code prefix}... started a slot at or
     * after {@code slot}: every earlier slot has then run or been passed over for good.
     */
    public void awaitEveryWorkerPast(String prefix, int workers, Instant slot, Duration limit)
            throws InterruptedException {
        awaitExecutions(e -> e.stream().filter(x -> x.worker().startsWith(prefix) && !x.slot().isBefore(slot))
                .map(JournalExecution::worker).distinct().count() == workers, limit,
                "every " + prefix + " worker to run a slot at or after " + slot);
    }

    /**
     * Every node's warnings and errors, oldest first (the last {@code 60}): attached to a failed audit so
     * that a CI report alone tells how a violation came about.
     */
    public String warnings() {
        List<String> lines = new ArrayList<>();
        logLines().forEach((node, own) -> own.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
                .map(l -> l.length() > 400 ? l.substring(0, 400) + "..." : l)
                .forEach(l -> lines.add(l + "  <" + node + ">")));
        lines.sort(Comparator.naturalOrder());
        return "node warnings:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /**
     * Each running node's /api/cluster and /api/workers (its members and voters, and which node it
     * thinks prefers each worker); each node's threads go to {@code <node>.threads.txt} beside its log.
     */
    public String clusterViews() {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        StringBuilder out = new StringBuilder();
        for (NodeProcess n : nodes.values()) {
            if (!n.isAlive()) {
                continue;
            }
            // Every thread, virtual ones included (executions and worker cycles run on them), next to the node's log.
            Path threads = n.log().resolveSibling(n.id() + ".threads.txt");
            try {
                String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
                new ProcessBuilder(jcmd, Long.toString(n.pid()), "Thread.dump_to_file", threads.toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                        .waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (IOException e) {
                out.append("(no thread dump of ").append(n.id()).append(": ").append(e).append(")\n");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            try {
                for (String path : List.of("/api/cluster", "/api/workers")) {
                    out.append("--- ").append(n.id()).append(' ').append(path).append(' ')
                            .append(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(n.url() + path))
                                            .timeout(Duration.ofSeconds(2)).build(),
                                    java.net.http.HttpResponse.BodyHandlers.ofString()).body()).append('\n');
                }
            } catch (IOException e) {
                out.append("--- ").append(n.id()).append(' ').append(e).append('\n');
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return out.toString();
    }

    /**
     * Waits until every running node answers 200 on /health/ready: it is a voter and sees a quorum.
     * A fleet that started together may pass through two voters for a lease or two (one change at a
     * time), where losing one node stalls claims; a fault test starts from a seated fleet, as a
     * rolling deployment would.
     */
    public void awaitReady(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2)).build();
        Map<String, String> notReady = new LinkedHashMap<>();
        do {
            notReady.clear();
            for (NodeProcess n : nodes.values()) {
                if (!n.isAlive()) {
                    continue;
                }
                try {
                    java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create(n.url() + "/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        notReady.put(n.id(), r.body());
                    }
                } catch (IOException e) {
                    notReady.put(n.id(), e.toString());
                }
            }
            if (notReady.isEmpty()) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("nodes not ready after " + limit + ": " + notReady);
    }

    /** The node that ran each worker's latest execution started before {@code at}. */
    public Map<String, String> holdersAt(Instant at) {
        Map<String, String> holders = new HashMap<>();
        executions().stream().filter(e -> e.start().isBefore(at))
                .sorted(Comparator.comparing(JournalExecution::start))
                .forEach(e -> holders.put(e.worker(), e.node()));
        return holders;
    }

    /** The first start of {@code worker} after {@code at}, if any. */
    public Optional<JournalExecution> firstStartAfter(String worker, Instant at) {
        return executions().stream().filter(e -> e.worker().equals(worker) && e.start().isAfter(at))
                .min(Comparator.comparing(JournalExecution::start));
    }

    @Override
    public void close() {
        all.forEach(NodeProcess::destroy);
        all.forEach(NodeProcess::awaitExit);
    }
}

package dev.baton.node.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One node as a real JVM process, started from the packaged jar, killed and frozen with real signals. */
public final class NodeProcess {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String id;
    private final String address;
    private final Path journal;
    private final Path log;
    private final Map<String, String> env;
    private Process process;

    NodeProcess(String id, String address, Path dir, Map<String, String> env) {
        this.id = id;
        this.address = address;
        this.journal = dir.resolve(id + ".jsonl");
        this.log = dir.resolve(id + ".log");
        this.env = env;
    }

    public String id() {
        return id;
    }

    public String address() {
        return address;
    }

    /** What this node says on /api/cluster. */
    public JsonNode cluster() throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/api/cluster"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** The base URL of this node's HTTP surface. */
    public String url() {
        return "http://" + address + ":" + env.getOrDefault("BATON_HTTP_PORT", "8080");
    }

    public Path journal() {
        return journal;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    void start() throws IOException {
        Path jar = Path.of(System.getProperty("baton.node.jar", "target/baton-node.jar"));
        String java = ProcessHandle.current().info().command().orElse("java");
        // The image's common pool of two threads: with one, Hazelcast starts a thread per asynchronous callback.
        // The client compiler only: a node's start costs about 2.5 s of CPU instead of 4, and test classes run
        // side by side start many nodes on two cores (the work the tests give a node never needs the C2 code).
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2"));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow"); // Hazelcast's shaded JCTools still uses it
        }
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        String logLevel = System.getenv("BATON_LOG_LEVEL");
        builder.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        Map<String, String> all = new HashMap<>(env);
        if (logLevel != null) {
            // The one setting a test run may pass to its nodes: BATON_LOG_LEVEL=DEBUG to diagnose a failure.
            all.putIfAbsent("BATON_LOG_LEVEL", logLevel);
        }
        all.put("BATON_NODE_ID", id);
        all.put("BATON_BIND", address);
        all.putIfAbsent("BATON_HTTP_BIND", address);
        all.put("BATON_JOURNAL", journal.toString());
        builder.environment().putAll(all);
        process = builder.start();
    }

    /** SIGKILL: no shutdown hook, no goodbye. */
    public Instant kill() throws InterruptedException {
        // The instant the signal has gone out: a busy machine can let the node start an execution
        // between a clock read before the signal and the signal itself.
        process.toHandle().destroyForcibly();
        Instant at = Instant.now();
        process.waitFor(10, TimeUnit.SECONDS);
        return at;
    }

    /** SIGTERM: Baton's graceful shutdown. */
    public Instant stop() throws InterruptedException {
        Instant at = Instant.now();
        process.toHandle().destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            throw new AssertionError(id + " did not stop within 40 s of SIGTERM");
        }
        return at;
    }

    public Instant freeze() throws IOException, InterruptedException {
        signal("STOP");
        return Instant.now();
    }

    public Instant thaw() throws IOException, InterruptedException {
        Instant at = Instant.now();
        signal("CONT");
        return at;
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /**
     * When Baton on this node said it stopped (after its hand-over, before Hazelcast's own graceful
     * shutdown migrates the member's partitions, during which claims elsewhere wait).
     */
    public Instant batonStopped() {
        return logText().lines().filter(l -> l.contains("Baton on node " + id + " stopped"))
                .map(l -> Instant.parse(l.substring(0, l.indexOf(' ')))).findFirst()
                .orElseThrow(() -> new AssertionError(id + " never logged that Baton stopped"));
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    public void awaitLog(String text, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!logText().contains(text)) {
            if (System.nanoTime() > deadline) {
                dumpThreads();
                throw new AssertionError(id + " did not log '" + text + "' within " + limit + " (its threads are"
                        + " dumped into its log, kept with the test's files):\n" + tail());
            }
            Thread.sleep(100);
        }
    }

    /** Has the JVM print its threads into its own log (SIGQUIT), so that a node that hangs says where. */
    private void dumpThreads() throws InterruptedException {
        if (!isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-QUIT", Long.toString(pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (java.io.IOException e) {
            return;
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!logText().contains("Full thread dump") && System.nanoTime() < until) {
            Thread.sleep(100);
        }
    }

    public String tail() {
        String text = logText();
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    void destroy() {
        if (process != null && process.isAlive()) {
            process.toHandle().destroyForcibly();
        }
    }

    /** Waits (bounded) until the process is gone, so that the next test finds its address free. */
    void awaitExit() {
        if (process == null) {
            return;
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(id + " (pid " + process.pid() + ") still runs 10 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.baton.bench.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One node of either system as a real process on its own loopback address: killed, stopped and
 * frozen with real signals, its CPU time and resident memory read from /proc.
 */
public final class BenchProcess {

    private final String id;
    private final String address;
    private final Path journal;
    private final Path log;
    private final Process process;

    private BenchProcess(String id, String address, Path journal, Path log, Process process) {
        this.id = id;
        this.address = address;
        this.journal = journal;
        this.log = log;
        this.process = process;
    }

    static BenchProcess start(String id, String address, List<String> command, Map<String, String> env, Path journal, Path log)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        builder.environment().putAll(env);
        return new BenchProcess(id, address, journal, log, builder.start());
    }

    public String id() {
        return id;
    }

    public String address() {
        return address;
    }

    public Path journal() {
        return journal;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Instant kill() throws InterruptedException {
        Instant at = Instant.now();
        process.toHandle().destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        return at;
    }

    /** SIGTERM, then waits (bounded) for the process to finish its graceful shutdown. */
    public Instant stop() throws InterruptedException {
        Instant at = Instant.now();
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.toHandle().destroyForcibly();
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

    /** User plus system CPU seconds the process has used so far. */
    public double cpuSeconds() {
        return Proc.cpuSeconds(process.pid(), false);
    }

    /** Resident set size in MB. */
    public double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return Double.NaN;
    }

    public String tail() {
        try {
            String text = Files.exists(log) ? Files.readString(log) : "";
            return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    void destroy() {
        if (process.isAlive()) {
            process.toHandle().destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

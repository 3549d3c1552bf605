package dev.baton.node.readme;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fresh {@code git clone} of the repository, and a newcomer's shell in it: a clean environment
 * (PATH, HOME, the user, the locale, Docker's address if set) and JAVA_HOME, as the README asks.
 * Clones what is committed: the README and the files are those of HEAD.
 */
final class FreshClone {

    private static final List<String> KEPT = List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TMPDIR",
            "DOCKER_HOST", "DOCKER_CONFIG");

    private final Path dir;
    private final Path logs;

    private FreshClone(Path dir, Path logs) {
        this.dir = dir;
        this.logs = logs;
    }

    /** Clones the repository this test runs in into {@code parent/name}. */
    static FreshClone of(Path parent, String name) throws IOException, InterruptedException {
        Path repo = Path.of(System.getProperty("baton.repo.root", "..")).toAbsolutePath().normalize();
        Path dir = parent.resolve(name);
        Path logs = Files.createDirectories(parent.resolve("logs"));
        Process git = new ProcessBuilder("git", "clone", "--quiet", repo.toString(), dir.toString())
                .redirectErrorStream(true).redirectOutput(logs.resolve("git-clone.log").toFile()).start();
        if (!git.waitFor(2, TimeUnit.MINUTES) || git.exitValue() != 0) {
            git.destroyForcibly();
            throw new AssertionError("git clone " + repo + " failed: " + Files.readString(logs.resolve("git-clone.log")));
        }
        return new FreshClone(dir, logs);
    }

    Path dir() {
        return dir;
    }

    Readme readme() throws IOException {
        return Readme.of(dir.resolve("README.md"));
    }

    /** Starts {@code bash -c command} in the clone; its output goes to {@code logs/<logName>}. */
    Process start(String command, String logName) throws IOException {
        ProcessBuilder shell = new ProcessBuilder("bash", "-c", command).directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(logName).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = shell.environment();
        env.keySet().retainAll(KEPT);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return shell.start();
    }

    /** Runs a command to its end within the limit and returns its exit code; a command still running then fails. */
    int run(String command, String logName, Duration limit) throws IOException, InterruptedException {
        Process process = start(command, logName);
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            stop(process, Duration.ofSeconds(10));
            throw new AssertionError("'" + command + "' did not finish within " + limit + "; its output:\n"
                    + tail(logName));
        }
        return process.exitValue();
    }

    Path log(String logName) {
        return logs.resolve(logName);
    }

    String tail(String logName) throws IOException {
        if (!Files.exists(log(logName))) {
            return "(no output)";
        }
        List<String> lines = Files.readAllLines(log(logName));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /**
     * SIGTERM to the process and everything it started, as Ctrl-C reaches a whole foreground job;
     * true if all of them ended within the limit. Those still running then get SIGKILL.
     */
    static boolean stop(Process process, Duration limit) {
        List<ProcessHandle> tree = java.util.stream.Stream.concat(process.descendants(),
                java.util.stream.Stream.of(process.toHandle())).toList();
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + limit.toNanos();
        boolean ended = true;
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                ended = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = false;
                break;
            }
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        return ended;
    }
}

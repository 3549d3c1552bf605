package dev.baton.node.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.testcontainers.DockerClientFactory;

/**
 * What some tests need beyond a JDK. Each check says what is missing and how to get it; each
 * runs once per test JVM. {@code bash .ci/run} installs all of them (as root, on Debian).
 */
public enum Prerequisite {

    /** Root and Debian's iptables: the partition test cuts loopback addresses apart. */
    ROOT_AND_IPTABLES(Prerequisite::rootAndIptables),
    /** A running Docker engine and the registry-free base image the node image is built on. */
    DOCKER(Prerequisite::docker),
    /** Debian's docker-compose 1.29, for the compose test. */
    DOCKER_COMPOSE(Prerequisite::dockerCompose),
    /** Debian's chromium and chromium-driver, for the dashboard test in a real browser. */
    CHROMIUM(Prerequisite::chromium);

    /** The browser and its driver; {@code -Dbaton.chromium=...} and {@code -Dbaton.chromedriver=...} point elsewhere. */
    public static final Path CHROMIUM_BINARY = Path.of(System.getProperty("baton.chromium", "/usr/bin/chromium"));
    public static final Path CHROMEDRIVER = Path.of(System.getProperty("baton.chromedriver", "/usr/bin/chromedriver"));
    public static final String BASE_IMAGE = "baton-java-base:local";

    private static final ConcurrentHashMap<Prerequisite, Optional<String>> checked = new ConcurrentHashMap<>();

    private final Supplier<Optional<String>> check;

    Prerequisite(Supplier<Optional<String>> check) {
        this.check = check;
    }

    /** Why this prerequisite is missing and how to get it, or empty when it is there. */
    public Optional<String> missing() {
        return checked.computeIfAbsent(this, p -> p.check.get());
    }

    private static Optional<String> rootAndIptables() {
        String how = "the partition test cuts loopback addresses apart with iptables; run the tests as root with"
                + " Debian's iptables (apt-get install iptables), as bash .ci/run does";
        try {
            int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (uid != 0) {
                return Optional.of("not root (uid " + uid + "): " + how);
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.of("cannot tell whether this is root (" + e + "): " + how);
        }
        return run(List.of("iptables", "-w", "-S", "INPUT"), "iptables does not work here", how);
    }

    private static Optional<String> docker() {
        String how = "start a Docker engine (bash .ci/install-packages.sh && bash .ci/start-docker.sh) and build the"
                + " base image with docker/build-base-image.sh";
        if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))) {
            return Optional.of("no Docker engine (no /var/run/docker.sock, DOCKER_HOST unset): " + how);
        }
        try {
            if (!DockerClientFactory.instance().isDockerAvailable()) {
                return Optional.of("no Docker engine answers: " + how);
            }
            if (DockerClientFactory.instance().client().listImagesCmd().withImageNameFilter(BASE_IMAGE).exec()
                    .isEmpty()) {
                return Optional.of("no " + BASE_IMAGE + " image: build it with docker/build-base-image.sh (needs"
                        + " Debian's busybox-static)");
            }
        } catch (RuntimeException e) {
            return Optional.of("the Docker engine failed to answer (" + e + "): " + how);
        }
        return Optional.empty();
    }

    private static Optional<String> dockerCompose() {
        return run(List.of("docker-compose", "version"), "no working docker-compose",
                "install Debian's docker-compose (apt-get install docker-compose), as bash .ci/install-packages.sh does");
    }

    private static Optional<String> chromium() {
        String how = "install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver, as"
                + " bash .ci/install-packages.sh does) or point -Dbaton.chromium and -Dbaton.chromedriver at yours";
        for (Path p : List.of(CHROMIUM_BINARY, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                return Optional.of("no executable " + p + ": " + how);
            }
        }
        return Optional.empty();
    }

    /** Runs a probe command; a missing binary, a failure or a hang is the reason it gives. */
    private static Optional<String> run(List<String> command, String what, String how) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of(what + " (" + String.join(" ", command) + " hung): " + how);
            }
            String output = new String(p.getInputStream().readAllBytes()).strip();
            return p.exitValue() == 0 ? Optional.empty()
                    : Optional.of(what + " (" + String.join(" ", command) + " exited " + p.exitValue() + ": "
                            + output + "): " + how);
        } catch (IOException e) {
            return Optional.of(what + " (" + command.getFirst() + " not found): " + how);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(what + " (interrupted while checking): " + how);
        }
    }
}

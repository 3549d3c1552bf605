package dev.baton.node;

import dev.baton.node.config.Config;
import dev.baton.node.config.ConfigException;
import dev.baton.node.config.NodeSettings;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar baton-node.jar}: reads {@code BATON_*} settings, runs a node until SIGTERM. */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        allowHazelcastUnsafeMemoryAccess();
        Config config;
        try {
            config = Config.load(System.getenv(), NodeSettings.ALL);
        } catch (ConfigException e) {
            log.error("Baton cannot start: {}", e.getMessage());
            System.exit(2);
            return;
        }
        config.warnings().forEach(log::warn);
        log.info("Configuration:\n  {}", String.join("\n  ", config.describe()));
        if (config.find(NodeSettings.MEMBERS).isEmpty() && config.find(NodeSettings.K8S_SERVICE_DNS).isEmpty()) {
            log.info("A single node: it looks for no other members (set BATON_MEMBERS or BATON_K8S_SERVICE_DNS to"
                    + " form a cluster)");
        }
        BatonNode node;
        try {
            node = BatonNode.start(config);
        } catch (dev.baton.node.config.ConfigException | java.io.UncheckedIOException e) {
            log.error("Baton cannot start: {}", e.getMessage());
            log.debug("Start-up failure", e);
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            log.error("Baton cannot start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        // One hook for the whole node, so that shutdown happens in one order: stop claiming,
        // finish or interrupt executions, release leases, leave the cluster.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("baton-shutdown").unstarted(node::close));
        node.awaitClosed();
        if (node.stoppedByItself()) {
            System.exit(1);
        }
    }

    /**
     * Hazelcast 5.7 (its UnsafeUtil and its shaded JCTools queues) accesses memory through
     * sun.misc.Unsafe, and from JDK 24 on the JDK prints a four-line warning at the first such
     * call, on every start. Hazelcast supports this on Java 25, and its own start scripts pass
     * {@code --sun-misc-unsafe-memory-access=allow}; a jar started with {@code java -jar} cannot
     * pass JVM options, so the node does the equivalent here: it marks the JDK's one-time warning
     * as already given. Whoever chose a mode on the command line (the option or its system
     * property, e.g. {@code =warn} to see the warning, {@code =deny} to test a future JDK) gets
     * what they chose, and a JDK that turns these calls into errors still does so.
     */
    private static void allowHazelcastUnsafeMemoryAccess() {
        boolean chosen = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(arg -> arg.startsWith("--sun-misc-unsafe-memory-access")
                        || arg.startsWith("-Dsun.misc.unsafe.memory.access"));
        if (chosen) {
            return;
        }
        try {
            Field warned = Class.forName("sun.misc.Unsafe").getDeclaredField("memoryAccessWarned");
            warned.setAccessible(true);
            warned.setBoolean(null, true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // JDK 21 to 23 have no such warning; on a later JDK the warning simply stays.
            log.debug("Could not mark the JDK's sun.misc.Unsafe warning as given", e);
        }
    }
}

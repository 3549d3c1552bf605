package dev.baton.node;

import dev.baton.node.config.Config;
import dev.baton.node.config.ConfigException;
import dev.baton.node.config.NodeSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar baton-node.jar}: reads {@code BATON_*} settings, runs a node until SIGTERM. */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
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
    }
}

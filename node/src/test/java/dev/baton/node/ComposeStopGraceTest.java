package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.node.config.NodeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The compose file gives each replica longer than its worst drain on {@code docker-compose down}:
 * executions' grace, then giving its voter seat back and leaving the cluster at the default lease.
 * Shorter, and SIGKILL cuts a hand-over short (45 s fell below it when the seat wait grew; review
 * of 4567dbe).
 */
class ComposeStopGraceTest {

    private static final Path COMPOSE = Path.of(System.getProperty("baton.repo.root", ".."))
            .resolve("docker-compose.yml");

    @Test
    void stopGracePeriodExceedsTheDrainAtTheDefaultSettings() throws IOException {
        Matcher m = Pattern.compile("stop_grace_period:\\s*(\\d+)s").matcher(Files.readString(COMPOSE));
        assertThat(m.find()).as("docker-compose.yml sets stop_grace_period in seconds").isTrue();
        Duration drain = NodeSettings.SHUTDOWN_GRACE.parse(NodeSettings.SHUTDOWN_GRACE.defaultValue())
                .plus(BatonNode.leaveClusterLimit(NodeSettings.LEASE.parse(NodeSettings.LEASE.defaultValue())));

        assertThat(Duration.ofSeconds(Long.parseLong(m.group(1)))).as("stop_grace_period vs the drain")
                .isGreaterThan(drain);
    }
}

package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.baton.coordinator.support.LogCapture;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * An operator asking why workers moved (or why two nodes passed them back and forth after a merge)
 * finds one line per change of a node's view of the balance, and none when a peer's renewals only
 * run late.
 */
class BalanceChangeLogTest {

    private static final Set<String> WORKERS = Set.copyOf(IntStream.range(0, 12).mapToObj(i -> "w" + i).toList());

    @Test
    void aNodeJoiningIsOneLineWithWhatMovedAndAPeerRunningLateIsNone() {
        Roles roles = new Roles();
        SessionTable.Entry mine = new SessionTable.Entry("a-session");
        mine.registered = new java.util.HashSet<>(WORKERS);
        try (LogCapture capture = LogCapture.of(Roles.class.getName(), Level.INFO)) {
            roles.rebuild(1, Set.of("m1", "m2"), candidates(false, "a", "b"), mine, 0);
            assertThat(lines(capture)).as("the first view is no change").isEmpty();

            roles.rebuild(2, Set.of("m1", "m2", "m3"), candidates(false, "a", "b", "c"), mine, 1);
            List<String> lines = lines(capture);
            assertThat(lines).hasSize(1);
            assertThat(lines.getFirst()).startsWith("Balance changed: this node prefers ")
                    .contains("of its 12 workers").contains("nodes [a/12, b/12, c/12]");
            long moved = Long.parseLong(lines.getFirst().replaceAll(".*\\), (\\d+) moved.*", "$1"));
            assertThat(moved).as("a third node takes some workers").isPositive();

            roles.rebuild(3, Set.of("m1", "m2", "m3"), candidates(true, "a", "b", "c"), mine, 2);
            assertThat(lines(capture)).as("b's renewals running late move no preference").hasSize(1);
        }
    }

    private static Map<String, Roles.Candidate> candidates(boolean bStale, String... nodes) {
        Map<String, Roles.Candidate> candidates = new HashMap<>();
        for (String node : nodes) {
            candidates.put(node, new Roles.Candidate(node, WORKERS, bStale && node.equals("b"), node.equals("a")));
        }
        return candidates;
    }

    private static List<String> lines(LogCapture capture) {
        return capture.events().stream().filter(e -> e.getLevel() == Level.INFO)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }
}

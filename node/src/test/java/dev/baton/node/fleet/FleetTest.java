package dev.baton.node.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.node.journal.JournalAudit;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetTest {

    private static final Map<String, String> ADDRESSES = Map.of("n1", "127.0.0.1", "n2", "127.0.0.2", "n3",
            "127.0.0.3");

    private static String warn(String at, String node, String text) {
        return "2026-12-01T22:42:" + at + "Z WARN  [hz.baton-" + node + ".cached.thread-4] c.h.i.c.i.MembershipManager ["
                + ADDRESSES.get(node) + "]:5701 [fleet-19067] [5.7.0] " + text;
    }

    /** Lines as MembershipIT's kept run of 22:42 logged them, when Hazelcast split n3 off on its own. */
    @Test
    void aMemberThatMergedBackWasCutFromTheFirstSuspicionToItsMerge() {
        Map<String, List<String>> warnings = Map.of(
                "n1", List.of(warn("12.000", "n1", "Suspecting Member [127.0.0.3]:5701 - 1fc90ee0 because it has not"
                                + " sent any heartbeats since 2026-12-01 22:42:06.994"),
                        warn("12.104", "n1", "Member [127.0.0.3]:5701 - 1fc90ee0 has left cluster!")),
                "n2", List.of(warn("12.320", "n2", "[127.0.0.3]:5701 claims mastership but it is not a member!")),
                "n3", List.of(warn("07.183", "n3", "Suspecting Member [127.0.0.1]:5701 - 8e11f5cf because it has not"
                                + " sent any heartbeats since 2026-12-01 22:42:02.143"),
                        warn("12.364", "n3", "Member [127.0.0.1]:5701 - 8e11f5cf has left cluster!"),
                        warn("16.354", "n3", "[127.0.0.3]:5701 is merging [tcp/ip] to [127.0.0.1]:5701"),
                        warn("16.458", "n3", "[127.0.0.3]:5701 is merging to [127.0.0.1]:5701, because: instructed by"
                                + " master [127.0.0.3]:5701")));

        assertThat(Fleet.unplannedCuts(ADDRESSES, warnings)).containsExactly(JournalAudit.Fault.splitByHazelcast(
                "n3", Instant.parse("2026-12-01T22:42:07.183Z"), Instant.parse("2026-12-01T22:42:16.354Z")));
    }

    @Test
    void theCutLastsUntilTheNodeSaysTheMergeFinished() {
        Map<String, List<String>> lines = Map.of(
                "n1", List.of(warn("12.000", "n1", "Suspecting Member [127.0.0.3]:5701 - 1fc90ee0 because it has not"
                        + " sent any heartbeats since 2026-12-01 22:42:06.994")),
                "n2", List.of(),
                "n3", List.of(warn("16.354", "n3", "[127.0.0.3]:5701 is merging [tcp/ip] to [127.0.0.1]:5701"),
                        "2026-12-01T22:42:17.420Z INFO  [hz.baton-n3.cached.thread-9] d.b.n.BatonNode Hazelcast merged"
                                + " this member back into the cluster after a split (its records merged)"));

        assertThat(Fleet.unplannedCuts(ADDRESSES, lines)).containsExactly(JournalAudit.Fault.splitByHazelcast(
                "n3", Instant.parse("2026-12-01T22:42:12.000Z"), Instant.parse("2026-12-01T22:42:17.420Z")));
    }

    @Test
    void membersLeavingGracefullyAreNoCut() {
        Map<String, List<String>> warnings = Map.of(
                "n1", List.of(warn("33.267", "n1", "Member [127.0.0.2]:5701 - 8ae3092b is suspected to be dead for"
                        + " reason: No connection"), warn("33.300", "n1", "Member [127.0.0.2]:5701 - 8ae3092b has left"
                        + " cluster!")),
                "n2", List.of(),
                "n3", List.of(warn("33.301", "n3", "Member [127.0.0.2]:5701 - 8ae3092b has left cluster!")));

        assertThat(Fleet.unplannedCuts(ADDRESSES, warnings)).isEmpty();
    }
}

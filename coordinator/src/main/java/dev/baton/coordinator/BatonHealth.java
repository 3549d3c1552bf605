package dev.baton.coordinator;

import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether this node can run workers now: it sees a quorum of the voters, its session is valid, and
 * it is a voter itself (until then, taking another node away, as a rolling update does next, could
 * leave the cluster without a majority).
 * For readiness probes and health endpoints (the node's {@code /health/ready}, the Spring Boot
 * starter's health indicator). A node without a quorum is healthy as a process, and should not
 * be restarted for it: it claims nothing and merges back when it sees the others again.
 */
public final class BatonHealth {

    private final Coordination coordination;

    /**
     * A check of one coordination.
     *
     * @param coordination the coordination to ask
     */
    public BatonHealth(Coordination coordination) {
        this.coordination = Objects.requireNonNull(coordination, "coordination");
    }

    /**
     * What this node's coordination says now; never throws.
     *
     * @param up      whether this node can claim (a quorum and a valid session) and is a voter
     * @param problem why it cannot, for a person to read; empty when up
     * @param details the figures behind it: node, quorumPresent, quorum, voters, voter, lineage, members,
     *                leasesHeld, renewals, expiredSessions
     */
    public record Report(boolean up, Optional<String> problem, Map<String, Object> details) {

        /**
         * Checks the fields.
         *
         * @throws NullPointerException if a field is null
         */
        public Report {
            Objects.requireNonNull(problem, "problem");
            details = Map.copyOf(details);
        }
    }

    /**
     * Asks the coordination.
     *
     * @return the report; down with the error's message if the coordination cannot answer
     */
    public Report check() {
        CoordinationStatus status;
        try {
            status = coordination.status();
        } catch (RuntimeException e) {
            return new Report(false, Optional.of("the coordination cannot tell its state: " + e.getMessage()),
                    Map.of("node", coordination.nodeId()));
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("node", coordination.nodeId());
        details.put("quorumPresent", status.quorumPresent());
        details.put("quorum", status.quorum());
        details.put("voters", status.voters());
        details.put("voter", status.voter());
        details.put("lineage", status.lineage());
        details.put("members", status.members());
        details.put("leasesHeld", status.leasesHeld());
        details.put("renewals", status.renewals());
        details.put("expiredSessions", status.expiredSessions());
        if (status.quorumPresent() && status.voter()) {
            return new Report(true, Optional.empty(), details);
        }
        if (status.quorumPresent()) {
            return new Report(false, Optional.of("not a voter yet: the voters " + status.voters() + " add one process"
                    + " at a time, each change a lease after the one before"), details);
        }
        String problem = status.voters().isEmpty()
                ? "no quorum: the cluster has not agreed on its voters yet"
                : "no quorum: " + status.quorum() + " of the voters " + status.voters() + " must answer this node's"
                        + " renewals; this node sees " + status.members() + " member(s)";
        return new Report(false, Optional.of(problem), details);
    }
}

package dev.baton.node.journal;

import java.time.Instant;
import java.util.Optional;

/**
 * One execution as the journals tell it: its start line, and its end line unless the node died first.
 *
 * @param kind    SCHEDULED, TRIGGERED, RERUN or CATCH_UP (a RERUN runs a slot the cluster saw unfinished)
 * @param end     when it ended, if the node wrote an end line
 * @param outcome how it ended, if the node wrote an end line
 */
public record JournalExecution(String worker, Instant slot, long fence, String node, String executionId, String kind,
                               Instant start, Optional<Instant> end, Optional<String> outcome) {

    /** Whether the slot may legitimately run again: the execution did not finish it. */
    public boolean leftSlotOpen() {
        return outcome.isEmpty() || outcome.get().equals("LEASE_LOST") || outcome.get().equals("INTERRUPTED");
    }
}

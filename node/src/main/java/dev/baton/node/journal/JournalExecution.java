package dev.baton.node.journal;

import java.time.Instant;
import java.util.Optional;

/**
 * One execution as the journals tell it: its start line, and its end line unless the node died first.
 *
 * @param kind    SCHEDULED, TRIGGERED, RERUN or CATCH_UP (a RERUN runs a slot the cluster saw unfinished)
 * @param end     when it ended, if the node wrote an end line
 * @param outcome how it ended, if the node wrote an end line
 * @param recorded whether the node went on past recording the outcome (the end line comes before it)
 */
public record JournalExecution(String worker, Instant slot, long fence, String node, String executionId, String kind,
                               Instant start, Optional<Instant> end, Optional<String> outcome, boolean recorded) {

    /** An execution whose end, if it has one, the cluster heard of. */
    public JournalExecution(String worker, Instant slot, long fence, String node, String executionId, String kind,
                            Instant start, Optional<Instant> end, Optional<String> outcome) {
        this(worker, slot, fence, node, executionId, kind, start, end, outcome, end.isPresent());
    }

    /** Whether the slot may legitimately run again: the execution did not finish it. */
    public boolean leftSlotOpen() {
        return outcome.isEmpty() || outcome.get().equals("LEASE_LOST") || outcome.get().equals("INTERRUPTED");
    }
}

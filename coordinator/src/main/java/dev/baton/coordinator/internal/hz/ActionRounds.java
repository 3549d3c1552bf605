package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.ClaimRules;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What an operator action's node makes of the nodes' answers, round after round, with the records in the
 * registers (see {@code HzCoordination#actionThroughRegisters}): whether an answer settles the action,
 * and when nobody writes it, that this node takes the lock itself.
 */
final class ActionRounds {

    private final String worker;
    private final ClaimRules.Flag flag;
    private String why = "the cluster did not confirm the change in time, so it may or may not have taken effect";
    private int unclaimed;
    /**
     * Once a copy of the action may have been chosen, a record above its token cannot tell whether that copy
     * held and another action followed it (acting again above it would undo that one) or it never held.
     */
    private boolean uncertain;

    ActionRounds(String worker, ClaimRules.Flag flag) {
        this.worker = worker;
        this.flag = flag;
    }

    /**
     * The round's written answer, settled: 0 as soon as a node wrote the action; a token to go above only
     * once the rest of the round answered too (0 among them: written; a maybe, a failure or no answer among
     * them may be a copy that held); null if nobody wrote it by {@code giveUpAt}.
     *
     * @throws IllegalStateException if it names a token to go above after a copy that may have held
     */
    Long written(List<CompletableFuture<Long>> answers, long giveUpAt) {
        CompletableFuture<Long> written = new CompletableFuture<>();
        answers.forEach(a -> a.thenAccept(v -> {
            if (v >= 0) {
                written.complete(v);
            }
        }));
        CompletableFuture<Void> all = CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new));
        all.whenComplete((v, e) -> written.complete(null));
        Long first = HzCoordination.awaitUntil(written, giveUpAt);
        if (first == null || first == 0) {
            return first;
        }
        HzCoordination.awaitUntil(all, giveUpAt);
        for (CompletableFuture<Long> a : answers) {
            if (a.isDone() && !a.isCompletedExceptionally() && a.join() == 0) {
                // Another node wrote it (its answer held by the riders or the release): a later action's token
                // found above it by a node whose task ran late says nothing against that.
                return 0L;
            }
        }
        for (CompletableFuture<Long> a : answers) {
            uncertain |= !a.isDone() || a.isCompletedExceptionally() || a.join() == RegisterRecords.MAYBE;
        }
        return settle(first);
    }

    /**
     * A written answer: 0 once the action holds, or the record's token to go above.
     *
     * @throws IllegalStateException if it names a token to go above after a copy that may have held
     */
    long settle(long answer) {
        if (answer > 0 && uncertain) {
            throw new IllegalStateException("could not tell whether " + flag.name().toLowerCase() + " of worker '"
                    + worker + "' took effect: a copy of it may have been written before another action on the worker"
                    + " followed; check the worker's state and act again if needed");
        }
        return answer;
    }

    /**
     * A round in which no node wrote the action. Returns whether this node takes the lock itself: after two
     * rounds in which nobody was writing (the worker has no live preferred node, or is registered nowhere).
     */
    boolean declined(List<CompletableFuture<Long>> answers) {
        boolean someoneWrites = false;
        for (CompletableFuture<Long> a : answers) {
            if (a.isCompletedExceptionally()) {
                // A member that left or failed mid-call may have written the action first.
                uncertain = true;
                why = a.handle((v, e) -> String.valueOf(e.getCause() != null ? e.getCause().getMessage()
                        : e.getMessage())).join();
            } else if (a.isDone()) {
                long v = a.join();
                uncertain |= v == RegisterRecords.MAYBE;
                someoneWrites |= v == RegisterRecords.BUSY || v == RegisterRecords.MAYBE;
            }
        }
        unclaimed = someoneWrites ? 0 : unclaimed + 1;
        return unclaimed >= 2;
    }

    /** This node's own attempt, which did not write the action: started and given up, it may have. */
    void declinedHere(long answer) {
        uncertain |= answer == RegisterRecords.MAYBE;
    }

    /** The action was not settled in time. */
    IllegalStateException timedOut() {
        return new IllegalStateException("could not " + flag.name().toLowerCase() + " worker '" + worker + "': " + why);
    }
}

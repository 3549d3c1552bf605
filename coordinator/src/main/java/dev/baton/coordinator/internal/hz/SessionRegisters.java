package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.coordinator.internal.register.Proposer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * A session's writes of worker registers (docs/records-in-the-lock-tables.md, step 1; off in the
 * product): a {@link Proposer} per worker for the session's life in one lineage, the operation each
 * write has in flight, and when it went to each member. Operations ride on the session's messages
 * ({@link LocalSession#round}), newest first and a few hundred at most; an operation goes to a member
 * once, and again only if the member did not apply the message (it asked for a snapshot) or its voter
 * did not answer within the resend interval. Answers come back apart ({@link RegisterReply}) and are
 * counted by the voter that gave them. Not thread-safe: guarded by the session's lock.
 */
final class SessionRegisters {

    /** Register operations one message carries at most: 10,000 pending writes go in pieces. */
    static final int MAX_PER_MESSAGE = 256;

    private final String session;
    private final VoterState voters;
    private final long resendNanos;
    private final SplittableRandom random;
    private final Map<String, Proposer<SlotState>> proposers = new HashMap<>();
    private final Map<String, Write> writes = new HashMap<>();
    /**
     * Chosen notices of the last resend interval, oldest first: each goes once to each member, with its next
     * message, never again. A member's place in them is a count (every round asks each member, and a few
     * thousand writes a second leave as many notices here: a set per notice made each round cost more than
     * the writes).
     */
    private final List<Notice> notices = new ArrayList<>();
    /** How many notices were made and dropped before the first one held. */
    private long noticesDropped;
    /** For each member (by id), how many notices ever made went to it; a member not here had none held. */
    private final Map<String, Long> noticesSent = new HashMap<>();
    /** Voters that answered they take no registers (registers off there, or an older release). */
    private final Set<String> without = new HashSet<>();
    /** The lineage the proposers were made in: ballots and values of another history are not this one's. */
    private String lineage;
    private long numbers;

    private static final class Write {
        final CompletableFuture<SlotState> done = new CompletableFuture<>();
        RegisterOp op;
        long madeAt;
        /** How long after {@code madeAt} a refused operation prepares again: the resend interval, jittered. */
        long retryAfter;
        /** The voters that answered the operation in flight, with the voters version they answered under. */
        final Map<String, Long> answeredBy = new HashMap<>();
        /** When the operation in flight last went to each member (by member id). */
        final Map<String, Long> sentTo = new HashMap<>();
    }

    private record Notice(RegisterOp op, long madeAt) {
    }

    SessionRegisters(String session, VoterState voters, long resendNanos) {
        this.session = session;
        this.voters = voters;
        this.resendNanos = resendNanos;
        this.random = new SplittableRandom(session.hashCode() * 0x9E3779B97F4A7C15L);
        this.lineage = voters.current().lineage();
    }

    /**
     * Starts a write of {@code worker}'s register (see {@link Proposer#write}); completes with the value
     * written, or null if there was nothing to write or the write was given up; fails at once when a
     * write is under way for the worker or too few voters take registers to choose anything.
     */
    CompletableFuture<SlotState> write(String worker, UnaryOperator<SlotState> next, long afterSeq, long now) {
        if (writes.containsKey(worker)) {
            return CompletableFuture.failedFuture(new IllegalStateException("a write of " + worker + " is under way"));
        }
        if (!lineage.equals(voters.current().lineage())) {
            if (!writes.isEmpty()) {
                return CompletableFuture.failedFuture(new IllegalStateException("the voters' lineage changed: the"
                        + " session's next round gives its writes up and starts over"));
            }
            startOver(voters.current().lineage());
        }
        String why = tooFewTakeRegisters();
        if (why != null) {
            return CompletableFuture.failedFuture(new IllegalStateException(why));
        }
        Proposer<SlotState> proposer = proposers.computeIfAbsent(worker,
                w -> new Proposer<>(session, w, this::votersOf, chosen -> { }));
        Write w = new Write();
        Operation<SlotState> op = proposer.write(next);
        if (op == null) {
            w.done.complete(proposer.written());
            return w.done;
        }
        writes.put(worker, w);
        next(w, op, afterSeq, now);
        return w.done;
    }

    /**
     * Gives up the write of {@code worker} (its value may still be chosen: the next write finds it);
     * returns what completes it with null, to run once the session's lock is released.
     */
    Runnable cancel(String worker) {
        Write w = writes.remove(worker);
        Proposer<SlotState> proposer = proposers.get(worker);
        if (proposer != null) {
            proposer.cancel();
        }
        return w == null ? () -> { } : () -> w.done.complete(null);
    }

    /** Gives up every write (the session died, or the lineage changed); returns what completes them. */
    List<Runnable> cancelAll() {
        List<Runnable> ended = new ArrayList<>();
        for (String worker : new ArrayList<>(writes.keySet())) {
            ended.add(cancel(worker));
        }
        return ended;
    }

    /** The last value this session knows chosen for {@code worker}, or null. */
    Accepted<SlotState> head(String worker) {
        Proposer<SlotState> proposer = proposers.get(worker);
        return proposer == null ? null : proposer.head();
    }

    /**
     * Takes a member's answers. Answers of another lineage, or to an operation no longer in flight, are
     * dropped. Returns the writes that ended, to complete once the session's lock is released.
     */
    List<Runnable> onReply(RegisterReply reply, long afterSeq, long now) {
        List<Runnable> ended = new ArrayList<>();
        if (!reply.lineage.equals(lineage) || !reply.lineage.equals(voters.current().lineage())
                || reply.voterId.isEmpty()) {
            return ended;
        }
        for (RegisterReply.Answered a : reply.answers) {
            Write w = writes.get(a.worker());
            if (w == null || w.op.operation().id() != a.operation()) {
                continue;
            }
            w.answeredBy.put(reply.voterId, a.answer().version());
            Proposer<SlotState> proposer = proposers.get(a.worker());
            Operation<SlotState> next = proposer.onAnswer(reply.voterId, a.operation(), a.answer());
            if (next != null && next.kind() == Operation.Kind.CHOSEN) {
                notices.add(new Notice(new RegisterOp(-1, afterSeq, next), now));
            } else if (next != null) {
                next(w, next, afterSeq, now);
            }
            if (!proposer.isWriting()) {
                writes.remove(a.worker());
                SlotState written = proposer.written();
                ended.add(() -> w.done.complete(written));
            }
        }
        return ended;
    }

    /**
     * Once a round: a write whose answers did not come within the resend interval prepares again if it
     * was refused; a change of lineage gives every write up and starts the proposers over. Returns the
     * writes that ended.
     */
    List<Runnable> retry(long afterSeq, long now) {
        int old = 0;
        while (old < notices.size() && now - notices.get(old).madeAt() >= resendNanos) {
            old++;
        }
        notices.subList(0, old).clear();
        noticesDropped += old;
        noticesSent.values().removeIf(sent -> sent <= noticesDropped);
        String current = voters.current().lineage();
        if (!current.equals(lineage)) {
            List<Runnable> ended = cancelAll();
            startOver(current);
            return ended;
        }
        writes.forEach((worker, w) -> {
            if (now - w.madeAt >= w.retryAfter) {
                Operation<SlotState> op = proposers.get(worker).retry();
                if (op != null && op.id() != w.op.operation().id()) {
                    next(w, op, afterSeq, now);
                }
            }
        });
        return List.of();
    }

    /** Whether a member is owed operations: a notice, a new operation, or one whose resend is due. */
    boolean owes(String memberUuid, String voterId, long now) {
        for (Write w : writes.values()) {
            if (due(w, memberUuid, voterId, now)) {
                return true;
            }
        }
        return noticesSentTo(memberUuid) < noticesDropped + notices.size();
    }

    /** The operations to send a member with the message going to it now, newest first; records them as sent. */
    List<RegisterOp> toSend(String memberUuid, String voterId, long now) {
        List<RegisterOp> out = new ArrayList<>();
        long next = noticesSentTo(memberUuid);
        while (next < noticesDropped + notices.size() && out.size() < MAX_PER_MESSAGE) {
            out.add(notices.get((int) (next - noticesDropped)).op());
            next++;
        }
        if (next > noticesDropped) {
            noticesSent.put(memberUuid, next);
        }
        List<Write> due = new ArrayList<>();
        for (Write w : writes.values()) {
            if (due(w, memberUuid, voterId, now)) {
                due.add(w);
            }
        }
        due.sort(Comparator.comparingLong((Write w) -> w.op.number()).reversed());
        for (Write w : due) {
            if (out.size() >= MAX_PER_MESSAGE) {
                break;
            }
            out.add(w.op);
            w.sentTo.put(memberUuid, now);
        }
        return out;
    }

    /** A member that needs a snapshot applied none of the message: its operations go with the next one. */
    void notReceived(String memberUuid, List<RegisterOp> sent) {
        for (RegisterOp op : sent) {
            Write w = writes.get(op.operation().worker());
            if (w != null && w.op.number() == op.number()) {
                w.sentTo.remove(memberUuid);
            }
        }
    }

    /**
     * What a voter's lock reply said of its registers. A write that can no longer reach a majority of
     * voters that take registers (most of them run the release before, or have registers off) fails at
     * once instead of waiting; returns those.
     */
    List<Runnable> takes(String voterId, boolean registers) {
        if (voterId.isEmpty() || (registers ? !without.remove(voterId) : !without.add(voterId))) {
            return List.of();
        }
        String why = tooFewTakeRegisters();
        if (why == null) {
            return List.of();
        }
        List<Runnable> failed = new ArrayList<>();
        for (String worker : new ArrayList<>(writes.keySet())) {
            Write w = writes.remove(worker);
            proposers.get(worker).cancel();
            failed.add(() -> w.done.completeExceptionally(new IllegalStateException(why)));
        }
        return failed;
    }

    /** Proposers of another history are not this one's: ballots, heads and notices start over. */
    private void startOver(String newLineage) {
        proposers.clear();
        notices.clear();
        noticesDropped = 0;
        noticesSent.clear();
        without.clear();
        lineage = newLineage;
    }

    private long noticesSentTo(String memberUuid) {
        return Math.max(noticesDropped, noticesSent.getOrDefault(memberUuid, 0L));
    }

    private boolean due(Write w, String memberUuid, String voterId, long now) {
        // An answer under a voters version since replaced counts towards nothing now: asked again, the
        // voter answers under the version it knows (answers split across a change make no quorum).
        Long answered = w.answeredBy.get(voterId);
        if (answered != null && answered == voters.current().version()) {
            return false;
        }
        Long sent = w.sentTo.get(memberUuid);
        return sent == null || now - sent >= resendNanos;
    }

    private String tooFewTakeRegisters() {
        Voters current = voters.current();
        if (current.isNone()) {
            return null;
        }
        long taking = current.ids().stream().filter(id -> !without.contains(id)).count();
        return taking >= current.majority() ? null : "only " + taking + " of the " + current.size() + " voters take"
                + " registers, fewer than a majority: finish the rolling update (or turn registers on everywhere)";
    }

    private void next(Write w, Operation<SlotState> op, long afterSeq, long now) {
        w.op = new RegisterOp(numbers++, afterSeq, op);
        w.madeAt = now;
        // Two proposers refused by each other at one instant would otherwise prepare again at one instant,
        // and again, for ever (duelling proposers): each waits between a half and one and a half intervals.
        w.retryAfter = resendNanos / 2 + random.nextLong(Math.max(1, resendNanos));
        w.answeredBy.clear();
        w.sentTo.clear();
    }

    private Set<String> votersOf(long version) {
        Voters current = voters.current();
        if (current.version() == version && !current.isNone()) {
            return Set.copyOf(current.ids());
        }
        return voters.previous().filter(p -> p.version() == version && p.sameLineage(current))
                .map(p -> Set.copyOf(p.ids())).orElse(null);
    }
}

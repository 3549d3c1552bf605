package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.coordinator.internal.register.Proposer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * A session's writes of worker registers (docs/records-in-the-lock-tables.md, step 1; off in the
 * product): a {@link Proposer} per worker for the session's life, the operation each write has in
 * flight, and what each member was sent and received of them. Operations ride on the session's
 * messages ({@link LocalSession#round}), numbered in sending order; a member's lock reply says how
 * far it received them, and an operation goes again to a member that did not receive it, or did not
 * answer it within the resend interval. Answers come back apart ({@link RegisterReply}) and are
 * counted by the voter that gave them. Not thread-safe: guarded by the session's lock.
 */
final class SessionRegisters {

    private final String session;
    private final VoterState voters;
    private final long resendNanos;
    private final Map<String, Proposer<SlotState>> proposers = new HashMap<>();
    private final Map<String, Write> writes = new HashMap<>();
    private final Map<String, Member> members = new HashMap<>();
    /** Chosen notices: sent once to each member with its next message, never again. */
    private final List<Notice> notices = new ArrayList<>();
    private long numbers;

    private static final class Write {
        final CompletableFuture<SlotState> done = new CompletableFuture<>();
        RegisterOp op;
        long madeAt;
        final Set<String> answeredBy = new HashSet<>();
    }

    private static final class Member {
        /** How far the member said it received operations (by number); -1 for none yet. */
        long received = -1;
        /** The highest number sent to it and not known lost. */
        long sent = -1;
        long resentAt;
    }

    private record Notice(RegisterOp op, Set<String> sentTo, long madeAt) {
    }

    SessionRegisters(String session, VoterState voters, long resendNanos) {
        this.session = session;
        this.voters = voters;
        this.resendNanos = resendNanos;
    }

    /**
     * Starts a write of {@code worker}'s register (see {@link Proposer#write}); completes with the value
     * written, or null if there was nothing to write. One write per worker at a time.
     */
    CompletableFuture<SlotState> write(String worker, UnaryOperator<SlotState> next, long afterSeq, long now) {
        if (writes.containsKey(worker)) {
            return CompletableFuture.failedFuture(new IllegalStateException("a write of " + worker + " is under way"));
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
        if (!reply.lineage.equals(voters.current().lineage()) || reply.voterId.isEmpty()) {
            return ended;
        }
        for (RegisterReply.Answered a : reply.answers) {
            Write w = writes.get(a.worker());
            if (w == null || w.op == null || w.op.operation().id() != a.operation()) {
                continue;
            }
            w.answeredBy.add(reply.voterId);
            Proposer<SlotState> proposer = proposers.get(a.worker());
            Operation<SlotState> next = proposer.onAnswer(reply.voterId, a.operation(), a.answer());
            if (next != null && next.kind() == Operation.Kind.CHOSEN) {
                notices.add(new Notice(new RegisterOp(-1, afterSeq, next), new HashSet<>(), now));
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

    /** A write whose answers did not come within the resend interval prepares again if it was refused. */
    void retry(long afterSeq, long now) {
        writes.forEach((worker, w) -> {
            if (now - w.madeAt >= resendNanos) {
                Operation<SlotState> op = proposers.get(worker).retry();
                if (op != null && op.id() != w.op.operation().id()) {
                    next(w, op, afterSeq, now);
                }
            }
        });
        notices.removeIf(n -> now - n.madeAt() >= resendNanos);
    }

    /** Whether a member is owed operations: new ones, or unanswered ones whose resend is due. */
    boolean owes(String memberUuid, String voterId, long now) {
        Member m = member(memberUuid);
        boolean resend = now - m.resentAt >= resendNanos;
        for (Write w : writes.values()) {
            if (w.op.number() > m.sent || (resend && !w.answeredBy.contains(voterId))) {
                return true;
            }
        }
        return notices.stream().anyMatch(n -> !n.sentTo().contains(memberUuid));
    }

    /** The operations to send a member with the message going to it now; records them as sent. */
    List<RegisterOp> toSend(String memberUuid, String voterId, long now) {
        Member m = member(memberUuid);
        boolean resend = now - m.resentAt >= resendNanos;
        List<RegisterOp> out = new ArrayList<>();
        for (Notice n : notices) {
            if (n.sentTo().add(memberUuid)) {
                out.add(n.op());
            }
        }
        long sent = m.sent;
        for (Write w : writes.values()) {
            RegisterOp op = w.op;
            if (op.number() > m.sent || (resend && !w.answeredBy.contains(voterId))) {
                out.add(op);
                sent = Math.max(sent, op.number());
            }
        }
        m.sent = sent;
        if (resend) {
            m.resentAt = now;
        }
        return out;
    }

    /**
     * A member's lock reply: how far it received operations. Its one message in flight is answered, so
     * what it did not receive of what was sent goes again with the next message.
     */
    void received(String memberUuid, long through) {
        Member m = member(memberUuid);
        if (through == SessionReply.NO_REGISTERS) {
            return;
        }
        m.received = Math.max(m.received, through);
        m.sent = Math.min(m.sent, m.received);
    }

    /** A member that needs a snapshot applied none of the message: its operations go again after the snapshot. */
    void notReceived(String memberUuid) {
        Member m = member(memberUuid);
        m.sent = Math.min(m.sent, m.received);
    }

    boolean isWriting(String worker) {
        return writes.containsKey(worker);
    }

    private Member member(String uuid) {
        return members.computeIfAbsent(uuid, u -> new Member());
    }

    private void next(Write w, Operation<SlotState> op, long afterSeq, long now) {
        w.op = new RegisterOp(numbers++, afterSeq, op);
        w.madeAt = now;
        w.answeredBy.clear();
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

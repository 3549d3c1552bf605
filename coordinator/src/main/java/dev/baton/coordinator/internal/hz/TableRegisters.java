package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Acceptor;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.coordinator.internal.register.Pull;
import dev.baton.coordinator.internal.register.RegisterLog;
import dev.baton.coordinator.internal.register.RegisterState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member as an acceptor of every session's register operations (docs/records-in-the-lock-tables.md,
 * step 1; off in the product until the claims go through the registers). The lock table judges, under
 * its monitor, whether the session holds the worker where each operation stands among its lock
 * changes; the operations are applied here after the table's monitor is left (Paxos allows it, and the
 * holder check is for liveness only), and their answers go back after one force of everything applied
 * since the last (a group commit), on a thread of their own: a slow disk delays claims, never a lock's
 * reply or a renewal.
 */
final class TableRegisters implements AutoCloseable {

    /** Sends a register reply to the member a session runs on. */
    interface Replies {
        void send(String memberUuid, RegisterReply reply);
    }

    /** An operation as the table judged it: whether the session held the worker where it stands. */
    record Judged(RegisterOp op, boolean holds) {
    }

    private record Pending(String memberUuid, RegisterReply reply) {
    }

    private static final Logger log = LoggerFactory.getLogger(TableRegisters.class);

    private final Acceptor<SlotState> acceptor;
    private final RegisterLog<SlotState> registerLog;
    private final VoterState voters;
    private final Replies replies;
    private final List<Pending> queue = new ArrayList<>();
    private Thread forcer;
    private boolean stopped;
    private volatile boolean everyone;

    /** Answers go out when {@link #flush} is called: by the thread {@link #start} starts, or by a simulation. */
    TableRegisters(RegisterLog<SlotState> registerLog, VoterState voters, Replies replies) {
        this.voters = voters;
        this.replies = replies;
        this.registerLog = registerLog;
        // The version this member knows (learned from each message before its operations are applied): the
        // promise tags are judged against it, so a member behind on its voter file still refuses an accept
        // whose ballot was established two versions ago (seventeenth review).
        this.acceptor = new Acceptor<>(registerLog, () -> voters.current().version());
    }

    /**
     * Answers every session's operations, holder or not: the holder check serves liveness only (it
     * keeps standbys from out-promising the holder), and simulations turn it off to show the registers
     * safe without it.
     */
    void answerEveryone() {
        everyone = true;
    }

    /** Starts the thread that forces and sends the answers as they come. */
    synchronized TableRegisters start(String nodeId) {
        forcer = Thread.ofPlatform().name("baton-register-force-" + nodeId).daemon(true).start(this::forceLoop);
        return this;
    }

    /**
     * Applies a session's judged operations and queues their answers for the next force. A chosen notice
     * is taken whoever sends it (it reports a fact and has no answer); another operation of a session that
     * does not hold the worker is answered only if its register already took it (a resend).
     */
    void apply(String session, String memberUuid, List<Judged> judged) {
        // While the configuration this member knows is not in its voter file, it takes no operation: after a
        // crash it would resume as an acceptor of the version before, having answered as one of this.
        boolean unkept = voters.kept() != voters.current();
        List<RegisterReply.Answered> answers = new ArrayList<>();
        for (Judged j : judged) {
            Operation<SlotState> op = j.op().operation();
            if (op.kind() == Operation.Kind.CHOSEN) {
                op.applyTo(acceptor);
            } else if (!unkept && (j.holds() || everyone || took(op))) {
                answers.add(new RegisterReply.Answered(op.worker(), op.id(), op.applyTo(acceptor)));
            }
        }
        // A configuration learned (by another thread) while these were applied and not kept yet: answers given
        // under it are held back (the eighteenth review), as if the member had been slow.
        Voters kept = voters.kept();
        answers.removeIf(a -> !kept.sameLineage(voters.current()) || a.answer().version() > kept.version());
        if (answers.isEmpty()) {
            return;
        }
        Voters current = voters.current();
        RegisterReply reply = new RegisterReply(session, voters.voterId(), current.lineage(), answers);
        synchronized (queue) {
            queue.add(new Pending(memberUuid, reply));
            queue.notifyAll();
        }
    }

    private boolean took(Operation<SlotState> op) {
        RegisterState<SlotState> state = acceptor.state(op.worker());
        return switch (op.kind()) {
            case PREPARE -> state.promised().equals(op.ballot());
            case ACCEPT -> state.accepted() != null && !state.copy() && state.accepted().isAt(op.index(), op.ballot())
                    && state.accepted().value().equals(op.value());
            case CHOSEN -> true;
        };
    }

    /**
     * A piece of this member's registers for a member that will accept a voter change ({@link VoterPulls}),
     * with the voters version read under the acceptor's monitor; nothing when the request was meant
     * for another process or lineage, or the configuration moved while the piece was read.
     */
    PullReply pull(PullRequest request) {
        Voters before = voters.current();
        boolean antiEntropy = request.kind != PullRequest.Kind.VALUES;
        if (!request.voterId.equals(voters.voterId()) || !before.lineage().equals(request.lineage)
                || request.limit <= 0 || voters.kept() != before || antiEntropy && !before.contains(voters.voterId())) {
            // Another process or lineage, or a configuration not kept yet: this process could resume without it.
            // Anti-entropy takes only what a voter of the configuration holds (a removed voter still answers a pull).
            return PullReply.nothing();
        }
        Pull<SlotState> piece = request.kind == PullRequest.Kind.NAMED ? acceptor.values(request.workers)
                : acceptor.pull(request.after.isEmpty() ? null : request.after, request.limit);
        if (voters.current() != before || voters.kept() != before) {
            return PullReply.nothing();
        }
        boolean last = piece.workers() < request.limit;
        if (request.kind == PullRequest.Kind.DIGEST) {
            Map<String, PullReply.Stamp> digest = new HashMap<>();
            piece.values().forEach((w, v) -> digest.put(w, new PullReply.Stamp(v.index(), v.ballot())));
            PullReply reply = new PullReply(voters.voterId(), before.lineage(), piece.version(), last, Map.of());
            reply.digest = Map.copyOf(digest);
            reply.through = piece.lastWorker() == null ? "" : piece.lastWorker();
            return reply;
        }
        PullReply reply = new PullReply(voters.voterId(), before.lineage(), piece.version(), last, piece.values());
        if (request.kind == PullRequest.Kind.VALUES) {
            reply.promises = piece.promises();
        }
        return reply;
    }

    Acceptor<SlotState> acceptor() {
        return acceptor;
    }

    RegisterState<SlotState> state(String worker) {
        return acceptor.state(worker);
    }

    private void forceLoop() {
        while (true) {
            synchronized (queue) {
                while (queue.isEmpty() && !stopped) {
                    try {
                        queue.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
            }
            flush();
        }
    }

    /** Forces the log once for every answer queued so far, then sends them (a group commit). */
    void flush() {
        List<Pending> batch;
        synchronized (queue) {
            if (queue.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(queue);
            queue.clear();
        }
        try {
            // Every answer taken was applied before this force: it vouches for all of them.
            acceptor.force();
        } catch (RuntimeException e) {
            // A log that cannot force answers nothing; proposers ask again, and the next force writes it anew.
            // (Whatever failed, the thread goes on: the next answers may find the disk healed.)
            log.warn("Register answers to {} sessions dropped: {}", batch.size(), e.toString());
            return;
        }
        for (Pending p : batch) {
            try {
                replies.send(p.memberUuid(), p.reply());
            } catch (RuntimeException e) {
                log.debug("A register reply to member {} could not be sent: {}", p.memberUuid(), e.toString());
            }
        }
        // After the answers went out: a compaction (about once per thousand forces) delays the next force only.
        try {
            registerLog.compactIfDue();
        } catch (RuntimeException e) {
            log.warn("Compacting the register log failed: {}", e.toString());
        }
    }

    /** Stops the force thread (bounded); answers not yet forced are dropped, as a crash would drop them. */
    @Override
    public void close() {
        synchronized (queue) {
            stopped = true;
            queue.notifyAll();
        }
        Thread t;
        synchronized (this) {
            t = forcer;
        }
        if (t == null) {
            return;
        }
        try {
            t.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

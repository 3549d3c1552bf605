package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Pull;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy for worker registers (docs/records-in-the-lock-tables.md, <i>Reads</i>): a member that
 * missed writes (it was cut off, frozen or down while they were chosen, and nobody has written the
 * worker since) catches up. Every sweep interval it walks one other member's registers, a digest of
 * index and ballot per worker at a time, asks for the values that stand after its own and installs them
 * (Paxos's install: a value travels with its ballot, is marked a copy, raises the promise to at least
 * its ballot), forced before the next piece. Members are walked in turn, voters of this member's
 * configuration only, answering as of that same configuration: what a prepare under it could have
 * found there anyway (a voter removed since may hold a value accepted under an old ballot, higher than
 * the one chosen since, which a prepare would never ask it for: the eighteenth review). A member that
 * does not answer is passed over after two tries. Nothing here answers anyone.
 */
final class RegisterSync {

    static final int DIGEST_PIECE = 1024;
    private static final Logger log = LoggerFactory.getLogger(RegisterSync.class);

    private final VoterState voters;
    private final TableRegisters registers;
    private final VoterPulls.Calls calls;
    private final long sweepNanos;
    private final long retryNanos;
    private final Executor installs;

    /** The member walked now (its voter id; null between walks), the one walked before, where the walk stands. */
    private String walking;
    private String lastWalked;
    private String after = "";
    private boolean asking;
    /** Tries of the piece asked now that went unanswered. */
    private int unanswered;
    /** Steps waiting for the install thread: nothing is asked again meanwhile (a slow disk). */
    private int queued;
    private long askedAt = Long.MIN_VALUE;
    private long nextSweep;
    private long sweeps;

    /**
     * @param sweepNanos how long a member waits after walking another's registers before it walks the next
     * @param retryNanos how long a piece's answer is waited for before it is asked again
     */
    RegisterSync(VoterState voters, TableRegisters registers, VoterPulls.Calls calls, long sweepNanos,
                 long retryNanos, Executor installs) {
        this.voters = voters;
        this.registers = registers;
        this.calls = calls;
        this.sweepNanos = sweepNanos;
        this.retryNanos = retryNanos;
        this.installs = installs;
    }

    /** Asks the member walked now for its next piece, or starts the next walk when a sweep is due. */
    void tick(long nowNanos, Collection<SessionTable.SessionInfo> sessions) {
        Voters current = voters.current();
        if (current.isNone()) {
            return;
        }
        TreeMap<String, SessionTable.SessionInfo> others = new TreeMap<>();
        for (SessionTable.SessionInfo s : sessions) {
            if (!s.voterId().equals(voters.voterId()) && current.contains(s.voterId()) && !s.closing()
                    && s.lineage().equals(current.lineage())) {
                others.merge(s.voterId(), s, (a, b) -> b.lastSeen() > a.lastSeen() ? b : a);
            }
        }
        String member;
        PullRequest request;
        synchronized (this) {
            if (queued > 0 || asking && nowNanos - askedAt < retryNanos) {
                return;
            }
            if (asking && ++unanswered >= 2 && walking != null) {
                // Silent (no registers, a voter file it cannot keep, another process now): the next one.
                log.debug("Register anti-entropy passes over voter {}: no answer", walking);
                lastWalked = walking;
                walking = null;
                asking = false;
            }
            if (walking != null && !others.containsKey(walking)) {
                // Gone (or no longer a session here) in the middle of its walk: on to the next one.
                lastWalked = walking;
                walking = null;
            }
            if (walking == null) {
                if (sweeps > 0 && nowNanos - nextSweep < 0 || others.isEmpty()) {
                    return;
                }
                // The next member after the last one walked, in voter id order.
                String next = lastWalked == null ? null : others.higherKey(lastWalked);
                walking = next != null ? next : others.firstKey();
                after = "";
                unanswered = 0;
            }
            member = others.get(walking).memberUuid();
            request = PullRequest.digest(current.lineage(), walking, after, DIGEST_PIECE);
            asking = true;
            askedAt = nowNanos;
        }
        String voter = request.voterId;
        calls.pull(member, request, reply -> later(() -> digested(current, member, voter, request.after, reply)));
    }

    /** An answer as of the configuration asked under: the same lineage and version (see the class comment). */
    private static boolean asOf(Voters asked, String voter, PullReply reply) {
        return reply != null && reply.answered() && reply.voterId.equals(voter) && reply.lineage.equals(asked.lineage())
                && reply.version == asked.version();
    }

    private void later(Runnable step) {
        queued(true);
        try {
            installs.execute(() -> {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    // A log that cannot force: the piece is asked again after the retry interval.
                    log.debug("Register anti-entropy step failed: {}", e.toString());
                } finally {
                    queued(false);
                }
            });
        } catch (RejectedExecutionException e) {
            queued(false);
            log.trace("A register digest arrived after the registers closed; dropped");
        }
    }

    private synchronized void queued(boolean more) {
        queued += more ? 1 : -1;
    }

    /** Compares a digest piece with this member's registers and asks for the values that stand after them. */
    private void digested(Voters asked, String member, String voter, String from, PullReply reply) {
        if (!asOf(asked, voter, reply) || !isWalking(voter, from)) {
            return;
        }
        List<String> behind = new ArrayList<>();
        reply.digest.forEach((worker, stamp) -> {
            Accepted<SlotState> held = registers.state(worker).accepted();
            if (held == null || (stamp.index() != held.index() ? stamp.index() > held.index()
                    : stamp.ballot().isAbove(held.ballot()))) {
                behind.add(worker);
            }
        });
        // Where the piece ended, promise-only registers included (the nineteenth review): not the last value.
        String last = !reply.through.isEmpty() ? reply.through
                : reply.digest.isEmpty() ? from : new TreeMap<>(reply.digest).lastKey();
        if (behind.isEmpty()) {
            advance(voter, from, last, reply.last);
            return;
        }
        calls.pull(member, PullRequest.named(asked.lineage(), voter, behind), values -> later(() -> {
            if (!asOf(asked, voter, values) || !isWalking(voter, from)) {
                return;
            }
            registers.acceptor().install(new Pull<>(values.version, values.values));
            registers.acceptor().force();
            advance(voter, from, last, reply.last);
        }));
    }

    private synchronized boolean isWalking(String voter, String from) {
        return asking && voter.equals(walking) && from.equals(after);
    }

    private synchronized void advance(String voter, String from, String last, boolean done) {
        if (!isWalking(voter, from)) {
            return;
        }
        asking = false;
        unanswered = 0;
        if (done) {
            // This member is walked: the next one after the sweep interval.
            after = "";
            nextSweep = askedAt + sweepNanos;
            sweeps++;
            lastWalked = walking;
            walking = null;
        } else {
            after = last;
        }
    }

    /** How many walks of another member's registers ended, for tests. */
    synchronized long sweeps() {
        return sweeps;
    }
}

package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Pull;
import dev.baton.coordinator.internal.register.PullGate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull that gates voter changes while worker registers are on (docs/records-in-the-lock-tables.md,
 * <i>Why it is safe</i>): a member that knows configuration v + 1 accepts v + 2 only once it holds the
 * registers of enough voters of v to meet every majority of v, each read while that voter knew v + 1.
 * Without it a value chosen on a majority of v could be missing from a majority of v + 2 (voters A, B,
 * C; a value chosen on A and B; add D; remove A: C and D hold nothing).
 *
 * <p>Each tick asks the voters of v still missing for the next piece of their registers (a few hundred
 * workers, in name order); each piece is installed and forced here before it counts. A pull is numbered
 * per voter, and a piece read before its voter knew v + 1 starts that voter's pull over under a new
 * number, so that no piece of an older try completes a newer one. A member that cannot name the voters
 * of v (v + 1 written by a release that did not name its change) pulls from the voters of v + 1, enough
 * to cover v whichever voter v + 1 added or removed ({@link PullGate#whenVersionBeforeIsUnknown}).
 * Pieces are installed and forced on a thread of their own ({@code installs}): a slow disk delays a
 * voter change, never the session loop or a renewal's reply.
 */
final class VoterPulls implements VoterState.ChangeGate {

    /** Carries a pull request to a member; the reply is null when none came. */
    interface Calls {
        void pull(String memberUuid, PullRequest request, Consumer<PullReply> onReply);
    }

    static final int PIECE = 256;
    private static final Logger log = LoggerFactory.getLogger(VoterPulls.class);

    private final VoterState voters;
    private final TableRegisters registers;
    private final Calls calls;
    private final long retryNanos;
    private final int piece;
    private final Executor installs;
    /** The configuration (v + 1) the gate is for, and its gate. */
    private Voters target = Voters.NONE;
    private PullGate<SlotState> gate;
    /** Per voter of v: where its pull stands, and when it was last asked. */
    private final Map<String, Progress> progress = new HashMap<>();

    private static final class Progress {
        long attempt;
        String after = "";
        long askedAt = Long.MIN_VALUE;
        boolean asking;
        /** Pieces of this voter waiting to be installed: it is not asked again meanwhile (a slow disk). */
        int installing;
    }

    /**
     * @param retryNanos how long a voter that did not answer a piece waits before it is asked again
     * @param piece      how many workers' values a piece carries at most
     * @param installs   where pieces are installed and forced (a thread of their own in the product)
     */
    VoterPulls(VoterState voters, TableRegisters registers, Calls calls, long retryNanos, int piece,
               Executor installs) {
        this.voters = voters;
        this.registers = registers;
        this.calls = calls;
        this.retryNanos = retryNanos;
        this.piece = piece;
        this.installs = installs;
    }

    /** Called under the voter state's monitor: reads only this object's state. */
    @Override
    public synchronized boolean open(Voters current) {
        if (current.version() <= 1) {
            return true;
        }
        return gate != null && isTarget(current) && gate.isOpen();
    }

    /** The same configuration, named alike: a configuration named since its gate was built gets a new one. */
    private boolean isTarget(Voters current) {
        return target.lineage().equals(current.lineage()) && target.version() == current.version()
                && target.change().equals(current.change());
    }

    /**
     * Asks the missing voters of v for their next pieces.
     *
     * @param sessions the sessions this member's table knows, for the member each voter runs on
     * @param selfUuid this member, whose own registers are read at once
     */
    void tick(long nowNanos, Collection<SessionTable.SessionInfo> sessions, String selfUuid) {
        voters.keepCurrent();
        Voters current = voters.current();
        if (current.version() <= 1 || !current.contains(voters.voterId())) {
            // Only a voter of v + 1 accepts v + 2.
            return;
        }
        // The member each voter runs on now: its newest session (a restarted voter's old one lingers a while).
        Map<String, SessionTable.SessionInfo> newest = new TreeMap<>();
        sessions.forEach(s -> newest.merge(s.voterId(), s, (a, b) -> b.lastSeen() > a.lastSeen() ? b : a));
        Map<String, String> memberOfVoter = new TreeMap<>();
        newest.forEach((voter, s) -> memberOfVoter.put(voter, s.memberUuid()));
        memberOfVoter.put(voters.voterId(), selfUuid);
        List<Runnable> asks = new ArrayList<>();
        PullGate<SlotState> g;
        synchronized (this) {
            if (!isTarget(current)) {
                target = current;
                gate = current.before().map(before -> new PullGate<SlotState>(before, current.version()))
                        .orElseGet(() -> PullGate.whenVersionBeforeIsUnknown(Set.copyOf(current.ids()),
                                current.version()));
                progress.clear();
            }
            g = gate;
            if (g == null || g.isOpen()) {
                return;
            }
            for (String voter : g.missing()) {
                Progress p = progress.computeIfAbsent(voter, v -> new Progress());
                String member = memberOfVoter.get(voter);
                if (member == null || p.installing > 0 || p.asking && nowNanos - p.askedAt < retryNanos) {
                    continue;
                }
                p.asking = true;
                p.askedAt = nowNanos;
                long attempt = p.attempt;
                PullRequest request = new PullRequest(current.lineage(), voter, p.after, piece);
                if (voter.equals(voters.voterId())) {
                    asks.add(() -> install(g, voter, attempt, () -> registers.pull(request)));
                } else {
                    asks.add(() -> calls.pull(member, request, reply -> install(g, voter, attempt, () -> reply)));
                }
            }
        }
        asks.forEach(Runnable::run);
    }

    private void install(PullGate<SlotState> g, String voter, long attempt, Supplier<PullReply> reply) {
        installing(g, voter, true);
        try {
            installs.execute(() -> {
                try {
                    answered(g, voter, attempt, reply.get());
                } catch (RuntimeException e) {
                    // A log that cannot force: the voter is asked again after the retry interval.
                    log.debug("A pulled piece from voter {} could not be kept: {}", voter, e.toString());
                } finally {
                    installing(g, voter, false);
                }
            });
        } catch (RejectedExecutionException e) {
            installing(g, voter, false);
            log.trace("A pulled piece arrived after the registers closed; dropped");
        }
    }

    private synchronized void installing(PullGate<SlotState> g, String voter, boolean installing) {
        Progress p = progress.get(voter);
        if (g == gate && p != null) {
            p.installing += installing ? 1 : -1;
        }
    }

    private void answered(PullGate<SlotState> g, String voter, long attempt, PullReply reply) {
        if (reply == null || !reply.answered() || !reply.voterId.equals(voter)) {
            return;
        }
        synchronized (this) {
            Progress p = progress.get(voter);
            if (g != gate || p == null || p.attempt != attempt || !reply.lineage.equals(target.lineage())) {
                return;
            }
        }
        Pull<SlotState> pulled = new Pull<>(reply.version, reply.values, reply.promises);
        PullGate.Piece piece = g.offerPiece(voter, pulled, reply.last, registers.acceptor());
        synchronized (this) {
            Progress p = progress.get(voter);
            if (g != gate || p == null || p.attempt != attempt) {
                return;
            }
            switch (piece) {
                case AGAIN -> {
                    // The voter does not know v + 1 yet: from the start, once the retry interval has passed.
                    p.attempt++;
                    p.after = "";
                }
                case TAKEN -> {
                    p.asking = false;
                    String lastWorker = pulled.lastWorker();
                    if (lastWorker != null && lastWorker.compareTo(p.after) > 0) {
                        p.after = lastWorker;
                    }
                }
                default -> {
                    // COUNTED or REPEATED: the gate has it; IGNORED cannot happen for a voter of v
                }
            }
        }
    }

    /** For tests and logs: what the gate waits for. */
    synchronized String describe() {
        if (target.version() <= 1) {
            return "open (first version)";
        }
        if (gate == null) {
            return "none: not a voter of a version after the first";
        }
        return gate.isOpen() ? "open" : "waiting for " + gate.needed() + " of " + gate.missing()
                + (target.before().isEmpty() ? " (the voters before v" + target.version() + " are not known)" : "");
    }
}

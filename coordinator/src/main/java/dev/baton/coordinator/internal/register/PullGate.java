package dev.baton.coordinator.internal.register;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a member must hold before it accepts voter change v + 2: the registers of enough voters of v
 * to meet every majority of v, each read while it knew v + 1. A value chosen under v was accepted by
 * a majority of v whose members did not know v + 1 yet (answers carry the version their acceptor
 * knew), so a voter of v that answers the pull knowing v + 1 and belongs to that majority had the
 * value, or a later one, when it answered. With n voters in v and a majority of m, that takes
 * n - m + 1 of them, whatever floor a process sets: a quorum is never smaller than a majority.
 *
 * <p>Without it: voters A, B, C; a value chosen on A and B; add D; remove A. C and D are a majority
 * of B, C, D, and neither holds the value.
 */
public final class PullGate<V> {

    private final Set<String> votersBefore;
    private final long knowing;
    private final int needed;
    private final Set<String> pulled = new HashSet<>();

    /**
     * @param votersBefore the voters of version v, two changes before the one to accept
     * @param knowing      v + 1: a pull counts only if its acceptor knew at least this version
     */
    public PullGate(Set<String> votersBefore, long knowing) {
        this(votersBefore, knowing, coverEveryMajority(votersBefore.size()));
    }

    /**
     * A gate that pulls {@code needed} of {@code from}, for a member that cannot name the voters of v
     * exactly (see {@link #whenVersionBeforeIsUnknown}).
     */
    public PullGate(Set<String> from, long knowing, int needed) {
        this.votersBefore = Set.copyOf(Objects.requireNonNull(from, "from"));
        this.knowing = knowing;
        this.needed = needed;
        if (this.votersBefore.isEmpty() || needed < 1 || needed > votersBefore.size()) {
            throw new IllegalArgumentException("pull " + needed + " of " + votersBefore.size() + " voters");
        }
    }

    /**
     * The gate of a member that knows v + 1 but not which voter v + 1 added or removed (a configuration
     * written by a release that did not name it): it pulls from the voters of v + 1, enough of them to
     * meet every majority of v whichever v was. If v + 1 removed a voter x, v is v + 1's voters and x,
     * all of them but x are voters of v, and enough of v's n = s + 1 is n - m + 1; if v + 1 added a voter
     * y, v is v + 1's voters but y, so one more than enough of v's n = s - 1 (y may be among them).
     */
    public static <V> PullGate<V> whenVersionBeforeIsUnknown(Set<String> votersAfter, long knowing) {
        int s = votersAfter.size();
        int ifRemoved = coverEveryMajority(s + 1);
        int ifAdded = s > 1 ? coverEveryMajority(s - 1) + 1 : 1;
        return new PullGate<>(votersAfter, knowing, Math.min(s, Math.max(ifRemoved, ifAdded)));
    }

    private static int coverEveryMajority(int n) {
        return n - (n / 2 + 1) + 1;
    }

    /**
     * Installs {@code pull} into {@code acceptor} and forces it, then counts it if it came from a
     * voter of v that knew v + 1. Returns whether it counted.
     */
    public boolean offer(String from, Pull<V> pull, Acceptor<V> acceptor) {
        return offerPiece(from, pull, true, acceptor) == Piece.COUNTED;
    }

    /**
     * Installs a piece of a voter's pull ({@link Acceptor#pull(String, int)}) and forces it; the voter
     * counts once its last piece is in, if every piece was read while it knew v + 1 (the caller asks
     * again from the start when this returns {@link Piece#AGAIN}).
     */
    public Piece offerPiece(String from, Pull<V> piece, boolean last, Acceptor<V> acceptor) {
        // Installed and forced outside this monitor: an accept asking whether the gate is open does not wait on a disk.
        acceptor.install(piece);
        acceptor.force();
        return count(from, piece.version(), last);
    }

    private synchronized Piece count(String from, long version, boolean last) {
        if (!votersBefore.contains(from)) {
            return Piece.IGNORED;
        }
        if (version < knowing) {
            return Piece.AGAIN;
        }
        if (last) {
            return pulled.add(from) ? Piece.COUNTED : Piece.REPEATED;
        }
        return Piece.TAKEN;
    }

    /** What became of a piece. */
    public enum Piece {
        /** Not from a voter of v. */
        IGNORED,
        /** Read before its acceptor knew v + 1: the voter's pull starts over. */
        AGAIN,
        /** Installed; more pieces follow. */
        TAKEN,
        /** The voter's last piece: it counts. */
        COUNTED,
        /** The last piece of a voter that counted already. */
        REPEATED
    }

    public synchronized boolean isOpen() {
        return pulled.size() >= needed;
    }

    /** n - m + 1: enough to meet every majority of n voters. */
    public int needed() {
        return needed;
    }

    /**
     * In name order: the voters come from {@code Set.copyOf}, whose order differs from one JVM to the
     * next, and a member asks them in this order (the simulations' draws follow it too).
     */
    public synchronized Set<String> missing() {
        Set<String> missing = new TreeSet<>(votersBefore);
        missing.removeAll(pulled);
        return missing;
    }
}

package dev.baton.coordinator.internal.register;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

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
    private final Set<String> pulled = new HashSet<>();

    /**
     * @param votersBefore the voters of version v, two changes before the one to accept
     * @param knowing      v + 1: a pull counts only if its acceptor knew at least this version
     */
    public PullGate(Set<String> votersBefore, long knowing) {
        this.votersBefore = Set.copyOf(Objects.requireNonNull(votersBefore, "votersBefore"));
        this.knowing = knowing;
        if (this.votersBefore.isEmpty()) {
            throw new IllegalArgumentException("a voters version has at least one voter");
        }
    }

    /**
     * Installs {@code pull} into {@code acceptor} and forces it, then counts it if it came from a
     * voter of v that knew v + 1. Returns whether it counted.
     */
    public boolean offer(String from, Pull<V> pull, Acceptor<V> acceptor) {
        acceptor.install(pull);
        acceptor.force();
        if (!votersBefore.contains(from) || pull.version() < knowing) {
            return false;
        }
        return pulled.add(from);
    }

    public boolean isOpen() {
        return pulled.size() >= needed();
    }

    /** n - m + 1: enough to meet every majority of n voters. */
    public int needed() {
        int n = votersBefore.size();
        return n - (n / 2 + 1) + 1;
    }

    public Set<String> missing() {
        Set<String> missing = new HashSet<>(votersBefore);
        missing.removeAll(pulled);
        return missing;
    }
}

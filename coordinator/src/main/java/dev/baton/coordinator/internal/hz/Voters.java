package dev.baton.coordinator.internal.hz;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * A committed voter configuration: the processes (node id and incarnation) whose acknowledgements
 * count towards a quorum.
 * Configurations of one cluster form a lineage, numbered by version; each version differs from
 * the one before by one process, so that a majority of one and a majority of the next always share
 * a voter. A lineage starts when a process finds a cluster without one, or when an operator resets
 * the voters of a cluster that lost a majority of them for good; when two lineages meet, every
 * member ranks them alike ({@link #yieldsTo}) and all end in the same one.
 *
 * @param lineage the cluster's lineage: its creation time (hex milliseconds), how many processes
 *                founded it, and a random tag, separated by dashes
 * @param version 1 for the configuration that started the lineage, then one more per change
 * @param ids     the voters, sorted
 * @param resets  how many operator resets lie behind this lineage: a reset's lineage wins over the one it replaced
 * @param peak    the most voters any configuration of the lineage up to this one had: it only grows
 *                along a lineage, and is the same for every member that knows this version
 * @param change  the voter this version added or removed, so that a member that first hears of this
 *                version knows the voters of the one before ({@link #before}); empty for the first
 *                version of a lineage, and when a release before named none
 */
record Voters(String lineage, long version, List<String> ids, long resets, int peak, String change) {

    /** No configuration yet: nothing counts, nobody votes. */
    static final Voters NONE = new Voters("", 0, List.of(), 0);

    Voters {
        Objects.requireNonNull(lineage, "lineage");
        ids = List.copyOf(new TreeSet<>(ids));
        peak = Math.max(peak, ids.size());
        change = change == null ? "" : change;
    }

    /** A configuration whose change is not known (saved or sent by an older release, or a lineage's first). */
    Voters(String lineage, long version, List<String> ids, long resets, int peak) {
        this(lineage, version, ids, resets, peak, "");
    }

    Voters(String lineage, long version, List<String> ids) {
        this(lineage, version, ids, 0);
    }

    /** A configuration whose peak is not known (saved or sent by an older release): its own size. */
    Voters(String lineage, long version, List<String> ids, long resets) {
        this(lineage, version, ids, resets, 0);
    }

    /** The first configuration of a new lineage: the processes present, none of which belongs to a lineage yet. */
    static Voters bootstrap(Collection<String> voterIds, long wallMillis, RandomGenerator random) {
        return new Voters(newLineage(wallMillis, voterIds.size(), random), 1, List.copyOf(voterIds), 0);
    }

    /** The first configuration of the lineage that replaces this one by an operator's decision. */
    Voters reset(Collection<String> voterIds, long wallMillis, RandomGenerator random) {
        return new Voters(newLineage(wallMillis, voterIds.size(), random), 1, List.copyOf(voterIds), resets + 1);
    }

    private static String newLineage(long wallMillis, int founders, RandomGenerator random) {
        return String.format("%012x", wallMillis) + "-" + founders + "-" + HexFormat.of().toHexDigits(random.nextLong());
    }

    /** How many processes founded the lineage (0 if its name does not say): fixed when it starts. */
    int founders() {
        String[] parts = lineage.split("-");
        if (parts.length != 3) {
            return 0;
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A voter: one process, its node id and the incarnation it drew when it started. */
    static String voterId(String nodeId, String incarnation) {
        return nodeId + "@" + incarnation;
    }

    /** The node id of a voter. */
    static String nodeOf(String voterId) {
        int at = voterId.lastIndexOf('@');
        return at < 0 ? voterId : voterId.substring(0, at);
    }

    /** The node ids of the voters, sorted: what an operator recognises. */
    List<String> nodes() {
        return ids.stream().map(Voters::nodeOf).sorted().toList();
    }

    boolean isNone() {
        return version == 0;
    }

    boolean contains(String id) {
        return ids.contains(id);
    }

    int size() {
        return ids.size();
    }

    /** How many voters a quorum takes: a majority, never fewer than {@code floor}. */
    int quorum(int floor) {
        return Math.max(floor, ids.size() / 2 + 1);
    }

    /** A majority, without the floor: what a change of the configuration itself needs. */
    int majority() {
        return ids.size() / 2 + 1;
    }

    Voters with(String id) {
        List<String> next = new ArrayList<>(ids);
        next.add(id);
        return new Voters(lineage, version + 1, next, resets, peak, id);
    }

    Voters without(String id) {
        List<String> next = new ArrayList<>(ids);
        next.remove(id);
        return new Voters(lineage, version + 1, next, resets, peak, id);
    }

    /**
     * The voters of the version before this one, undoing the change this one names; empty for a
     * lineage's first version or when the change is not known (a member must then assume nothing).
     */
    Optional<Set<String>> before() {
        if (version <= 1 || change.isEmpty()) {
            return Optional.empty();
        }
        Set<String> before = new TreeSet<>(ids);
        if (!before.remove(change)) {
            before.add(change);
        }
        return before.isEmpty() ? Optional.empty() : Optional.of(Set.copyOf(before));
    }

    /** This configuration naming the change from {@code before}, its predecessor. */
    Voters namedAfter(Voters before) {
        if (!before.isSuccessor(this)) {
            throw new IllegalArgumentException(this + " does not follow " + before);
        }
        String changed = ids.stream().filter(id -> !before.contains(id)).findFirst()
                .orElseGet(() -> before.ids.stream().filter(id -> !contains(id)).findFirst().orElseThrow());
        return new Voters(lineage, version, ids, resets, peak, changed);
    }

    /** This configuration naming its change, if it named none and {@code known} is the same one naming it. */
    Voters naming(Voters known) {
        if (!change.isEmpty() || known == null || known.change.isEmpty() || !equals(known)) {
            return this;
        }
        return new Voters(lineage, version, ids, resets, peak, known.change);
    }

    boolean sameLineage(Voters other) {
        return lineage.equals(other.lineage);
    }

    /**
     * Whether {@code other}, of another lineage, wins over this one: the one an operator reset more
     * often (a reset replaces the lineage it was given), then the one that has had more voters (the
     * fleet, rather than a few processes that started cut off from it), then the one more processes
     * founded, then the one started earlier. Every member that knows the same two versions ranks them
     * alike. A lineage's rank only grows, so a member that moves always moves up, and moves at most
     * as often as lineages grow; one that moves back to a lineage it left takes up the promises it
     * made there ({@link VoterState}). A configuration saved by a node that crashed before its
     * lineage was left ranks no higher than that lineage did when the others left it, so it never
     * wins again.
     */
    boolean yieldsTo(Voters other) {
        if (other.isNone() || sameLineage(other)) {
            return false;
        }
        if (isNone()) {
            return true;
        }
        if (other.resets != resets) {
            return other.resets > resets;
        }
        if (other.peak != peak) {
            return other.peak > peak;
        }
        if (other.founders() != founders()) {
            return other.founders() > founders();
        }
        return other.lineage.compareTo(lineage) < 0;
    }

    /** Whether {@code next} may follow this configuration: same lineage, one version on, one node more or less. */
    boolean isSuccessor(Voters next) {
        if (!sameLineage(next) || next.version != version + 1) {
            return false;
        }
        Collection<String> a = ids;
        Collection<String> b = next.ids;
        long added = b.stream().filter(id -> !a.contains(id)).count();
        long removed = a.stream().filter(id -> !b.contains(id)).count();
        return added + removed == 1;
    }

    /**
     * The peak and the change are derived from the versions before (one value is chosen per version,
     * built on the one before), so they take no part in what a configuration is.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Voters v && lineage.equals(v.lineage) && version == v.version && ids.equals(v.ids)
                && resets == v.resets;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lineage, version, ids);
    }

    @Override
    public String toString() {
        return isNone() ? "no voters" : "voters v" + version + " " + ids + " (lineage " + lineage + ")";
    }
}

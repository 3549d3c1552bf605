package dev.baton.coordinator.internal.hz;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A committed voter configuration: the node ids whose acknowledgements count towards a quorum.
 * Configurations of one cluster form a lineage, numbered by version; each version differs from
 * the one before by one node, so that a majority of one and a majority of the next always share
 * a node. A lineage starts when a node finds a cluster without one; lineages compare by age, and
 * the older one wins when two meet.
 *
 * @param lineage the cluster's lineage: its creation time (hex milliseconds), a dash, a random tag
 * @param version 1 for the configuration that started the lineage, then one more per change
 * @param ids      the voters, sorted
 * @param founders for the first configuration only: the member ids (Hazelcast's, which a restarted
 *                 process does not keep) of the processes the lineage started with; they have no
 *                 earlier life in it, so their acknowledgements count at once
 */
record Voters(String lineage, long version, List<String> ids, List<String> founders) {

    /** No configuration yet: nothing counts, nobody votes. */
    static final Voters NONE = new Voters("", 0, List.of(), List.of());

    Voters {
        Objects.requireNonNull(lineage, "lineage");
        ids = List.copyOf(new TreeSet<>(ids));
        founders = List.copyOf(new TreeSet<>(founders));
    }

    Voters(String lineage, long version, List<String> ids) {
        this(lineage, version, ids, List.of());
    }

    /** The first configuration of a new lineage: the nodes present, none of which belongs to a lineage yet. */
    static Voters bootstrap(Collection<String> nodeIds, Collection<String> memberUuids, long wallMillis) {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        return new Voters(String.format("%012x", wallMillis) + "-" + tag, 1, List.copyOf(nodeIds),
                List.copyOf(memberUuids));
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
        return new Voters(lineage, version + 1, next);
    }

    Voters without(String id) {
        List<String> next = new ArrayList<>(ids);
        next.remove(id);
        return new Voters(lineage, version + 1, next);
    }

    boolean sameLineage(Voters other) {
        return lineage.equals(other.lineage);
    }

    /** Whether {@code other}'s lineage started before this one's (so it wins when both meet). */
    boolean olderLineage(Voters other) {
        return !other.isNone() && (isNone() || other.lineage.compareTo(lineage) < 0);
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

    @Override
    public boolean equals(Object o) {
        return o instanceof Voters v && lineage.equals(v.lineage) && version == v.version && ids.equals(v.ids);
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

package dev.baton.coordinator.internal.register;

import java.util.Map;
import java.util.TreeSet;

/**
 * An acceptor's registers as another member pulls them before it accepts a voter change: every
 * value it holds with its ballot, every promise it made, and the voters version it knew when it read
 * them, under the same monitor (a version read apart from the registers could vouch for values it did
 * not cover). The promises travel too (the eighteenth review): a ballot established under v was
 * promised by a majority of v before its members knew v + 1, so the voters pulled meet that majority,
 * and a member of v + 2 that takes their promises refuses every ballot below one whose accept may still
 * reach a voter of v; without them a lower ballot could be chosen under v + 2 while a higher one,
 * accepted under v on a voter that stays, later wins a prepare.
 */
public record Pull<V>(long version, Map<String, Accepted<V>> values, Map<String, Ballot> promises) {

    public Pull {
        values = Map.copyOf(values);
        promises = Map.copyOf(promises);
    }

    /** Values without promises (anti-entropy, which raises no promise). */
    public Pull(long version, Map<String, Accepted<V>> values) {
        this(version, values, Map.of());
    }

    /** How many workers this piece covers, and the last of them in name order (null if none). */
    public int workers() {
        TreeSet<String> all = new TreeSet<>(values.keySet());
        all.addAll(promises.keySet());
        return all.size();
    }

    public String lastWorker() {
        TreeSet<String> all = new TreeSet<>(values.keySet());
        all.addAll(promises.keySet());
        return all.isEmpty() ? null : all.last();
    }
}

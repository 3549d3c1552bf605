package dev.baton.coordinator.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which node prefers which worker: rendezvous hashing with bounded loads. Each worker goes to
 * the first node in its rendezvous order that can run it and has fewer than
 * {@code ceil(1.25 * workers / nodes)} workers, so no node gets much more than its share even
 * when the hash is unlucky, and a change of nodes moves few workers. Every node computes the
 * same assignment from the same nodes and registrations.
 */
public final class Balance {

    /** How far above the average a node may go before the next node in a worker's order takes it. */
    static final double SLACK = 1.25;

    private Balance() {
    }

    /**
     * @param registered for each node, the workers it can run
     * @return for each worker, its preferred node
     */
    public static Map<String, String> assign(Map<String, Set<String>> registered) {
        Set<String> workers = new TreeSet<>();
        registered.values().forEach(workers::addAll);
        Map<String, String> assignment = new HashMap<>();
        if (registered.isEmpty() || workers.isEmpty()) {
            return assignment;
        }
        int cap = (int) Math.ceil(SLACK * workers.size() / registered.size());
        Map<String, Integer> load = new HashMap<>();
        List<String> order = new ArrayList<>(workers);
        // A fixed, name-independent order, so that no alphabetical run of workers crowds one node.
        order.sort(Comparator.comparingLong((String w) -> Rendezvous.score(w, "")).thenComparing(w -> w));
        for (String worker : order) {
            List<String> eligible = registered.entrySet().stream().filter(e -> e.getValue().contains(worker))
                    .map(Map.Entry::getKey).toList();
            List<String> ranked = Rendezvous.rank(worker, eligible);
            String chosen = ranked.stream().filter(n -> load.getOrDefault(n, 0) < cap).findFirst()
                    .orElse(ranked.getFirst());
            assignment.put(worker, chosen);
            load.merge(chosen, 1, Integer::sum);
        }
        return assignment;
    }
}

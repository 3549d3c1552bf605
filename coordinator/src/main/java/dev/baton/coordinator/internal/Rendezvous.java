package dev.baton.coordinator.internal;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;

/**
 * Highest-random-weight hashing: each worker goes to the node with the highest score for it.
 * Every node computes the same answer from the same member list; when a node leaves, only its
 * workers move, and a joining node takes about its share.
 */
public final class Rendezvous {

    private Rendezvous() {
    }

    public static Optional<String> choose(String worker, Collection<String> nodes) {
        String best = null;
        long bestScore = 0;
        for (String node : nodes) {
            long score = score(worker, node);
            if (best == null || Long.compareUnsigned(score, bestScore) > 0
                    || (score == bestScore && node.compareTo(best) < 0)) {
                best = node;
                bestScore = score;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The nodes in order of preference for {@code worker}: the first is its preferred node, the next its stand-in. */
    public static java.util.List<String> rank(String worker, Collection<String> nodes) {
        return nodes.stream()
                .sorted((a, b) -> {
                    int c = Long.compareUnsigned(score(worker, b), score(worker, a));
                    return c != 0 ? c : a.compareTo(b);
                })
                .toList();
    }

    static long score(String worker, String node) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, worker.getBytes(StandardCharsets.UTF_8));
        h = (h ^ 0xff) * 0x100000001b3L;
        h = fnv(h, node.getBytes(StandardCharsets.UTF_8));
        // FNV alone clusters on similar names (worker-1, worker-2); a final mix spreads them.
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private static long fnv(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}

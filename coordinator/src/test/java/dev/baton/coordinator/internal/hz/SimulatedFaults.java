package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;

import java.util.ArrayList;
import java.util.List;

/**
 * The faults the seeded simulations inject, each written to the run's log and undone after its
 * length. The random draws keep their order, so that a seed replays the same run in every test
 * that uses them.
 */
final class SimulatedFaults {

    /**
     * How a churn test's fleet may change.
     *
     * @param maxNodes  processes started at most (a join beyond is skipped)
     * @param leaveWait how long a leaver may wait for its seat to be handed back
     * @param slowBy    the delay a slow link adds
     * @param isolated  whether a process may start without a state while the network is split (it
     *                  then founds a lineage of its own: documented, no protocol without storage can
     *                  prevent it)
     */
    record Churn(int maxNodes, long leaveWait, long slowBy, boolean isolated) {
    }

    private SimulatedFaults() {
    }

    static boolean whole(SimulatedNetwork net) {
        return net.nodes.stream().allMatch(n -> n.cutFrom.isEmpty());
    }

    /** One random fault among crashes, restarts, leaves, joins, splits, cuts, freezes, slow links and a heal. */
    static void churn(SimulatedNetwork net, Churn churn, int t, StringBuilder log, int[] newIds) {
        List<SimulatedNetwork.SimNode> up = net.nodes.stream().filter(n -> n.up).toList();
        if (up.isEmpty()) {
            return;
        }
        SimulatedNetwork.SimNode victim = up.get(net.random.nextInt(up.size()));
        int n = net.nodes.size();
        int a = net.random.nextInt(n);
        int b = (a + 1 + net.random.nextInt(Math.max(1, n - 1))) % n;
        long length = (200 + net.random.nextInt(5000)) * MS;
        log.append(t).append(':');
        switch (net.random.nextInt(9)) {
            case 0 -> {
                log.append("crash+restart-now ").append(victim);
                net.crash(victim);
                restartLater(net, churn, victim, victim.nodeId, net.random.nextInt(300) * MS, true);
            }
            case 1 -> {
                boolean keep = net.random.nextInt(3) != 0;
                log.append("crash+restart ").append(victim).append(keep ? " with state" : " without state");
                net.crash(victim);
                restartLater(net, churn, victim, victim.nodeId, length, keep);
            }
            case 2 -> {
                String id = net.random.nextBoolean() ? victim.nodeId : "n" + (newIds[0]++);
                log.append("leave+rejoin ").append(victim).append(" as ").append(id);
                net.leave(victim, churn.leaveWait());
                restartLater(net, churn, victim, id, net.lease * 4 + length, true);
            }
            case 3 -> {
                if (net.nodes.size() < churn.maxNodes() && (churn.isolated() || whole(net))) {
                    String id = "n" + (newIds[0]++);
                    log.append("join ").append(id);
                    net.start(id);
                }
            }
            case 4 -> split(net, length, log);
            case 5 -> cut(net, a, b, length, log);
            case 6 -> freeze(net, victim, victim, length, log);
            case 7 -> slow(net, a, b, churn.slowBy(), length, log);
            default -> heal(net, log);
        }
        log.append("; ");
    }

    /**
     * A process that starts cut off without a state of the cluster founds a lineage of its own, so
     * such a process starts only while the network is whole (unless the churn allows it); one with
     * its state may come back at any time.
     */
    private static void restartLater(SimulatedNetwork net, Churn churn, SimulatedNetwork.SimNode node, String id,
                                     long after, boolean keepState) {
        net.later(after, () -> {
            if (node.up) {
                return;
            }
            boolean stateless = !keepState || !id.equals(node.nodeId) || !node.disk.load().map(
                    s -> !s.current().isNone()).orElse(false);
            if (stateless && !churn.isolated()
                    && (!whole(net) || net.nodes.stream().noneMatch(o -> o != node && o.healthy()))) {
                restartLater(net, churn, node, id, 500 * MS, keepState);
            } else {
                net.restart(node, id, keepState);
            }
        });
    }

    static void cut(SimulatedNetwork net, int a, int b, long length, StringBuilder log) {
        log.append("cut ").append(a).append('-').append(b);
        net.cut(a, b);
        net.later(length, () -> {
            net.nodes.get(a).cutFrom.remove(b);
            net.nodes.get(b).cutFrom.remove(a);
        });
    }

    /** Every process on one side or the other at random. */
    static void split(SimulatedNetwork net, long length, StringBuilder log) {
        List<Integer> x = new ArrayList<>();
        List<Integer> y = new ArrayList<>();
        net.nodes.forEach(node -> (net.random.nextBoolean() ? x : y).add(node.index));
        log.append("split ").append(x).append('|').append(y);
        net.partition(List.of(x, y));
        net.later(length, net::heal);
    }

    static void freeze(SimulatedNetwork net, SimulatedNetwork.SimNode victim, Object name, long length,
                       StringBuilder log) {
        log.append("freeze ").append(name);
        victim.frozen = true;
        net.later(length, () -> victim.frozen = false);
    }

    static void slow(SimulatedNetwork net, int a, int b, long by, long length, StringBuilder log) {
        log.append("slow ").append(a).append('>').append(b);
        net.slowLink(a, b, by);
        net.later(length, () -> net.slowLink(a, b, 0));
    }

    static void heal(SimulatedNetwork net, StringBuilder log) {
        log.append("heal");
        net.heal();
    }
}

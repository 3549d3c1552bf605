package dev.baton.node.cluster;

import com.hazelcast.core.HazelcastInstance;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator when BATON_MEMBERS cannot be what they meant: names that do not resolve at
 * start, and, a while later, a node still alone although the list names others. The node keeps
 * running either way: the others may simply not be up yet.
 */
public final class MemberListCheck {

    private static final Logger log = LoggerFactory.getLogger(MemberListCheck.class);

    private MemberListCheck() {
    }

    public static void start(List<String> members, HazelcastInstance hazelcast, int minClusterSize, Duration after) {
        for (String member : members) {
            String host = member.split(":")[0];
            try {
                InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                log.warn("BATON_MEMBERS names '{}', which does not resolve; fix the name or the DNS, or remove it",
                        member);
            }
        }
        if (members.size() < 2) {
            return;
        }
        Thread.ofVirtual().name("baton-member-list-check").start(() -> {
            try {
                Thread.sleep(after);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (hazelcast.getLifecycleService().isRunning() && hazelcast.getCluster().getMembers().size() == 1) {
                log.warn("Still alone {} after start: none of BATON_MEMBERS {} answered. Check the addresses and ports,"
                        + " that the other nodes run with the same BATON_CLUSTER_NAME, and that the port is open"
                        + " between them.{}", after, members, minClusterSize > 1
                        ? " With BATON_MIN_CLUSTER_SIZE=" + minClusterSize + " this node claims nothing until then."
                        : "");
            }
        });
    }
}

package dev.baton.node;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/** The default node id: the host name (the pod name on Kubernetes), else a random one. */
final class NodeIdentity {

    private NodeIdentity() {
    }

    static String hostName() {
        String fromEnv = System.getenv("HOSTNAME");
        if (fromEnv != null && fromEnv.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            return fromEnv;
        }
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
                return name;
            }
        } catch (UnknownHostException e) {
            // fall through to a random id
        }
        return "node-" + UUID.randomUUID().toString().substring(0, 8);
    }
}

package dev.baton.worker.spi;

import java.util.List;
import java.util.Map;

/**
 * What a coordination knows about the cluster right now, for health checks, metrics and the API.
 *
 * @param quorumPresent whether this node can claim: it sees a quorum of members and its session is valid
 * @param members       the members this node sees, itself included
 * @param quorum        how many members a renewal or a lock needs
 * @param leasesHeld    the leases this node holds now
 * @param renewals      renewals of this node's session acknowledged by other members, since start
 * @param expiredSessions sessions (this node's or others') that expired, since start
 * @param holders       for each running worker, the node running it
 * @param preferred     for each worker, the node the balance prefers
 * @param voters        the processes (node id and incarnation) whose acknowledgements count towards a quorum,
 *                      as this node knows them
 * @param lineage       the voters' lineage (empty if none is known yet): what an operator names to reset them
 * @param voter         whether this process is one of them; a node that is not yet cannot be taken away
 *                      without shrinking the cluster's tolerance of failures
 */
public record CoordinationStatus(boolean quorumPresent, int members, int quorum, int leasesHeld, long renewals,
                                 long expiredSessions, Map<String, String> holders, Map<String, String> preferred,
                                 List<String> voters, String lineage, boolean voter) {

    public CoordinationStatus {
        holders = Map.copyOf(holders);
        preferred = Map.copyOf(preferred);
        voters = List.copyOf(voters);
    }
}

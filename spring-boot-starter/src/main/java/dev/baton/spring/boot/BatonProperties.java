package dev.baton.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Baton's settings under {@code baton.*}: the same names and defaults as the node's
 * {@code BATON_*} settings that apply to an embedded node. The member settings ({@code bind},
 * {@code port}, {@code members}, {@code k8s-service-dns}, {@code cluster-name}) are used only when
 * Baton builds the Hazelcast member itself, that is when the application has no
 * {@code HazelcastInstance} of its own.
 */
@ConfigurationProperties("baton")
public class BatonProperties {

    /** Whether Baton runs in this application. */
    private boolean enabled = true;
    /** This node's id in logs and records, unique among running nodes; default: the host name. */
    private String nodeId;
    /** An optional floor: never claim with fewer voters than this; 2 keeps a node that starts cut off from running alone. */
    private int minClusterSize = 1;
    /** How long a voter may be gone without leaving before the others remove it. */
    private Duration voterRemovalDelay = Duration.ofSeconds(30);
    /**
     * A directory where this node keeps its voter state, so that a restart with it takes the node's
     * voter seat back at once; default: none (every process is a new voter).
     */
    private java.nio.file.Path stateDir;
    /** How long an execution keeps its lease without a renewal a quorum acknowledged. */
    private Duration lease = Duration.ofSeconds(5);
    /** On shutdown, how long running executions may finish before they are interrupted. */
    private Duration shutdownGrace = Duration.ofSeconds(10);
    /** How long before a slot's instant the node that prefers the worker claims it; 0 claims at the instant. */
    private Duration claimAhead = Duration.ofMillis(100);
    /** Hazelcast's heartbeat interval. */
    private Duration heartbeat = Duration.ofSeconds(1);
    /** A member silent this long is removed from the cluster. */
    private Duration heartbeatTimeout = Duration.ofSeconds(5);
    /** After a split, how soon and how often the sides look for each other to merge. */
    private Duration mergeDelay = Duration.ofSeconds(10);
    /** Label execution metrics with the worker's name; turn off for thousands of workers. */
    private boolean metricsPerWorker = true;
    /** The Hazelcast cluster name; members join only a cluster of the same name. */
    private String clusterName = "baton";
    /** The address to bind and advertise to other members; default: Hazelcast picks. */
    private String bind;
    /** The member port. */
    private int port = 5701;
    /** TCP-IP discovery: the members to join, as host or host:port. */
    private List<String> members = new ArrayList<>();
    /** Kubernetes DNS discovery: a headless service name (a docker-compose service name works too). */
    private String k8sServiceDns;

    /** @return whether Baton runs */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether Baton runs */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @return this node's id, or null for the host name */
    public String getNodeId() {
        return nodeId;
    }

    /** @param nodeId this node's id */
    public void setNodeId(String nodeId) {
        this.nodeId = nodeId;
    }

    /** @return the floor */
    public int getMinClusterSize() {
        return minClusterSize;
    }

    /** @param minClusterSize the floor, at least 1 */
    public void setMinClusterSize(int minClusterSize) {
        this.minClusterSize = minClusterSize;
    }

    /** @return the voter removal delay */
    public Duration getVoterRemovalDelay() {
        return voterRemovalDelay;
    }

    /** @param voterRemovalDelay the voter removal delay */
    public void setVoterRemovalDelay(Duration voterRemovalDelay) {
        this.voterRemovalDelay = voterRemovalDelay;
    }

    /** @return the voter state directory, or null */
    public java.nio.file.Path getStateDir() {
        return stateDir;
    }

    /** @param stateDir the voter state directory */
    public void setStateDir(java.nio.file.Path stateDir) {
        this.stateDir = stateDir;
    }

    /** @return the lease */
    public Duration getLease() {
        return lease;
    }

    /** @param lease the lease, at least 500 ms */
    public void setLease(Duration lease) {
        this.lease = lease;
    }

    /** @return the shutdown grace */
    public Duration getShutdownGrace() {
        return shutdownGrace;
    }

    /** @param shutdownGrace the shutdown grace */
    public void setShutdownGrace(Duration shutdownGrace) {
        this.shutdownGrace = shutdownGrace;
    }

    /** @return how long before a slot's instant it is claimed */
    public Duration getClaimAhead() {
        return claimAhead;
    }

    /** @param claimAhead how long before a slot's instant it is claimed (0 to 1 s) */
    public void setClaimAhead(Duration claimAhead) {
        this.claimAhead = claimAhead;
    }

    /** @return the heartbeat interval */
    public Duration getHeartbeat() {
        return heartbeat;
    }

    /** @param heartbeat the heartbeat interval */
    public void setHeartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    /** @return the heartbeat timeout */
    public Duration getHeartbeatTimeout() {
        return heartbeatTimeout;
    }

    /** @param heartbeatTimeout the heartbeat timeout */
    public void setHeartbeatTimeout(Duration heartbeatTimeout) {
        this.heartbeatTimeout = heartbeatTimeout;
    }

    /** @return the merge delay */
    public Duration getMergeDelay() {
        return mergeDelay;
    }

    /** @param mergeDelay the merge delay */
    public void setMergeDelay(Duration mergeDelay) {
        this.mergeDelay = mergeDelay;
    }

    /** @return whether metrics carry the worker's name */
    public boolean isMetricsPerWorker() {
        return metricsPerWorker;
    }

    /** @param metricsPerWorker whether metrics carry the worker's name */
    public void setMetricsPerWorker(boolean metricsPerWorker) {
        this.metricsPerWorker = metricsPerWorker;
    }

    /** @return the cluster name */
    public String getClusterName() {
        return clusterName;
    }

    /** @param clusterName the cluster name */
    public void setClusterName(String clusterName) {
        this.clusterName = clusterName;
    }

    /** @return the bind address, or null */
    public String getBind() {
        return bind;
    }

    /** @param bind the bind address */
    public void setBind(String bind) {
        this.bind = bind;
    }

    /** @return the member port */
    public int getPort() {
        return port;
    }

    /** @param port the member port */
    public void setPort(int port) {
        this.port = port;
    }

    /** @return the members to join */
    public List<String> getMembers() {
        return members;
    }

    /** @param members the members to join */
    public void setMembers(List<String> members) {
        this.members = members;
    }

    /** @return the headless service name, or null */
    public String getK8sServiceDns() {
        return k8sServiceDns;
    }

    /** @param k8sServiceDns the headless service name */
    public void setK8sServiceDns(String k8sServiceDns) {
        this.k8sServiceDns = k8sServiceDns;
    }
}

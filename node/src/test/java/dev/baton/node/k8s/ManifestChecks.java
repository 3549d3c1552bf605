package dev.baton.node.k8s;

import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.node.BatonNode;
import dev.baton.node.config.NodeSettings;
import dev.baton.node.config.Setting;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1HTTPGetAction;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicyIngressRule;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPort;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What no schema can see: the objects of the deployment must fit each other and Baton. Each check
 * adds a sentence naming the object, what is wrong and what it should be.
 */
final class ManifestChecks {

    private static final int MEMBER_PORT = 5701;
    private static final int HTTP_PORT = 8080;

    private final Manifests m;
    private final List<String> problems = new ArrayList<>();

    private ManifestChecks(Manifests manifests) {
        this.m = manifests;
    }

    static List<String> problems(Manifests manifests) {
        ManifestChecks checks = new ManifestChecks(manifests);
        checks.problems.addAll(manifests.problems());
        if (manifests.problems().isEmpty()) {
            checks.run();
        }
        return checks.problems;
    }

    private void problem(String format, Object... args) {
        problems.add(String.format(format, args));
    }

    private void run() {
        V1StatefulSet sts = m.one(V1StatefulSet.class);
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        V1PodSpec pod = sts.getSpec().getTemplate().getSpec();
        V1Container baton = pod.getContainers().get(0);
        Map<String, String> env = environment(baton);

        if (!selects(sts.getSpec().getSelector(), podLabels)) {
            problem("StatefulSet %s: its selector %s does not match its pod labels %s", name(sts),
                    sts.getSpec().getSelector().getMatchLabels(), podLabels);
        }
        checkServices(sts, podLabels, baton);
        checkProbes(baton);
        checkDrain(pod, env);
        checkQuorum(sts, env, podLabels);
        checkSettings(env);
        checkSecurity(pod, baton);
        checkState(env, baton);
        checkNetworkPolicy(podLabels, baton);
    }

    private void checkServices(V1StatefulSet sts, Map<String, String> podLabels, V1Container baton) {
        Optional<V1Service> headless = m.all(V1Service.class).stream()
                .filter(s -> "None".equals(s.getSpec().getClusterIP())).findFirst();
        if (headless.isEmpty()) {
            problem("no headless Service (clusterIP: None): Hazelcast's DNS discovery needs one");
        } else {
            V1Service hs = headless.get();
            if (!Boolean.TRUE.equals(hs.getSpec().getPublishNotReadyAddresses())) {
                problem("Service %s: set publishNotReadyAddresses: true, or a starting pod, not ready before it"
                        + " joins, can never find the cluster", name(hs));
            }
            if (!hs.getMetadata().getName().equals(sts.getSpec().getServiceName())) {
                problem("StatefulSet %s: serviceName %s should be the headless Service %s", name(sts),
                        sts.getSpec().getServiceName(), name(hs));
            }
            String dns = environment(baton).getOrDefault(NodeSettings.K8S_SERVICE_DNS.name(), "");
            if (!dns.equals(name(hs)) && !dns.startsWith(name(hs) + ".")) {
                problem("%s is '%s' but the headless Service is %s", NodeSettings.K8S_SERVICE_DNS.name(), dns,
                        name(hs));
            }
            if (hs.getSpec().getPorts().stream().noneMatch(p -> p.getPort() == MEMBER_PORT)) {
                problem("Service %s: no port %d, the member port", name(hs), MEMBER_PORT);
            }
        }
        if (m.all(V1Service.class).stream().noneMatch(s -> s.getSpec().getPorts().stream()
                .anyMatch(p -> targets(p, baton, HTTP_PORT)) && !"None".equals(s.getSpec().getClusterIP()))) {
            problem("no Service for HTTP (port %d: dashboard, API, /metrics)", HTTP_PORT);
        }
        for (V1Service service : m.all(V1Service.class)) {
            if (!podLabels.entrySet().containsAll(service.getSpec().getSelector().entrySet())) {
                problem("Service %s: its selector %s matches no pod of StatefulSet %s (labels %s)", name(service),
                        service.getSpec().getSelector(), name(sts), podLabels);
            }
            for (V1ServicePort port : service.getSpec().getPorts()) {
                if (containerPort(baton, port.getTargetPort()).isEmpty()) {
                    problem("Service %s: targetPort %s is not a port of container %s", name(service),
                            port.getTargetPort(), baton.getName());
                }
            }
        }
    }

    private void checkProbes(V1Container baton) {
        probe(baton, "startupProbe", baton.getStartupProbe(), "/health/live");
        probe(baton, "readinessProbe", baton.getReadinessProbe(), "/health/ready");
        probe(baton, "livenessProbe", baton.getLivenessProbe(), "/health/live");
    }

    private void probe(V1Container c, String what, V1Probe probe, String path) {
        V1HTTPGetAction get = probe == null ? null : probe.getHttpGet();
        if (get == null) {
            problem("container %s: %s must be an httpGet of %s", c.getName(), what, path);
            return;
        }
        if (!path.equals(get.getPath())) {
            problem("container %s: %s should ask %s, not %s%s", c.getName(), what, path, get.getPath(),
                    path.equals("/health/live") ? " (a node cut off from the cluster must not be restarted)" : "");
        }
        if (!containerPort(c, get.getPort()).map(p -> p.getContainerPort() == HTTP_PORT).orElse(false)) {
            problem("container %s: %s port %s is not the HTTP port %d of the container", c.getName(), what,
                    get.getPort(), HTTP_PORT);
        }
    }

    private void checkDrain(V1PodSpec pod, Map<String, String> env) {
        Duration grace = parse(NodeSettings.SHUTDOWN_GRACE, env);
        Duration lease;
        try {
            lease = parse(NodeSettings.LEASE, env);
        } catch (RuntimeException e) {
            lease = NodeSettings.LEASE.parse(NodeSettings.LEASE.defaultValue()); // checkSettings names the bad value
        }
        Duration leaving = BatonNode.leaveClusterLimit(lease);
        Duration drain = grace.plus(leaving);
        long termination = Objects.requireNonNullElse(pod.getTerminationGracePeriodSeconds(), 30L);
        if (termination <= drain.toSeconds()) {
            problem("terminationGracePeriodSeconds %d must exceed Baton's drain of %d s (%s %s + leaving the"
                    + " cluster %d s), or the kubelet kills executions mid-hand-over", termination, drain.toSeconds(),
                    NodeSettings.SHUTDOWN_GRACE.name(), grace, leaving.toSeconds());
        }
    }

    /**
     * Quorums are majorities of the voters, which follow the fleet by themselves, so no number here
     * must follow the replica count. BATON_MIN_CLUSTER_SIZE is a floor: at 2, a pod that restarts cut
     * off from the others cannot run workers alone in a cluster of its own; it must stay below what
     * one pod down leaves.
     */
    private void checkQuorum(V1StatefulSet sts, Map<String, String> env, Map<String, String> podLabels) {
        int replicas = Objects.requireNonNullElse(sts.getSpec().getReplicas(), 1);
        int quorum = parse(NodeSettings.MIN_CLUSTER_SIZE, env);
        if (replicas > 1 && quorum < 2) {
            problem("%s %d with %d replicas: a pod that restarts cut off from the others founds a cluster of its own"
                    + " and runs every worker alone; set it to 2", NodeSettings.MIN_CLUSTER_SIZE.name(), quorum,
                    replicas);
        }
        if (quorum > replicas - 1) {
            problem("%s %d leaves no room for one pod down of %d replicas: every rolling update would stop all"
                    + " work", NodeSettings.MIN_CLUSTER_SIZE.name(), quorum, replicas);
        }
        var strategy = sts.getSpec().getUpdateStrategy();
        if (strategy == null || !"RollingUpdate".equals(strategy.getType())) {
            problem("StatefulSet %s: updateStrategy must be RollingUpdate", name(sts));
        } else if (strategy.getRollingUpdate() != null && strategy.getRollingUpdate().getMaxUnavailable() != null
                && replicas - intValue(strategy.getRollingUpdate().getMaxUnavailable(), replicas) < quorum) {
            problem("StatefulSet %s: maxUnavailable %s takes the fleet below %s %d during a rolling update",
                    name(sts), strategy.getRollingUpdate().getMaxUnavailable(), NodeSettings.MIN_CLUSTER_SIZE.name(),
                    quorum);
        }

        List<V1PodDisruptionBudget> pdbs = m.all(V1PodDisruptionBudget.class);
        if (pdbs.isEmpty()) {
            problem("no PodDisruptionBudget: a node drain could take every replica at once");
        }
        for (V1PodDisruptionBudget pdb : pdbs) {
            if (!selects(pdb.getSpec().getSelector(), podLabels)) {
                problem("PodDisruptionBudget %s: its selector does not match the pods of StatefulSet %s", name(pdb),
                        name(sts));
            }
            int available = pdb.getSpec().getMinAvailable() != null
                    ? intValue(pdb.getSpec().getMinAvailable(), replicas)
                    : replicas - intValue(pdb.getSpec().getMaxUnavailable(), replicas);
            if (available < quorum) {
                problem("PodDisruptionBudget %s: lets the fleet fall to %d pods, below %s %d", name(pdb), available,
                        NodeSettings.MIN_CLUSTER_SIZE.name(), quorum);
            }
        }

        checkRecordCopies("StatefulSet " + name(sts) + ": replicas", replicas);
        for (V2HorizontalPodAutoscaler hpa : m.all(V2HorizontalPodAutoscaler.class)) {
            checkRecordCopies("HorizontalPodAutoscaler " + name(hpa) + ": maxReplicas", hpa.getSpec().getMaxReplicas());
            var target = hpa.getSpec().getScaleTargetRef();
            if (!"StatefulSet".equals(target.getKind()) || !name(sts).equals(target.getName())
                    || !"apps/v1".equals(target.getApiVersion())) {
                problem("HorizontalPodAutoscaler %s: scaleTargetRef %s/%s %s is not the StatefulSet %s", name(hpa),
                        target.getApiVersion(), target.getKind(), target.getName(), name(sts));
            }
            int min = Objects.requireNonNullElse(hpa.getSpec().getMinReplicas(), 1);
            if (min <= quorum) {
                problem("HorizontalPodAutoscaler %s: minReplicas %d must exceed %s %d, or one pod down stops all"
                        + " work", name(hpa), min, NodeSettings.MIN_CLUSTER_SIZE.name(), quorum);
            }
            var down = hpa.getSpec().getBehavior() == null ? null : hpa.getSpec().getBehavior().getScaleDown();
            if (down == null || down.getStabilizationWindowSeconds() == null
                    || down.getStabilizationWindowSeconds() < 300) {
                problem("HorizontalPodAutoscaler %s: scale down calmly (behavior.scaleDown."
                        + "stabilizationWindowSeconds >= 300): every membership change re-spreads workers", name(hpa));
            }
        }
    }

    /** Whether the majority side of any split of {@code pods} keeps a copy of every record. */
    private void checkRecordCopies(String what, int pods) {
        int copies = HazelcastCoordination.RECORD_COPIES;
        if (pods > 2 * copies) {
            problem("%s %d: each record has at most %d copies (Hazelcast's most backups), and the majority side of"
                    + " a split of more than %d pods may hold none of them (it would forget pauses and triggers, and"
                    + " run a slot just claimed again); keep the fleet at %d pods or fewer", what, pods, copies,
                    2 * copies, 2 * copies);
        }
    }

    /** Every BATON_* variable is a setting the node knows, with a value it accepts. */
    private void checkSettings(Map<String, String> env) {
        Map<String, Setting<?>> known = new HashMap<>();
        NodeSettings.ALL.forEach(s -> known.put(s.name(), s));
        env.forEach((name, value) -> {
            if (!name.startsWith("BATON_")) {
                return;
            }
            Setting<?> setting = known.get(name);
            if (setting == null) {
                problem("%s is not a Baton setting (see the README's configuration table)", name);
            } else if (value != null) {
                try {
                    setting.parse(value.replace("$(POD_NAMESPACE)", "baton"));
                } catch (RuntimeException e) {
                    problem("%s=%s is refused by the node: %s", name, value, e.getMessage());
                }
            }
        });
    }

    private void checkSecurity(V1PodSpec pod, V1Container baton) {
        if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
            problem("automountServiceAccountToken must be false: DNS discovery needs no API access");
        }
        var podSecurity = pod.getSecurityContext();
        if (podSecurity == null || !Boolean.TRUE.equals(podSecurity.getRunAsNonRoot())) {
            problem("the pod must set runAsNonRoot: true");
        }
        var sc = baton.getSecurityContext();
        if (sc == null || !Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())
                || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()) || sc.getCapabilities() == null
                || sc.getCapabilities().getDrop() == null || !sc.getCapabilities().getDrop().contains("ALL")) {
            problem("container %s: needs readOnlyRootFilesystem: true, allowPrivilegeEscalation: false and"
                    + " capabilities.drop [ALL]", baton.getName());
        } else if (baton.getVolumeMounts() == null
                || baton.getVolumeMounts().stream().noneMatch(v -> "/tmp".equals(v.getMountPath()))) {
            problem("container %s: a read-only root needs a writable /tmp (an emptyDir) for the JVM",
                    baton.getName());
        }
        if (pod.getTopologySpreadConstraints() == null || pod.getTopologySpreadConstraints().isEmpty()) {
            problem("no topologySpreadConstraints: all replicas could land on one machine");
        }
        for (V1EnvVar var : Objects.requireNonNullElse(baton.getEnv(), List.<V1EnvVar>of())) {
            if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
                var ref = var.getValueFrom().getSecretKeyRef();
                boolean found = m.all(V1Secret.class).stream().anyMatch(s -> name(s).equals(ref.getName())
                        && (keys(s.getStringData()).contains(ref.getKey()) || keys(s.getData()).contains(ref.getKey())));
                if (!found) {
                    problem("%s refers to key %s of Secret %s, which the manifests do not define", var.getName(),
                            ref.getKey(), ref.getName());
                }
            }
        }
    }

    /** The voter state must live on a volume: on the read-only root the node could not start, without it no seat survives a crash. */
    private void checkState(Map<String, String> env, V1Container baton) {
        String dir = env.get("BATON_STATE_DIR");
        if (dir == null) {
            problem("BATON_STATE_DIR is not set: a pod whose container crashes comes back as a new voter, and losing"
                    + " two at once stalls a fleet of three; set it to a mounted volume (an emptyDir)");
            return;
        }
        boolean mounted = baton.getVolumeMounts() != null && baton.getVolumeMounts().stream()
                .anyMatch(v -> (dir + "/").startsWith(v.getMountPath().endsWith("/") ? v.getMountPath()
                        : v.getMountPath() + "/") && !Boolean.TRUE.equals(v.getReadOnly()));
        if (!mounted) {
            problem("BATON_STATE_DIR=%s is not on a writable volume of container %s: mount one (an emptyDir) there",
                    dir, baton.getName());
        }
    }

    private void checkNetworkPolicy(Map<String, String> podLabels, V1Container baton) {
        List<V1NetworkPolicy> policies = m.all(V1NetworkPolicy.class);
        if (policies.isEmpty()) {
            problem("no NetworkPolicy: anything in the cluster can join or read the Hazelcast member port");
        }
        boolean membersReachEachOther = policies.stream().flatMap(p -> Objects.requireNonNullElse(
                p.getSpec().getIngress(), List.<V1NetworkPolicyIngressRule>of()).stream())
                .anyMatch(rule -> (rule.getPorts() == null || rule.getPorts().stream().anyMatch(p -> isMemberPort(p,
                        baton))) && (rule.getFrom() == null || rule.getFrom().stream()
                        .anyMatch(peer -> peer.getPodSelector() != null && selects(peer.getPodSelector(), podLabels))));
        if (!policies.isEmpty() && !membersReachEachOther) {
            problem("the NetworkPolicies shut the member port %d to Baton's own pods: they cannot form a cluster",
                    MEMBER_PORT);
        }
        for (V1NetworkPolicy policy : policies) {
            if (!selects(policy.getSpec().getPodSelector(), podLabels)) {
                problem("NetworkPolicy %s: its podSelector does not match Baton's pods", name(policy));
            }
            for (V1NetworkPolicyIngressRule rule : Objects.requireNonNullElse(policy.getSpec().getIngress(),
                    List.<V1NetworkPolicyIngressRule>of())) {
                boolean memberPort = rule.getPorts() == null || rule.getPorts().stream()
                        .anyMatch(p -> isMemberPort(p, baton));
                boolean onlyBaton = rule.getFrom() != null && !rule.getFrom().isEmpty() && rule.getFrom().stream()
                        .allMatch(peer -> peer.getPodSelector() != null && peer.getNamespaceSelector() == null
                                && peer.getIpBlock() == null && selects(peer.getPodSelector(), podLabels));
                if (memberPort && !onlyBaton) {
                    problem("NetworkPolicy %s: a rule opens the member port %d to more than Baton's pods",
                            name(policy), MEMBER_PORT);
                }
            }
        }
    }

    private boolean isMemberPort(V1NetworkPolicyPort port, V1Container baton) {
        return port.getPort() == null || containerPort(baton, port.getPort())
                .map(p -> p.getContainerPort() == MEMBER_PORT).orElse(false);
    }

    private static boolean targets(V1ServicePort port, V1Container c, int containerPort) {
        IntOrString target = port.getTargetPort() != null ? port.getTargetPort() : new IntOrString(port.getPort());
        return containerPort(c, target).map(p -> p.getContainerPort() == containerPort).orElse(false);
    }

    private static Optional<V1ContainerPort> containerPort(V1Container c, IntOrString port) {
        if (port == null || c.getPorts() == null) {
            return Optional.empty();
        }
        return c.getPorts().stream().filter(p -> port.isInteger()
                ? p.getContainerPort().equals(port.getIntValue()) : port.getStrValue().equals(p.getName()))
                .findFirst();
    }

    private static boolean selects(V1LabelSelector selector, Map<String, String> labels) {
        return selector != null && selector.getMatchLabels() != null && !selector.getMatchLabels().isEmpty()
                && labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
    }

    /** The container's environment as the node sees it: the ConfigMaps it loads, then its own env. */
    private Map<String, String> environment(V1Container c) {
        Map<String, String> env = new HashMap<>();
        if (c.getEnvFrom() != null) {
            c.getEnvFrom().forEach(from -> {
                if (from.getConfigMapRef() != null) {
                    Optional<V1ConfigMap> map = m.all(V1ConfigMap.class).stream()
                            .filter(cm -> name(cm).equals(from.getConfigMapRef().getName())).findFirst();
                    if (map.isEmpty()) {
                        problem("container %s: envFrom refers to ConfigMap %s, which the manifests do not define",
                                c.getName(), from.getConfigMapRef().getName());
                    } else if (map.get().getData() != null) {
                        env.putAll(map.get().getData());
                    }
                }
            });
        }
        if (c.getEnv() != null) {
            c.getEnv().forEach(v -> env.put(v.getName(), v.getValue()));
        }
        return env;
    }

    private <T> T parse(Setting<T> setting, Map<String, String> env) {
        String value = env.get(setting.name());
        return value == null ? setting.parse(setting.defaultValue()) : setting.parse(value);
    }

    private static int intValue(IntOrString value, int of) {
        if (value.isInteger()) {
            return value.getIntValue();
        }
        String percent = value.getStrValue().replace("%", "");
        return (int) Math.ceil(Integer.parseInt(percent) * of / 100.0);
    }

    private static java.util.Set<String> keys(Map<String, ?> map) {
        return map == null ? java.util.Set.of() : map.keySet();
    }

    private static String name(Object o) {
        try {
            var meta = o.getClass().getMethod("getMetadata").invoke(o);
            return (String) meta.getClass().getMethod("getName").invoke(meta);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.baton.node.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The manifests in {@code k8s/} as {@code kubectl apply -k k8s/} sends them: strictly valid
 * Kubernetes objects that fit each other and Baton. Each broken copy must be caught, so that the
 * checks are known to look.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of(System.getProperty("baton.repo.root", "..")).resolve("k8s");

    @TempDir
    Path copy;

    @Test
    void theManifestsAreValidAndConsistent() throws IOException {
        Manifests manifests = Manifests.load(K8S);

        assertThat(ManifestChecks.problems(manifests)).isEmpty();
        assertThat(manifests.objects()).hasSize(9);
    }

    @ParameterizedTest(name = "{0}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            statefulset.yaml       | '  replicas: 3'                       | '  replica: 3'                       | Unknown field
            statefulset.yaml       | '  replicas: 3'                       | '  replicas: three'                  | wrong type
            statefulset.yaml       | '        - name: baton'               | '        - stdin: false'              | missing required name
            statefulset.yaml       | 'apiVersion: apps/v1'                 | 'apiVersion: apps/v1beta1'           | old apiVersion
            statefulset.yaml       | '      app.kubernetes.io/name: baton' | '      app.kubernetes.io/name: batn' | selector vs labels
            statefulset.yaml       | '              path: /health/ready'   | '              path: /health/live'   | readiness ignores quorum
            statefulset.yaml       | '              port: http'            | '              port: web'            | probe port
            statefulset.yaml       | 'terminationGracePeriodSeconds: 75'   | 'terminationGracePeriodSeconds: 30'  | grace below drain
            configmap.yaml         | 'BATON_LEASE: 5s'                     | 'BATON_LEASE: 10s'                   | a longer lease outgrows the grace
            statefulset.yaml       | 'readOnlyRootFilesystem: true'        | 'readOnlyRootFilesystem: false'      | writable root
            statefulset.yaml       | 'automountServiceAccountToken: false' | 'automountServiceAccountToken: true' | API token mounted
            statefulset.yaml       | '  serviceName: baton-hs'             | '  serviceName: baton'               | serviceName
            statefulset.yaml       | '                  key: token'        | '                  key: tokn'        | secret key
            configmap.yaml         | 'BATON_MIN_CLUSTER_SIZE: "2"'         | 'BATON_MIN_CLUSTER_SIZE: "1"'        | a pod restarting alone runs everything
            configmap.yaml         | 'BATON_MIN_CLUSTER_SIZE: "2"'         | 'BATON_MIN_CLUSTER_SIZE: "3"'        | floor of all replicas
            configmap.yaml         | 'BATON_STATE_DIR: /var/lib/baton'     | 'BATON_STATE_DIR: /var/baton'        | state on the read-only root
            configmap.yaml         | 'BATON_STATE_DIR: /var/lib/baton'     | ''                                    | no voter state
            configmap.yaml         | 'BATON_LEASE: 5s'                     | 'BATON_LEASE: 5 parsecs'             | bad setting value
            configmap.yaml         | 'BATON_LEASE: 5s'                     | 'BATON_LEASES: 5s'                   | unknown setting
            configmap.yaml         | 'BATON_SHUTDOWN_GRACE: 10s'           | 'BATON_SHUTDOWN_GRACE: 30s'          | drain above grace
            service-headless.yaml  | 'publishNotReadyAddresses: true'      | 'publishNotReadyAddresses: false'    | discovery of unready pods
            service-headless.yaml  | '      targetPort: hazelcast'         | '      targetPort: hz'               | service target port
            service.yaml           | '  selector:'                         | '  selector:\n    tier: web'          | service selector
            poddisruptionbudget.yaml | 'minAvailable: 2'                   | 'minAvailable: 1'                    | PDB below the floor
            horizontalpodautoscaler.yaml | '    name: baton'                | '    name: batn'                      | HPA target
            horizontalpodautoscaler.yaml | 'stabilizationWindowSeconds: 600' | 'stabilizationWindowSeconds: 30'  | restless scale down
            horizontalpodautoscaler.yaml | 'minReplicas: 3'                  | 'minReplicas: 2'                     | HPA min at the floor
            networkpolicy.yaml     | '        - port: hazelcast'           | '        - port: 5702'                | member port closed to members
            networkpolicy.yaml     | '        - podSelector:'               | '        - namespaceSelector: {}\n          podSelector:' | member port open to all namespaces
            kustomization.yaml     | '  - networkpolicy.yaml'              | ''                                    | unlisted file
            """)
    void aBrokenCopyIsCaught(String file, String original, String broken, String what) throws IOException {
        copyManifests();
        Path target = copy.resolve(file);
        String text = Files.readString(target);
        assertThat(text).as("the manifest to break").contains(original);
        Files.writeString(target, text.replaceFirst(java.util.regex.Pattern.quote(original),
                java.util.regex.Matcher.quoteReplacement(broken.replace("\\n", "\n"))));

        List<String> problems = ManifestChecks.problems(Manifests.load(copy));

        assertThat(problems).as(what).isNotEmpty();
    }

    /** The voters follow the fleet: scaling out to any size needs no other number changed. */
    @Test
    void scalingOutNeedsNothingElseRetuned() throws IOException {
        copyManifests();
        Path hpa = copy.resolve("horizontalpodautoscaler.yaml");
        Files.writeString(hpa, Files.readString(hpa).replace("maxReplicas: 5", "maxReplicas: 9"));
        Path sts = copy.resolve("statefulset.yaml");
        Files.writeString(sts, Files.readString(sts).replace("  replicas: 3", "  replicas: 7"));

        assertThat(ManifestChecks.problems(Manifests.load(copy))).isEmpty();
    }

    /** Seven copies of each record cover splits of up to fourteen pods; an autoscaler allowed more is refused. */
    @Test
    void anAutoscalerAllowedMorePodsThanTheRecordCopiesCoverIsRefused() throws IOException {
        copyManifests();
        Path hpa = copy.resolve("horizontalpodautoscaler.yaml");
        Files.writeString(hpa, Files.readString(hpa).replace("maxReplicas: 5", "maxReplicas: 15"));

        assertThat(ManifestChecks.problems(Manifests.load(copy))).singleElement().asString()
                .contains("maxReplicas 15")
                .contains("at most 7 copies")
                .contains("keep the fleet at 14 pods or fewer");
    }

    @Test
    void aProblemSaysWhatIsWrongAndWhatItShouldBe() throws IOException {
        copyManifests();
        Path sts = copy.resolve("statefulset.yaml");
        Files.writeString(sts, Files.readString(sts).replace("terminationGracePeriodSeconds: 75",
                "terminationGracePeriodSeconds: 30"));

        assertThat(ManifestChecks.problems(Manifests.load(copy))).singleElement().asString()
                .contains("terminationGracePeriodSeconds 30 must exceed Baton's drain of 57 s");
    }

    private void copyManifests() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
    }
}

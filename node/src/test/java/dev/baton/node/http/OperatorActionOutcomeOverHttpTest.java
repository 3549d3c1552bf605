package dev.baton.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.node.ops.ClusterDirectory;
import dev.baton.node.ops.ClusterHistory;
import dev.baton.node.ops.ClusterView;
import dev.baton.node.ops.WorkerSpec;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationStatus;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An operator action whose outcome the cluster could not tell (review s36c): the HTTP API answered
 * every failure with 503 "the cluster could not answer: IllegalStateException; try again", and the
 * operator (or a client retrying on 503) triggered again: the double run the coordination refused
 * to risk. The answer now carries the coordination's message, which says what to do.
 */
class OperatorActionOutcomeOverHttpTest {

    private static final String TOKEN = "review-token-0123456789abcdef";
    static final String UNKNOWN = "could not tell whether trigger of worker 'w' took effect: the cluster's answer was lost"
            + " and another action on the worker followed; check the worker's state and act again if needed";

    private HazelcastInstance hazelcast;
    private HttpApi http;

    @BeforeEach
    void start() throws Exception {
        Config config = new Config().setClusterName("op-outcome-" + System.nanoTime());
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        hazelcast = Hazelcast.newHazelcastInstance(config);
        ClusterDirectory directory = new ClusterDirectory(hazelcast);
        directory.publish(new WorkerSpec("w", "fixedRate", 5000, null, null, null, "every 5s", 1000, "RUN_ONCE", "RERUN"));
        ClusterHistory history = new ClusterHistory(hazelcast, 10, Duration.ofSeconds(1));
        Coordination coordination = (Coordination) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Coordination.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "read" -> Optional.empty();
                    case "now" -> Instant.now();
                    case "nodeId" -> "a";
                    case "status" -> new CoordinationStatus(true, 1, 1, 0, 0, 0, Map.of(), Map.of(), List.of("a"), "l", true);
                    case "trigger" -> throw new IllegalStateException(UNKNOWN);
                    case "toString" -> "coordination";
                    case "hashCode" -> 1;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        http = new HttpApi(new InetSocketAddress("127.0.0.1", 0), Optional::empty);
        http.routes(new Routes(new ClusterView(hazelcast, coordination, directory, history), null, Optional::empty,
                Optional.of(TOKEN), coordination, 10));
        http.start();
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        if (hazelcast != null) {
            hazelcast.shutdown();
        }
    }

    @Test
    void aTriggerWhoseOutcomeIsUnknownIsNotAnsweredTryAgain() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + http.port() + "/api/workers/w/trigger"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(response.body()).as("what the operator reads")
                .contains("could not tell whether trigger").doesNotContain("try again");
    }
}

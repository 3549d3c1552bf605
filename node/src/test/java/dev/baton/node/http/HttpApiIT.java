package dev.baton.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.node.BatonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint against a real two-node cluster. The tests run in any order: each one that
 * changes a worker has a worker of its own, and the quorum test stops a node of a pair of its own.
 */
@Order(9)
class HttpApiIT {

    private static TwoNodes nodes;

    @BeforeAll
    static void start() {
        // drill-0001 is read, drill-0002 triggered, drill-0003 paused.
        nodes = new TwoNodes(Map.of("BATON_DRILL_WORKERS", "4"));
        awaitReady(nodes);
    }

    private static void awaitReady(TwoNodes pair) {
        await().atMost(Duration.ofSeconds(60)).until(() -> pair.both().stream()
                .allMatch(n -> pair.get(n, "/health/ready").statusCode() == 200));
    }

    @AfterAll
    static void stop() {
        nodes.close();
    }

    private static List<String> names(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.path(field).asText()).sorted().toList();
    }

    @Test
    void bothNodesAreLiveAndReady() {
        for (BatonNode n : nodes.both()) {
            assertThat(nodes.get(n, "/health/live").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = nodes.get(n, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(nodes.json(ready).path("status").asText()).isEqualTo("UP");
        }
    }

    @Test
    void theClusterLooksTheSameFromEitherNode() {
        JsonNode fromA = nodes.json(nodes.get(nodes.a, "/api/cluster"));
        JsonNode fromB = nodes.json(nodes.get(nodes.b, "/api/cluster"));

        for (JsonNode c : List.of(fromA, fromB)) {
            assertThat(c.path("members").asInt()).isEqualTo(2);
            assertThat(c.path("quorumPresent").asBoolean()).isTrue();
            assertThat(names(c.path("memberList"), "nodeId")).containsExactly("a", "b");
            c.path("memberList").forEach(m -> {
                assertThat(m.path("address").asText()).matches("127\\.0\\.0\\.2[12]:5701");
                assertThat(m.path("since").asText()).isNotEmpty();
                assertThat(m.has("leases")).isTrue();
                assertThat(m.path("preferredWorkers").asInt()).isGreaterThanOrEqualTo(0);
            });
        }
        assertThat(fromA.path("servedBy").asText()).isEqualTo("a");
        assertThat(fromB.path("servedBy").asText()).isEqualTo("b");
    }

    @Test
    void theWorkersLookTheSameFromEitherNode() {
        JsonNode fromA = nodes.json(nodes.get(nodes.a, "/api/workers"));
        JsonNode fromB = nodes.json(nodes.get(nodes.b, "/api/workers"));

        assertThat(names(fromA, "name")).containsExactly("PassiveUserCheckerWorker", "drill-0000", "drill-0001",
                "drill-0002", "drill-0003").isEqualTo(names(fromB, "name"));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                nodes.json(nodes.get(nodes.b, "/api/workers/drill-0001")).path("lastOutcome").asText().equals("SUCCEEDED"));
        JsonNode drill = nodes.json(nodes.get(nodes.b, "/api/workers/drill-0001"));
        assertThat(drill.path("schedule").asText()).isEqualTo("fixedRate(PT1S)");
        assertThat(drill.path("state").asText()).isIn("idle", "running");
        assertThat(drill.path("preferredNode").asText()).isIn("a", "b");
        assertThat(drill.path("fence").asLong()).isPositive();
        assertThat(drill.path("lastSlot").asText()).endsWith("Z");
        assertThat(drill.path("nextSlot").asText()).endsWith("Z");
        assertThat(drill.path("lastOutcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(drill.has("lastDurationMillis")).isTrue();
        assertThat(drill.path("failuresInARow").asInt()).isZero();
    }

    @Test
    void theHistoryIsKeptInTheClusterAndIdenticalFromBothNodes() {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                nodes.json(nodes.get(nodes.a, "/api/workers/drill-0000/executions?limit=10")).size() >= 5);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode fromA = nodes.json(nodes.get(nodes.a, "/api/workers/drill-0000/executions?limit=5"));
            JsonNode fromB = nodes.json(nodes.get(nodes.b, "/api/workers/drill-0000/executions?limit=5"));
            assertThat(fromA).isEqualTo(fromB);
        });
        JsonNode run = nodes.json(nodes.get(nodes.b, "/api/workers/drill-0000/executions?limit=1")).get(0);
        assertThat(run.path("node").asText()).isIn("a", "b");
        assertThat(run.path("outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(run.path("kind").asText()).isEqualTo("SCHEDULED");
        assertThat(run.path("fence").asLong()).isPositive();
        assertThat(run.has("durationMillis") && run.has("slot") && run.has("startedAt")).isTrue();
    }

    @Test
    void adminActionsNeedTheTokenAndAreRefusedWhereNoneIsConfigured() {
        String path = "/api/workers/drill-0002/trigger";

        assertThat(nodes.post(nodes.b, path, Optional.of(TwoNodes.TOKEN)).statusCode()).as("b has no token").isEqualTo(403);
        HttpResponse<String> missing = nodes.post(nodes.a, path, Optional.empty());
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(nodes.json(missing).path("error").asText()).contains("Authorization: Bearer");
        assertThat(nodes.post(nodes.a, path, Optional.of("wrong-token-0123456789")).statusCode()).isEqualTo(401);
        assertThat(nodes.post(nodes.a, path, Optional.of(TwoNodes.TOKEN)).statusCode()).isEqualTo(202);
    }

    @Test
    void pauseStopsClaimsOnBothNodesUntilResumed() {
        String worker = "/api/workers/drill-0003";
        await().atMost(Duration.ofSeconds(10)).until(() -> fenceOf(worker) > 0);
        assertThat(nodes.post(nodes.a, worker + "/pause", Optional.of(TwoNodes.TOKEN)).statusCode()).isEqualTo(202);
        // "paused" (not "running"): the record is paused and no run claimed before the pause is still going.
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.both().stream()
                .allMatch(n -> nodes.json(nodes.get(n, worker)).path("state").asText().equals("paused")));
        long fence = fenceOf(worker);

        // A claim on either node would raise the fence; watch three periods of the 1 s drill.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> nodes.both().stream().allMatch(n -> nodes.json(nodes.get(n, worker)).path("fence")
                        .asLong() == fence));
        assertThat(nodes.json(nodes.get(nodes.a, worker)).path("nextSlot").isNull()).isTrue();

        assertThat(nodes.post(nodes.a, worker + "/resume", Optional.of(TwoNodes.TOKEN)).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> fenceOf(worker) > fence);
    }

    private static long fenceOf(String worker) {
        return nodes.json(nodes.get(nodes.b, worker)).path("fence").asLong();
    }

    @Test
    void triggerRunsOneExtraExecution() {
        String worker = "/api/workers/PassiveUserCheckerWorker";
        await().atMost(Duration.ofSeconds(10)).until(() ->
                nodes.json(nodes.get(nodes.a, worker + "/executions?limit=50")).size() >= 1);
        int before = nodes.json(nodes.get(nodes.a, worker + "/executions?limit=50")).size();

        assertThat(nodes.post(nodes.a, worker + "/trigger", Optional.of(TwoNodes.TOKEN)).statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(10)).until(() ->
                nodes.json(nodes.get(nodes.b, worker + "/executions?limit=50")).size() == before + 1);
        JsonNode history = nodes.json(nodes.get(nodes.b, worker + "/executions?limit=50"));
        assertThat(history.get(history.size() - 1).path("kind").asText()).isEqualTo("TRIGGERED");
        assertThat(nodes.json(nodes.get(nodes.b, worker)).path("triggerPending").asBoolean()).isFalse();
    }

    @Test
    void badRequestsGetAClearJsonError() {
        assertError(nodes.get(nodes.a, "/api/workers/no-such-worker"), 404, "no worker named 'no-such-worker'");
        assertError(nodes.post(nodes.a, "/api/workers/no-such-worker/pause", Optional.of(TwoNodes.TOKEN)), 404,
                "no worker named");
        assertError(nodes.get(nodes.a, "/api/workers/drill-0000/trigger"), 405, "use POST");
        assertError(nodes.post(nodes.a, "/api/workers", Optional.of(TwoNodes.TOKEN)), 405, "use GET");
        assertError(nodes.get(nodes.a, "/api/workers/drill-0000/executions?limit=0"), 400, "limit must be");
        assertError(nodes.get(nodes.a, "/api/workers/drill-0000/executions?since=yesterday"), 400,
                "unknown query parameter 'since'");
        assertError(nodes.get(nodes.a, "/api/workers/bad%20name"), 400, "is not a worker name");
        assertError(nodes.get(nodes.a, "/api/nothing"), 404, "no such endpoint");
        HttpResponse<String> big = nodes.send(HttpRequest.newBuilder(URI.create(nodes.url(nodes.a,
                "/api/workers/drill-0000/pause"))).POST(HttpRequest.BodyPublishers.ofString("x".repeat(10_000))));
        assertError(big, 413, "limited to");
        assertThat(nodes.get(nodes.a, "/health/ready").statusCode()).as("the node keeps running").isEqualTo(200);
    }

    private static void assertError(HttpResponse<String> response, int status, String message) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode body = nodes.json(response);
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("error").asText()).contains(message);
    }

    @Test
    void metricsAreValidPrometheusTextWithBatonsAndTheJvmsSeries() {
        HttpResponse<String> response = nodes.get(nodes.a, "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));

        PrometheusText metrics = PrometheusText.parse(response.body());

        assertThat(metrics.types).containsEntry("baton_executions_total", "counter")
                .containsEntry("baton_execution_duration_seconds", "histogram")
                .containsEntry("baton_start_lateness_seconds", "histogram")
                .containsEntry("baton_leases_held", "gauge")
                .containsEntry("baton_cluster_members", "gauge")
                .containsEntry("baton_session_renewals_total", "counter")
                .containsKey("jvm_memory_used_bytes");
        assertThat(metrics.named("baton_executions_total")).anySatisfy(s -> assertThat(s.labels())
                .containsEntry("outcome", "succeeded").containsKey("worker").containsEntry("node", "a"));
        assertThat(metrics.named("baton_cluster_members")).singleElement().extracting(PrometheusText.Sample::value)
                .isEqualTo(2.0);
        String someWorker = metrics.named("baton_start_lateness_seconds_bucket").getFirst().labels().get("worker");
        List<Double> buckets = new ArrayList<>();
        metrics.named("baton_start_lateness_seconds_bucket").stream()
                .filter(s -> s.labels().get("worker").equals(someWorker)).forEach(s -> buckets.add(s.value()));
        assertThat(buckets).isNotEmpty().isSorted();
        assertThat(metrics.named("baton_session_renewals_total").getFirst().value()).isPositive();
    }

    @Test
    void readinessTurns503WhenTheQuorumIsLostButLivenessStaysUp() {
        try (TwoNodes pair = new TwoNodes("c", "127.0.0.23", "d", "127.0.0.24", Map.of())) {
            awaitReady(pair);
            pair.b.close();

            await().atMost(Duration.ofSeconds(20)).until(() -> pair.get(pair.a, "/health/ready").statusCode() == 503);
            JsonNode body = pair.json(pair.get(pair.a, "/health/ready"));
            assertThat(body.path("status").asText()).isEqualTo("DOWN");
            assertThat(body.path("reason").asText()).contains("no quorum").contains("BATON_MIN_CLUSTER_SIZE=2");
            assertThat(pair.get(pair.a, "/health/live").statusCode()).isEqualTo(200);
        }
    }
}

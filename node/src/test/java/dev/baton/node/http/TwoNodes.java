package dev.baton.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.node.BatonNode;
import dev.baton.node.config.Config;
import dev.baton.node.config.NodeSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Two real nodes (Hazelcast over TCP on loopback, HTTP on a free port each) in this JVM. */
final class TwoNodes implements AutoCloseable {

    static final String TOKEN = "test-token-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();

    final BatonNode a;
    final BatonNode b;
    private final String addressA;
    private final String addressB;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Nodes "a" (with the admin token) and "b" (without) on 127.0.0.21 and 127.0.0.22. */
    TwoNodes(Map<String, String> extra) {
        this("a", "127.0.0.21", "b", "127.0.0.22", extra);
    }

    /** Two nodes with ids and addresses of their own, so that a test can run a pair beside another. */
    TwoNodes(String idA, String addressA, String idB, String addressB, Map<String, String> extra) {
        this.addressA = addressA;
        this.addressB = addressB;
        String cluster = "http-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        String members = addressA + ":5701," + addressB + ":5701";
        a = BatonNode.start(config(idA, addressA, members, cluster, Optional.of(TOKEN), extra));
        b = BatonNode.start(config(idB, addressB, members, cluster, Optional.empty(), extra));
    }

    private static Config config(String id, String address, String members, String cluster, Optional<String> token,
                                 Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "BATON_NODE_ID", id,
                "BATON_BIND", address,
                "BATON_HTTP_BIND", address,
                "BATON_HTTP_PORT", "0",
                "BATON_CLUSTER_NAME", cluster,
                "BATON_MEMBERS", members,
                "BATON_MIN_CLUSTER_SIZE", "2",
                "BATON_DRILL_WORKERS", "3",
                "BATON_PASSIVE_USERS_PERIOD", "1h",
                "BATON_LEASE", "3s"));
        token.ifPresent(t -> env.put("BATON_ADMIN_TOKEN", t));
        env.putAll(extra);
        return Config.load(env, NodeSettings.ALL);
    }

    String url(BatonNode node, String path) {
        String host = node == a ? addressA : addressB;
        return "http://" + host + ":" + node.httpPort() + path;
    }

    HttpResponse<String> get(BatonNode node, String path) {
        return send(HttpRequest.newBuilder(URI.create(url(node, path))).GET());
    }

    HttpResponse<String> post(BatonNode node, String path, Optional<String> token) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url(node, path))).POST(HttpRequest.BodyPublishers.noBody());
        token.ifPresent(t -> r.header("Authorization", "Bearer " + t));
        return send(r);
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    List<BatonNode> both() {
        return List.of(a, b);
    }

    @Override
    public void close() {
        b.close();
        a.close();
    }
}

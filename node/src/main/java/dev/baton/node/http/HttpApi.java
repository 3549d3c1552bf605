package dev.baton.node.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP surface on the JDK's server, one virtual thread per request: health, metrics,
 * the JSON API and the dashboard. Every error is JSON that says what is wrong.
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final int MAX_BODY = 4096;

    static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Readiness readiness;
    private volatile Routes routes;

    /** A server that answers health probes at once, and the rest once {@link #routes(Routes)} is set. */
    public HttpApi(InetSocketAddress address, Readiness readiness) throws IOException {
        this.readiness = readiness;
        this.server = HttpServer.create(address, 64);
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("baton-http-", 0).factory());
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public void routes(Routes routes) {
        this.routes = routes;
    }

    public void start() {
        server.start();
        log.info("HTTP on port {}: dashboard at /, API at /api, health at /health/ready, metrics at /metrics", port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            Response response;
            try {
                drainBody(exchange);
                Routes r = routes;
                response = r != null ? r.route(exchange) : whileStarting(exchange.getRequestURI().getRawPath());
            } catch (ApiError e) {
                response = Response.json(e.status, Map.of("status", e.status, "error", e.getMessage()));
                e.headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            } catch (RuntimeException e) {
                log.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                response = Response.json(503, Map.of("status", 503, "error",
                        "the cluster could not answer: " + e.getClass().getSimpleName() + "; try again"));
            }
            send(exchange, response);
        } catch (IOException e) {
            log.debug("Client went away during {} {}", exchange.getRequestMethod(), exchange.getRequestURI());
        }
    }

    private Response whileStarting(String path) {
        if (path.equals("/health/live")) {
            return Response.json(200, Map.of("status", "UP"));
        }
        String reason = readiness.notReadyBecause().orElse("starting");
        return Response.json(503, Map.of("status", "DOWN", "reason", reason));
    }

    /** Reads (and bounds) the body: no endpoint takes one, but a client may send one. */
    private static void drainBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw new ApiError(413, "request bodies are limited to " + MAX_BODY + " bytes; the API takes none");
            }
        }
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        byte[] body = response.body();
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(response.status(), head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops accepting, gives requests in flight a second, and stops. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }

    /** A response: status, content type, body. */
    record Response(int status, String contentType, byte[] body) {
        static Response json(int status, Object value) {
            try {
                return new Response(status, "application/json", JSON.writeValueAsBytes(value));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Response text(int status, String contentType, String body) {
            return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }
    }
}

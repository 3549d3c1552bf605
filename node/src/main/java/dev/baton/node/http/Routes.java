package dev.baton.node.http;

import com.sun.net.httpserver.HttpExchange;
import dev.baton.node.http.HttpApi.Response;
import dev.baton.node.ops.ClusterView;
import dev.baton.node.ops.NodeMetrics;
import dev.baton.worker.spi.Coordination;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps requests to answers. Read-only endpoints are open (probes, Prometheus); admin ones need the token. */
public final class Routes {

    private static final Pattern WORKER = Pattern.compile("/api/workers/([^/]+)(?:/(executions|pause|resume|trigger))?");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html", "/index.html", "index.html", "/assets/app.js", "app.js",
            "/assets/style.css", "style.css");

    private final ClusterView view;
    private final NodeMetrics metrics;
    private final Readiness readiness;
    private final AdminAuth auth;
    private final Coordination coordination;
    private final int historySize;

    public Routes(ClusterView view, NodeMetrics metrics, Readiness readiness, Optional<String> adminToken,
                  Coordination coordination, int historySize) {
        this.view = view;
        this.metrics = metrics;
        this.readiness = readiness;
        this.auth = new AdminAuth(adminToken);
        this.coordination = coordination;
        this.historySize = historySize;
    }

    Response route(HttpExchange exchange) {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        switch (path) {
            case "/health/live" -> {
                get(method);
                return Response.json(200, Map.of("status", "UP"));
            }
            case "/health/ready" -> {
                get(method);
                return readiness.notReadyBecause()
                        .map(reason -> Response.json(503, Map.of("status", "DOWN", "reason", reason)))
                        .orElseGet(() -> Response.json(200, Map.of("status", "UP")));
            }
            case "/metrics" -> {
                get(method);
                return Response.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            }
            case "/api/cluster" -> {
                get(method);
                return Response.json(200, view.cluster());
            }
            case "/api/cluster/voters/reset" -> {
                return resetVoters(exchange, method);
            }
            case "/api/workers" -> {
                get(method);
                return Response.json(200, view.workers());
            }
            default -> {
                if (ASSETS.containsKey(path)) {
                    get(method);
                    return asset(ASSETS.get(path));
                }
                Matcher m = WORKER.matcher(path);
                if (m.matches()) {
                    return worker(exchange, method, decodeName(m.group(1)), m.group(2));
                }
                throw ApiError.notFound("no such endpoint: " + path + "; see / for the dashboard and /api/workers");
            }
        }
    }

    private Response worker(HttpExchange exchange, String method, String name, String action) {
        if (action == null) {
            get(method);
            return Response.json(200, view.worker(name).orElseThrow(() -> unknown(name)));
        }
        if (action.equals("executions")) {
            get(method);
            int limit = limit(exchange.getRequestURI().getRawQuery());
            view.spec(name).orElseThrow(() -> unknown(name));
            return Response.json(200, view.executions(name, limit).orElseThrow(() -> new ApiError(503,
                    "the member holding this worker's history does not answer (frozen or cut off); the cluster"
                            + " removes such a member within its heartbeat timeout: try again in a few seconds")));
        }
        if (!method.equals("POST")) {
            throw ApiError.methodNotAllowed(method, "POST");
        }
        auth.check(exchange);
        view.spec(name).orElseThrow(() -> unknown(name));
        try {
            switch (action) {
                case "pause" -> coordination.pause(name);
                case "resume" -> coordination.resume(name);
                default -> coordination.trigger(name);
            }
        } catch (IllegalStateException e) {
            // Its message says whether to go to another node or to look before acting again: not a blind retry.
            throw new ApiError(409, e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("worker", name);
        body.put("action", action);
        body.put("accepted", true);
        return Response.json(202, body);
    }

    /**
     * The way out when a majority of the voters is gone for good: the caller names the lineage it saw
     * in GET /api/cluster, so that a repeated or stale request replaces nothing.
     */
    private Response resetVoters(HttpExchange exchange, String method) {
        if (!method.equals("POST")) {
            throw ApiError.methodNotAllowed(method, "POST");
        }
        auth.check(exchange);
        String query = exchange.getRequestURI().getRawQuery();
        String lineage = null;
        for (String part : query == null ? new String[0] : query.split("&")) {
            String[] kv = part.split("=", 2);
            if (!kv[0].equals("lineage")) {
                throw new ApiError(400, "unknown query parameter '" + kv[0] + "'; only lineage=<the lineage GET"
                        + " /api/cluster shows> is understood");
            }
            lineage = URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8);
        }
        if (lineage == null || lineage.isEmpty()) {
            throw new ApiError(400, "name the voters' lineage that GET /api/cluster shows (lineage=...), to confirm"
                    + " which voters you replace; reset only when a majority of them is gone for good");
        }
        try {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("voters", coordination.resetVoters(lineage));
            body.put("lineage", coordination.status().lineage());
            return Response.json(200, body);
        } catch (IllegalStateException e) {
            throw new ApiError(409, e.getMessage());
        } catch (UnsupportedOperationException e) {
            throw new ApiError(409, e.getMessage());
        }
    }

    private int limit(String query) {
        int limit = Math.min(20, historySize);
        if (query == null || query.isEmpty()) {
            return limit;
        }
        for (String part : query.split("&")) {
            String[] kv = part.split("=", 2);
            if (!kv[0].equals("limit")) {
                throw new ApiError(400, "unknown query parameter '" + kv[0] + "'; only limit=1.." + historySize
                        + " is understood");
            }
            try {
                limit = Integer.parseInt(kv.length > 1 ? kv[1] : "");
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > historySize) {
                throw new ApiError(400, "limit must be a whole number from 1 to " + historySize + " (the history kept"
                        + " per worker, BATON_HISTORY_SIZE)");
            }
        }
        return limit;
    }

    private static String decodeName(String raw) {
        String name;
        try {
            name = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "the worker name in the path is not valid URL encoding");
        }
        if (!NAME.matcher(name).matches()) {
            throw new ApiError(400, "'" + name + "' is not a worker name: names are 1 to 128 letters, digits, '.', '_'"
                    + " or '-'");
        }
        return name;
    }

    private static ApiError unknown(String name) {
        return ApiError.notFound("no worker named '" + name + "' in this cluster; GET /api/workers lists them");
    }

    private static void get(String method) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw ApiError.methodNotAllowed(method, "GET");
        }
    }

    private static Response asset(String file) {
        try (InputStream in = Routes.class.getResourceAsStream("/dashboard/" + file)) {
            if (in == null) {
                throw ApiError.notFound("dashboard file " + file + " is missing from this build");
            }
            String type = file.endsWith(".js") ? "text/javascript; charset=utf-8"
                    : file.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
            return new Response(200, type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

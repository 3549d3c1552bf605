package dev.baton.node.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The manifests of a {@code k8s/} directory, each parsed strictly by the Kubernetes API models: an
 * unknown field, a wrong type or a missing required field is a problem, as {@code kubectl apply
 * --validate=strict} would report it. Parse problems are collected, not thrown, so that one run
 * reports every broken file.
 */
record Manifests(Path dir, List<Object> objects, List<String> problems) {

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON_MAPPER = new ObjectMapper();

    /** What each kind must be declared as, and the model that parses it. */
    private static final Map<String, Kind> KINDS = Map.of(
            "Namespace", new Kind("v1", V1Namespace.class),
            "ConfigMap", new Kind("v1", V1ConfigMap.class),
            "Secret", new Kind("v1", V1Secret.class),
            "Service", new Kind("v1", V1Service.class),
            "StatefulSet", new Kind("apps/v1", V1StatefulSet.class),
            "PodDisruptionBudget", new Kind("policy/v1", V1PodDisruptionBudget.class),
            "HorizontalPodAutoscaler", new Kind("autoscaling/v2", V2HorizontalPodAutoscaler.class),
            "NetworkPolicy", new Kind("networking.k8s.io/v1", V1NetworkPolicy.class));

    private record Kind(String apiVersion, Class<?> model) {
    }

    static Manifests load(Path dir) throws IOException {
        List<Object> objects = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        JsonNode kustomization = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        List<String> resources = new ArrayList<>();
        kustomization.path("resources").forEach(r -> resources.add(r.asText()));
        try (Stream<Path> files = Files.list(dir)) {
            files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml") && !resources.contains(f))
                    .forEach(f -> problems.add(f + ": not listed in kustomization.yaml, so kubectl apply -k skips it"));
        }
        for (String resource : resources) {
            Path file = dir.resolve(resource);
            if (!Files.exists(file)) {
                problems.add("kustomization.yaml lists " + resource + ", which does not exist");
                continue;
            }
            try (var parser = new YAMLFactory().createParser(file.toFile())) {
                for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                    parse(resource, doc, objects, problems);
                }
            }
        }
        return new Manifests(dir, List.copyOf(objects), List.copyOf(problems));
    }

    private static void parse(String file, JsonNode doc, List<Object> objects, List<String> problems)
            throws IOException {
        String kindName = doc.path("kind").asText();
        Kind kind = KINDS.get(kindName);
        if (kind == null) {
            problems.add(file + ": kind '" + kindName + "' is not one this deployment is checked for");
            return;
        }
        if (!kind.apiVersion().equals(doc.path("apiVersion").asText())) {
            problems.add(file + ": " + kindName + " must be apiVersion " + kind.apiVersion() + ", not '"
                    + doc.path("apiVersion").asText() + "'");
            return;
        }
        try {
            objects.add(JSON.deserialize(JSON_MAPPER.writeValueAsString(doc), kind.model()));
        } catch (RuntimeException e) {
            problems.add(file + ": not a valid " + kindName + ": " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    <T> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + type.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }
}

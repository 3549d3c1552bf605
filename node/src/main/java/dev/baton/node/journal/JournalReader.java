package dev.baton.node.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads the journals of several nodes into executions, start and end lines paired by execution id. */
public final class JournalReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JournalReader() {
    }

    public static List<JournalExecution> read(Collection<Path> journals) {
        Map<String, JsonNode> starts = new LinkedHashMap<>();
        Map<String, JsonNode> ends = new LinkedHashMap<>();
        Set<String> recorded = new HashSet<>();
        for (Path journal : journals) {
            if (!Files.exists(journal)) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(journal)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode n;
                    try {
                        n = JSON.readTree(line);
                    } catch (IOException e) {
                        continue; // a line cut short by kill -9
                    }
                    String id = n.path("executionId").asText();
                    switch (n.path("event").asText()) {
                        case "start" -> starts.put(id, n);
                        case "end" -> ends.put(id, n);
                        case "recorded" -> recorded.add(id);
                        default -> { } // an event a later release writes
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read journal " + journal, e);
            }
        }
        List<JournalExecution> executions = new ArrayList<>();
        starts.forEach((id, s) -> {
            JsonNode e = ends.get(id);
            executions.add(new JournalExecution(s.path("worker").asText(), Instant.parse(s.path("slot").asText()),
                    s.path("fence").asLong(), s.path("node").asText(), id, s.path("kind").asText("SCHEDULED"),
                    Instant.parse(s.path("at").asText()),
                    Optional.ofNullable(e).map(x -> Instant.parse(x.path("at").asText())),
                    Optional.ofNullable(e).map(x -> x.path("outcome").asText()), recorded.contains(id)));
        });
        executions.sort(Comparator.comparing(JournalExecution::start));
        return executions;
    }
}

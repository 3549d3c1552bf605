package dev.baton.node.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The node's settings: environment variables over an optional properties file
 * ({@code BATON_CONFIG_FILE}) over defaults. Every known setting is parsed at load, so a bad
 * value stops the node before it does anything.
 */
public final class Config {

    public static final Setting<Path> CONFIG_FILE = Setting.of("BATON_CONFIG_FILE", null,
            "a properties file with BATON_* keys; environment variables win over it", Path::of);

    private final Map<String, String> values;
    private final Map<String, String> sources;
    private final List<Setting<?>> known;
    private final List<String> warnings;

    private Config(Map<String, String> values, Map<String, String> sources, List<Setting<?>> known,
                   List<String> warnings) {
        this.values = values;
        this.sources = sources;
        this.known = known;
        this.warnings = warnings;
    }

    /**
     * Loads and validates every setting in {@code known}.
     *
     * @throws ConfigException listing every bad setting
     */
    public static Config load(Map<String, String> env, List<Setting<?>> known) {
        Map<String, String> values = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        List<String> warnings = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        known.forEach(s -> names.add(s.name()));
        names.add(CONFIG_FILE.name());
        String file = env.get(CONFIG_FILE.name());
        if (file != null && !file.isBlank()) {
            Path path = CONFIG_FILE.parse(file);
            for (Map.Entry<String, String> e : readFile(path).entrySet()) {
                if (!names.contains(e.getKey())) {
                    throw new ConfigException(path + " sets " + e.getKey() + ", which is not a Baton setting;"
                            + " known settings: " + String.join(", ", names));
                }
                values.put(e.getKey(), e.getValue());
                sources.put(e.getKey(), path.toString());
            }
        }
        env.forEach((k, v) -> {
            if (!k.startsWith("BATON_")) {
                return;
            }
            if (!names.contains(k)) {
                warnings.add("Ignoring the environment variable " + k + ": it is not a Baton setting");
                return;
            }
            values.put(k, v);
            sources.put(k, "environment");
        });
        Config config = new Config(values, sources, List.copyOf(known), warnings);
        config.validate();
        return config;
    }

    private static Map<String, String> readFile(Path path) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException(CONFIG_FILE.name() + " points to " + path + ", which cannot be read ("
                    + e.getMessage() + "); give the path of a readable properties file or unset it");
        }
        Map<String, String> result = new HashMap<>();
        p.stringPropertyNames().forEach(k -> result.put(k, p.getProperty(k)));
        return result;
    }

    private void validate() {
        List<String> problems = new ArrayList<>();
        for (Setting<?> s : known) {
            try {
                find(s);
            } catch (ConfigException e) {
                problems.add(e.getMessage());
            }
        }
        if (problems.size() == 1) {
            throw new ConfigException(problems.getFirst());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.size() + " settings are invalid:\n  " + String.join("\n  ", problems));
        }
    }

    /** The value of a setting with a default. */
    public <T> T get(Setting<T> setting) {
        return find(setting).orElseThrow(() -> new ConfigException(setting.name() + " is not set; "
                + setting.meaning()));
    }

    /** The value, or empty if unset and without a default. */
    public <T> Optional<T> find(Setting<T> setting) {
        String raw = values.get(setting.name());
        if (raw == null || raw.isBlank()) {
            raw = setting.defaultValue();
        }
        return raw == null ? Optional.empty() : Optional.of(setting.parse(raw));
    }

    /** Warnings found while loading (unknown variables). */
    public List<String> warnings() {
        return warnings;
    }

    /** One line per setting: name, value (secrets masked) and where it came from. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Setting<?> s : known) {
            String raw = values.get(s.name());
            String source = sources.getOrDefault(s.name(), "default");
            String shown = raw == null ? (s.defaultValue() == null ? "(unset)" : s.defaultValue())
                    : s.secret() ? "****" : raw;
            if (s.secret() && raw == null) {
                shown = "(unset)";
            }
            lines.add(s.name() + "=" + shown + " (" + (raw == null ? "default" : source) + ")");
        }
        return lines;
    }
}

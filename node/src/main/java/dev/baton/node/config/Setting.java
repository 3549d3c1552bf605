package dev.baton.node.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * One {@code BATON_*} setting: its name, default, meaning and parser.
 *
 * @param defaultValue the value when unset, as text; null when the setting is optional and has none
 * @param secret       masked when the configuration is printed
 */
public record Setting<T>(String name, String defaultValue, String meaning, Function<String, T> parser,
                         boolean secret) {

    public Setting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(meaning, "meaning");
        Objects.requireNonNull(parser, "parser");
        if (!name.startsWith("BATON_")) {
            throw new IllegalArgumentException("settings are named BATON_*: " + name);
        }
    }

    public static <T> Setting<T> of(String name, String defaultValue, String meaning, Function<String, T> parser) {
        return new Setting<>(name, defaultValue, meaning, parser, false);
    }

    public static <T> Setting<T> secret(String name, String meaning, Function<String, T> parser) {
        return new Setting<>(name, null, meaning, parser, true);
    }

    /** Parses {@code raw}, or throws a {@link ConfigException} that names this setting, the value and the form. */
    public T parse(String raw) {
        try {
            return parser.apply(raw);
        } catch (IllegalArgumentException e) {
            String shown = secret ? "(secret)" : "'" + raw + "'";
            throw new ConfigException(name + " has the value " + shown + ", expected " + e.getMessage());
        }
    }
}

package dev.baton.node.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for setting values; each throws {@link IllegalArgumentException} with the expected form. */
public final class Parsers {

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Parsers() {
    }

    /** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 30d}, or ISO-8601 such as {@code PT10S}. */
    public static Duration duration(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT_DURATION.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("a duration such as 500ms, 10s, 5m, 1h, 30d or PT10S");
        }
    }

    /** A duration greater than zero. */
    public static Duration positiveDuration(String value) {
        Duration d = duration(value);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("a duration greater than zero, such as 10s");
        }
        return d;
    }

    /** A duration of zero or more. */
    public static Duration nonNegativeDuration(String value) {
        Duration d = duration(value);
        if (d.isNegative()) {
            throw new IllegalArgumentException("a duration of zero or more, such as 10s");
        }
        return d;
    }

    public static int intBetween(String value, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a whole number from " + min + " to " + max);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("a whole number from " + min + " to " + max);
        }
        return n;
    }

    public static boolean bool(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new IllegalArgumentException("true or false");
        };
    }

    /** One of {@code choices}, case-insensitive; returned in lower case. */
    public static String oneOf(String value, String... choices) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (String c : choices) {
            if (c.equals(v)) {
                return c;
            }
        }
        throw new IllegalArgumentException("one of " + String.join(", ", choices));
    }
}

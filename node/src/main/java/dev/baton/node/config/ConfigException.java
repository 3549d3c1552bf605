package dev.baton.node.config;

/** A setting is missing or malformed; the message names the setting, the value and the expected form. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}

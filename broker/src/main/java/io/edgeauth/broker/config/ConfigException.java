package io.edgeauth.broker.config;

/** A configuration value is missing, malformed or out of bounds; the message names the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

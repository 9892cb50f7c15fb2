package io.edgeauth.broker.admin;

/** Rotates a tenant's signing key and returns the new key id. */
@FunctionalInterface
public interface KeyRotator {
    String rotate(String tenant);
}

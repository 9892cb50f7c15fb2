package io.edgeauth.broker.auth;

import java.util.Objects;

/**
 * One authentication attempt as a protocol edge saw it.
 *
 * @param claimedId   the identity the client claimed (MQTT client id / username, CoAP path id); null if none
 * @param token       the presented token bytes (JWT ASCII or CWT), never logged
 * @param transport   what the transport proved
 * @param reportedGeo a GeoHash the client reported as its location (MQTT 5 user property {@code geo},
 *                    CoAP query {@code geo=}), or null
 */
public record AuthRequest(String claimedId, byte[] token, TransportFacts transport, String reportedGeo) {
    public AuthRequest {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(transport, "transport");
    }
}

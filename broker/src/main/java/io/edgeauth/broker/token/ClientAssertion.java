package io.edgeauth.broker.token;

import java.time.Instant;

/**
 * An accepted RFC 7523 client assertion. Immutable.
 *
 * @param clientId       the device id ({@code iss} = {@code sub})
 * @param tokenId        its {@code jti} (now used up)
 * @param expiresAt      its {@code exp}
 * @param keyThumbprint  RFC 7638 thumbprint of the device key that signed it (for {@code cnf.jkt})
 */
public record ClientAssertion(String clientId, String tokenId, Instant expiresAt, String keyThumbprint) {
}

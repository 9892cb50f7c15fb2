package io.edgeauth.broker.auth;

import java.net.InetSocketAddress;

/**
 * What the transport proved about the peer, extracted by a protocol edge and handed unchanged to
 * the {@link AuthPipeline}. Thumbprints are base64url (no padding) SHA-256 values.
 *
 * @param protocol               the edge
 * @param remoteAddress          the peer's address (source of connection-attempt limits); may be null in tests
 * @param clientCertThumbprint   {@code x5t#S256} of the verified TLS/DTLS client certificate, or null
 * @param secureChannel          true on TLS/DTLS listeners
 * @param pskIdentity            DTLS PSK identity, or null
 * @param rawPublicKeyThumbprint RFC 7638 thumbprint of a DTLS raw public key, or null
 * @param clientCertKeyThumbprint RFC 7638 thumbprint of the verified client certificate's public key (what a
 *                               token's {@code cnf jkt} must name on that channel), or null
 */
public record TransportFacts(
        Protocol protocol,
        InetSocketAddress remoteAddress,
        String clientCertThumbprint,
        boolean secureChannel,
        String pskIdentity,
        String rawPublicKeyThumbprint,
        String clientCertKeyThumbprint) {

    /** Facts without a client certificate key (no certificate, or its key is not needed). */
    public TransportFacts(Protocol protocol, InetSocketAddress remoteAddress, String clientCertThumbprint,
                          boolean secureChannel, String pskIdentity, String rawPublicKeyThumbprint) {
        this(protocol, remoteAddress, clientCertThumbprint, secureChannel, pskIdentity, rawPublicKeyThumbprint, null);
    }

    public static TransportFacts plain(Protocol protocol, InetSocketAddress remote) {
        return new TransportFacts(protocol, remote, null, false, null, null);
    }
}

package io.edgeauth.broker.coap;

import io.edgeauth.broker.auth.KeyThumbprints;
import io.edgeauth.broker.auth.Protocol;
import io.edgeauth.broker.auth.TransportFacts;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.elements.util.Bytes;

/**
 * Who a CoAP peer is, as its transport proved it: the key its token session is bound to and the
 * {@link TransportFacts} handed to the authentication pipeline. Keys are {@code psk:<identity>},
 * {@code rpk:ni:///sha-256;<SHA-256 of the key's SubjectPublicKeyInfo>}, {@code x509:<base64url SHA-256 of the certificate>} on DTLS,
 * {@code dtls:<session id>} on DTLS without a client identity, and {@code udp:<address>:<port>} on plain CoAP
 * (development only: anyone who can spoof the source address inherits the session). Stateless and thread-safe.
 */
final class PeerIdentity {
    private PeerIdentity() {
    }

    /** The session key of the peer that sent a request; never null. */
    static String keyOf(EndpointContext context) {
        Principal p = context.getPeerIdentity();
        Bytes session = p == null ? context.get(DtlsEndpointContext.KEY_SESSION_ID) : null;
        if (session != null) {
            // DTLS without a client identity (a server certificate that asks for none): its session, never the
            // udp: key a plain-CoAP peer of the same address has (which anyone may spoof; tour AF, AF7)
            return session.isEmpty() ? "dtls:" + address(context.getPeerAddress()) : "dtls:" + session.getAsString();
        }
        return keyOf(p, context.getPeerAddress());
    }

    /** The session key of a peer that proved {@code p} (null on plain CoAP) from {@code a}. */
    static String keyOf(Principal p, InetSocketAddress a) {
        if (p instanceof PreSharedKeyIdentity psk) {
            return psk.isScopedIdentity() ? "psk:" + psk.getVirtualHost() + "|" + psk.getIdentity()
                    : "psk:" + psk.getIdentity();
        }
        if (p instanceof RawPublicKeyIdentity rpk) {
            return "rpk:" + rpk.getName(); // ni:///sha-256;<hash of the SubjectPublicKeyInfo>, computed once
        }
        if (p instanceof X509CertPath x509) {
            return "x509:" + certThumbprint(x509.getTarget());
        }
        return "udp:" + address(a);
    }

    private static String address(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** What the transport proved, for the {@link io.edgeauth.broker.auth.AuthPipeline}. */
    static TransportFacts factsOf(EndpointContext context) {
        Principal p = context.getPeerIdentity();
        InetSocketAddress remote = context.getPeerAddress();
        if (p instanceof PreSharedKeyIdentity psk) {
            return new TransportFacts(Protocol.COAP, remote, null, true, psk.getIdentity(), null);
        }
        if (p instanceof RawPublicKeyIdentity rpk) {
            return new TransportFacts(Protocol.COAP, remote, null, true, null, jwkThumbprint(rpk.getKey()));
        }
        if (p instanceof X509CertPath x509) {
            return new TransportFacts(Protocol.COAP, remote, certThumbprint(x509.getTarget()), true, null, null,
                    KeyThumbprints.ofOrNull(x509.getTarget().getPublicKey()));
        }
        return TransportFacts.plain(Protocol.COAP, remote);
    }

    /** {@code x5t#S256}: base64url (no padding) SHA-256 of the certificate's DER encoding. */
    static String certThumbprint(X509Certificate cert) {
        return KeyThumbprints.certificate(cert);
    }

    /** RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC, RSA, Ed25519 or Ed448 public key. */
    static String jwkThumbprint(PublicKey key) {
        return KeyThumbprints.of(key);
    }
}

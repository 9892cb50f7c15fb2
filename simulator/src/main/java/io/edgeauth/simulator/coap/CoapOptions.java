package io.edgeauth.simulator.coap;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * How the fleet's CoAP devices talk to the broker.
 *
 * @param address       the broker's CoAP (UDP) or CoAP-over-DTLS port
 * @param dtls          DTLS 1.2 with the device's PSK (identity = device id, key derived from the fleet seed); else
 *                      plain CoAP (development brokers only)
 * @param tokenOverCoap get the token from the broker's CoAP {@code /token} (ACE, RFC 9200 §5.8) over the device's
 *                      own DTLS session instead of HTTP {@code /oauth/token}
 * @param observe       register an Observe on {@code /d/{id}/down} after publishing (and cancel it at the end)
 * @param commands      once observing, the observer publishes a QoS 1 command to the device, which must arrive as a
 *                      notification of the Observe relation (needs {@code observe})
 * @param abandon       end a session by dropping the socket without a DTLS close_notify, so the broker keeps the
 *                      DTLS connection and the bound token (the held-sessions measurement); else close it cleanly
 * @param ecdhe         offer ECDHE-PSK cipher suites (forward secrecy, an ECDH per handshake on both sides); else
 *                      plain PSK suites only (RFC 4279/RFC 6655: no public-key operation in the handshake)
 * @param rpk           authenticate with the device's own P-256 key as an RFC 7250 raw public key instead of a PSK
 *                      (the broker needs a server key and {@code coap.rawPublicKeys}); needs {@code dtls}
 * @param x509          authenticate with an X.509 certificate over the device's own P-256 key, signed by the fleet CA
 *                      (the broker needs a server key and the CA in {@code coap.trustStore}); needs {@code dtls}
 * @param renewAfterUnanswered transmissions of a request in a row unanswered before the link renews its DTLS session,
 *                      as the SDK's {@code renewSessionAfterUnanswered}; -1: the SDK's default
 */
public record CoapOptions(InetSocketAddress address, boolean dtls, boolean tokenOverCoap, boolean observe, boolean commands,
                          boolean abandon, boolean ecdhe, boolean rpk, boolean x509, int renewAfterUnanswered) {
    public CoapOptions {
        Objects.requireNonNull(address, "address");
        if (renewAfterUnanswered < -1) {
            throw new IllegalArgumentException("--coap-renew-after must be 0 or more (or -1: the SDK's default)");
        }
        if (commands && !observe) {
            throw new IllegalArgumentException("--coap-commands needs --coap-observe (commands arrive as Observe notifications)");
        }
        if ((rpk || x509) && !dtls) {
            throw new IllegalArgumentException("raw public keys and certificates need DTLS");
        }
        if (rpk && x509) {
            throw new IllegalArgumentException("a device authenticates with a raw public key or a certificate, not both");
        }
    }

    /** With the SDK's default session renewal. */
    public CoapOptions(InetSocketAddress address, boolean dtls, boolean tokenOverCoap, boolean observe, boolean commands,
                       boolean abandon, boolean ecdhe, boolean rpk, boolean x509) {
        this(address, dtls, tokenOverCoap, observe, commands, abandon, ecdhe, rpk, x509, -1);
    }

    /** Whether the device's DTLS handshake authenticates with its own key (raw or in a certificate), not a PSK. */
    public boolean publicKey() {
        return rpk || x509;
    }

    /** The URI scheme and authority requests go to, e.g. {@code coaps://127.0.0.1:5684}. */
    public String base() {
        String host = address.getHostString();
        return (dtls ? "coaps://" : "coap://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** As the report shows it. */
    public String label() {
        return base() + (rpk ? " rpk" : x509 ? " x509" : dtls ? (ecdhe ? " ecdhe-psk" : " psk") : " plain") + (tokenOverCoap ? " token=coap" : " token=http") + (observe ? " observe" : "") + (commands ? " commands" : "")
                + (abandon ? " end=abandon" : " end=close") + (renewAfterUnanswered >= 0 ? " renew-after=" + renewAfterUnanswered : "");
    }
}

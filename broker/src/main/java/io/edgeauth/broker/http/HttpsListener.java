package io.edgeauth.broker.http;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.tls.ClientCertificateGate;
import io.edgeauth.broker.tls.TlsMaterial;
import io.edgeauth.broker.tls.TlsPosture;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;

/**
 * The TLS side of the HTTPS listener ({@code http.tls}): the server key and the client-certificate gate from
 * {@link TlsMaterial} (reloaded by {@code POST /admin/tls/reload}), the broker's TLS posture ({@link TlsPosture}),
 * and client certificates requested or required. A client certificate passes the handshake when the trust store
 * accepts it or when {@code fleetCaIssued} does; {@code /oauth/token} then decides (RFC 8705
 * {@code tls_client_auth}). Runs on the JDK's TLS engine. Thread-safe.
 */
public final class HttpsListener {
    private final BrokerConfig.HttpTls settings;
    private final TlsMaterial material;
    private final ClientCertificateGate gate;

    /** @throws io.edgeauth.broker.tls.TlsMaterialException naming the key and the file that cannot be used */
    public HttpsListener(BrokerConfig.HttpTls settings, Predicate<X509Certificate[]> fleetCaIssued) {
        this.settings = settings;
        this.material = TlsMaterial.load(new TlsMaterial.Sources("http.tls", settings.keyStore(),
                settings.keyStorePassword(), settings.trustStore(), settings.trustStorePassword(), settings.crl()), false);
        this.gate = new ClientCertificateGate(material.trustManager(), fleetCaIssued);
    }

    int port() {
        return settings.port();
    }

    /** {@code base} made an HTTPS server's options. */
    HttpServerOptions options(HttpServerOptions base) {
        HttpServerOptions o = base.setSsl(true).setKeyCertOptions(KeyCertOptions.wrap(material.keyManager()))
                .setTrustOptions(TrustOptions.wrap(gate)).setEnabledSecureTransportProtocols(TlsPosture.PROTOCOLS)
                .setClientAuth("required".equals(settings.clientAuth()) ? ClientAuth.REQUIRED : ClientAuth.REQUEST);
        TlsPosture.AEAD_SUITES.forEach(o::addEnabledCipherSuite);
        return o;
    }

    /**
     * Why the trust store and CRL in force now refuse a client chain this listener's handshake accepted earlier (a
     * connection kept alive, or a resumed TLS session, from before a reload): {@code certificate_revoked},
     * {@code certificate_untrusted}; null when they take it.
     */
    public String clientCertificateRefusal(java.security.cert.Certificate[] chain) {
        return gate.refusal(chain);
    }

    /** Reads key store, trust store and CRL again; new handshakes use them. */
    public TlsMaterial.Summary reload() {
        return material.reload();
    }

    /** The HTTPS base URL devices use: the public URL's host and path with scheme https and this listener's port. */
    public static String baseUrl(String publicUrl, int boundPort) {
        URI u = URI.create(publicUrl);
        return "https://" + u.getHost() + ":" + boundPort + (u.getRawPath() == null ? "" : u.getRawPath());
    }
}

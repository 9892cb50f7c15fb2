package io.edgeauth.simulator.coap;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.fleet.FleetCa;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * X.509 devices against a DTLS server whose own certificate is signed with each usual ECDSA hash. The server may
 * only present a chain signed with an algorithm the device offers (RFC 5246 7.4.2): a device that offered
 * Scandium's SHA-256-only default could not reach a broker whose certificate the JDK 25 keytool made
 * (SHA384withECDSA). The server also checks the device's chain against the fleet CA, as the broker does.
 */
class CoapDevicesX509Test {
    private static final String DEVICE = "sim-x509-1";

    @ParameterizedTest
    @ValueSource(strings = {"SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA"})
    void aFleetCaDeviceHandshakesWithAServerWhoseCertificateIsSignedWith(String serverSignature) throws Exception {
        FleetCa ca = new FleetCa("coap-devices-x509-test");
        CompletableFuture<Principal> seen = new CompletableFuture<>();
        CoapServer server = server(serverSignature, ca, seen);
        server.start();
        try {
            InetSocketAddress at = server.getEndpoints().get(0).getAddress();
            CoapOptions options = new CoapOptions(new InetSocketAddress(InetAddress.getLoopbackAddress(), at.getPort()), true,
                    false, false, false, false, true, false, true);
            KeyPair deviceKey = p256();
            try (CoapDevices devices = new CoapDevices(options, List.of(), 1, ca)) {
                CoapLink link = devices.open(DEVICE, null, deviceKey);
                try {
                    link.check(DEVICE).get(30, TimeUnit.SECONDS);
                    assertThat(link.handshakeNanos()).isNotNegative();
                } finally {
                    link.close(true);
                }
            }
            assertThat(seen.get(1, TimeUnit.SECONDS).getName()).isEqualTo("CN=" + DEVICE);
        } finally {
            server.destroy();
        }
    }

    private static CoapServer server(String signature, FleetCa ca, CompletableFuture<Principal> seen) throws Exception {
        Configuration c = Configuration.createStandardWithoutFile();
        c.set(DtlsConfig.DTLS_ROLE, DtlsRole.SERVER_ONLY);
        c.set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, CertificateAuthenticationMode.NEEDED);
        c.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
        KeyPair key = p256();
        DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(c)
                .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .setCertificateIdentityProvider(new SingleCertificateProvider(key.getPrivate(),
                        new X509Certificate[] {selfSigned(key, signature)}, CertificateType.X_509))
                .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                        .setTrustedCertificates(ca.certificate()).build())
                .build();
        CoapServer server = new CoapServer(c);
        server.addEndpoint(CoapEndpoint.builder().setConfiguration(c).setConnector(new DTLSConnector(dtls)).build());
        CoapResource down = new CoapResource("down") {
            @Override
            public void handleGET(CoapExchange exchange) {
                seen.complete(exchange.advanced().getRequest().getSourceContext().getPeerIdentity());
                exchange.respond(ResponseCode.CONTENT);
            }
        };
        server.add(new CoapResource("d").add(new CoapResource(DEVICE).add(down)));
        return server;
    }

    private static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate selfSigned(KeyPair key, String signature) throws Exception {
        X500Principal name = new X500Principal("CN=localhost");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.TWO, Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(1))), name, key.getPublic());
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder(signature).build(key.getPrivate())));
        assertThat(cert.getSigAlgName()).isEqualTo(signature);
        return cert;
    }
}

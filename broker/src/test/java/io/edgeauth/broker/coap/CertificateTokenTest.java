package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, hole 17 (issuance): a device registered by certificate ({@code x5tS256}) gets a token from
 * CoAP {@code /token} by authenticating with that certificate in the DTLS handshake (ACE {@code client_id},
 * no assertion); the token carries {@code cnf: {"x5t#S256": base64url(SHA-256(DER))}} (RFC 8705) and
 * opens a session over the same channel. Another device's certificate and plain CoAP get nothing.
 */
class CertificateTokenTest {
    @TempDir
    Path dir;

    @Test
    void aCertificateDeviceGetsATokenBoundToItsCertificate() throws Exception {
        TestPki pki = new TestPki();
        TestPki.Issued server = pki.server("localhost");
        TestPki.Issued device = pki.client("cert-dev");
        TestPki.Issued other = pki.client("cert-other");
        Path keyStore = dir.resolve("server.p12");
        Path trustStore = dir.resolve("trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", server.privateKey(), "changeit".toCharArray(), new Certificate[] {server.cert()});
        try (OutputStream out = Files.newOutputStream(keyStore)) {
            ks.store(out, "changeit".toCharArray());
        }
        Files.setPosixFilePermissions(keyStore, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")); // the broker refuses a server key others can read
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", pki.ca.cert());
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            ts.store(out, "changeit".toCharArray());
        }
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_COAP_DTLS_PORT", "0", "EDGEAUTH_COAP_KEY_STORE", keyStore.toString(),
                "EDGEAUTH_COAP_KEY_STORE_PASSWORD", "changeit", "EDGEAUTH_COAP_TRUST_STORE", trustStore.toString(),
                "EDGEAUTH_COAP_TRUST_STORE_PASSWORD", "changeit", "EDGEAUTH_MQTT_PORT", "-1")))) {
            Http admin = new Http("http://localhost:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
            String thumbprint = PeerIdentity.certThumbprint(device.cert());
            for (var d : Map.of("cert-dev", thumbprint, "cert-other", PeerIdentity.certThumbprint(other.cert())).entrySet()) {
                assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", d.getKey())
                        .put("x5tS256", d.getValue()).encode()).statusCode()).isEqualTo(201);
            }
            byte[] request = CBORObject.NewMap().Add(33, 2).Add(24, "cert-dev").EncodeToBytes();
            String coaps = "coaps://127.0.0.1:" + broker.coapDtlsPort();

            CoapClient client = x509Client(pki, device, coaps + "/token");
            try {
                CoapResponse r = client.post(request, MediaTypeRegistry.APPLICATION_ACE_CBOR);
                assertThat(r.getCode()).as(r.getResponseText()).isEqualTo(ResponseCode.CREATED);
                byte[] cwt = CBORObject.DecodeFromBytes(r.getPayload()).get(1).GetByteString();
                CBORObject claims = CBORObject.DecodeFromBytes(CBORObject.DecodeFromBytes(cwt).Untag().get(2).GetByteString());
                assertThat(claims.get(2).AsString()).isEqualTo("cert-dev");
                assertThat(claims.get(8).get("x5t#S256").AsString()).isEqualTo(thumbprint);
                client.setURI(coaps + "/authz-info");
                assertThat(client.post(cwt, MediaTypeRegistry.APPLICATION_CWT).getCode()).isEqualTo(ResponseCode.CREATED);
            } finally {
                client.getEndpoint().destroy();
                client.shutdown();
            }

            CoapClient stranger = x509Client(pki, other, coaps + "/token");
            try {
                assertThat(stranger.post(request, MediaTypeRegistry.APPLICATION_ACE_CBOR).getCode().codeClass)
                        .as("another device's certificate").isEqualTo(4);
            } finally {
                stranger.getEndpoint().destroy();
                stranger.shutdown();
            }
            CoapClient plain = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/token");
            try {
                assertThat(plain.post(request, MediaTypeRegistry.APPLICATION_ACE_CBOR).getCode())
                        .as("no certificate, no assertion").isEqualTo(ResponseCode.BAD_REQUEST);
            } finally {
                plain.shutdown();
            }
        }
    }

    static CoapClient x509Client(TestPki pki, TestPki.Issued cert, String uri) {
        Configuration c = EdgeFixture.clientConfig();
        DtlsConnectorConfig cfg = DtlsConnectorConfig.builder(c)
                .setAddress(new InetSocketAddress("127.0.0.1", 0))
                .setCertificateIdentityProvider(new SingleCertificateProvider(cert.privateKey(),
                        new Certificate[] {cert.cert()}, CertificateType.X_509))
                .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                        .setTrustedCertificates(pki.ca.cert()).build())
                .build();
        CoapClient client = new CoapClient(uri);
        client.setEndpoint(CoapEndpoint.builder().setConfiguration(c).setConnector(new DTLSConnector(cfg)).build());
        client.setTimeout(10_000L);
        return client;
    }
}

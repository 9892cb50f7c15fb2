package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour AF, AF7: a DTLS listener with a server certificate that asks clients for none ({@code coap.keyStore} without
 * {@code coap.trustStore}, {@code coap.rawPublicKeys: false}) lets a client shake hands without an identity. Its token
 * was bound under the key a plain-CoAP peer of the same address and port has ({@code udp:<address>:<port>}), so anyone
 * who could send plain CoAP from (or spoofing) that address used the DTLS device's binding. Such a peer's binding is its
 * DTLS session's now.
 */
class DtlsAnonymousPeerTest {
    @TempDir
    Path dir;

    @Test
    void aDtlsPeerWithoutAnIdentityIsNoPlainCoapPeerOfTheSameAddress() throws Exception {
        try (EdgeFixture f = new EdgeFixture(dir,
                s -> s.withCertificates(s.serverKey(), s.serverChain(), List.of(), false))) {
            int port = io.edgeauth.broker.testsupport.FreePorts.udp();
            var config = EdgeFixture.clientConfig();
            DtlsConnectorConfig anonymous = DtlsConnectorConfig.builder(config)
                    .setAddress(new InetSocketAddress("127.0.0.1", port))
                    .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                            .setTrustedCertificates(f.pki.ca.cert()).build()).build();
            CoapEndpoint dtls = CoapEndpoint.builder().setConfiguration(config)
                    .setConnector(new DTLSConnector(anonymous)).build();
            CoapClient device = new CoapClient(f.coaps("/authz-info"));
            device.setEndpoint(dtls);
            device.setTimeout(10_000L);
            try {
                CoapResponse upload = device.post(f.token("dev1"), MediaTypeRegistry.APPLICATION_CWT);
                assertThat(upload.getCode()).isEqualTo(ResponseCode.CREATED);
                assertThat(upload.advanced().getSourceContext().getPeerIdentity())
                        .as("the server's certificate; the client showed none").isNotNull();
                device.setURI(f.coaps("/d/dev1/up/t"));
                assertThat(device.post("over DTLS", MediaTypeRegistry.TEXT_PLAIN).getCode())
                        .as("the DTLS session's binding").isEqualTo(ResponseCode.CHANGED);
            } finally {
                dtls.destroy(); // frees the source port for the plain-CoAP sender below
            }

            CoapEndpoint plain = CoapEndpoint.builder().setConfiguration(EdgeFixture.clientConfig())
                    .setInetSocketAddress(new InetSocketAddress("127.0.0.1", port)).build();
            CoapClient sameAddress = new CoapClient(f.coap("/d/dev1/up/t"));
            sameAddress.setEndpoint(plain);
            sameAddress.setTimeout(10_000L);
            try {
                CoapResponse r = sameAddress.post("from plain CoAP", MediaTypeRegistry.TEXT_PLAIN);
                assertThat(r.getCode()).as("plain CoAP from the DTLS peer's address and port, no token uploaded")
                        .isEqualTo(ResponseCode.UNAUTHORIZED);
            } finally {
                plain.destroy();
            }
            assertThat(f.messaging.published()).as("only the DTLS device's message").hasSize(1);
        }
    }
}

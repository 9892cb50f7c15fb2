package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /token} over DTLS: an ACE CBOR token request with a client assertion, then use of the token. */
class TokenEndpointTest {
    @TempDir
    Path dir;
    private EdgeFixture f;
    private final List<CoapTokenIssuer.Request> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        CoapTokenIssuer issuer = request -> {
            seen.add(request);
            String assertion = new String(request.clientAssertion());
            if (!assertion.startsWith("assertion-for-")) {
                return CompletableFuture.failedFuture(
                        new TokenRejectedException(RejectionReason.BAD_SIGNATURE, "assertion signature invalid"));
            }
            String sub = assertion.substring("assertion-for-".length());
            return CompletableFuture.completedFuture(new CoapTokenIssuer.Issued(
                    TestTokens.token(sub, f.in(Duration.ofMinutes(10))).bytes(), 600, "telemetry"));
        };
        f = new EdgeFixture(dir, s -> s, issuer);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private static byte[] request(String assertion) {
        return CBORObject.NewMap().Add(33, 2)
                .Add("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .Add("client_assertion", assertion).Add(9, "telemetry").EncodeToBytes();
    }

    @Test
    void tokenRequestOverDtlsThenUpload() throws Exception {
        CoapClient c = f.pskClient("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1"), "/token");
        CoapResponse r = c.post(request("assertion-for-dev1"), MediaTypeRegistry.APPLICATION_ACE_CBOR);
        assertThat(r.getCode()).isEqualTo(ResponseCode.CREATED);
        CBORObject body = CBORObject.DecodeFromBytes(r.getPayload());
        assertThat(body.get(CBORObject.FromObject(2)).AsInt32()).isEqualTo(600);
        byte[] token = body.get(CBORObject.FromObject(1)).GetByteString();
        assertThat(seen).singleElement().satisfies(q -> {
            assertThat(q.transport().pskIdentity()).isEqualTo("dev1");
            assertThat(q.scope()).isEqualTo("telemetry");
            assertThat(q.tokenFormat()).isEqualTo("cwt");
        });

        c.setURI(f.coaps("/authz-info"));
        assertThat(c.post(token, MediaTypeRegistry.APPLICATION_CWT).getCode()).isEqualTo(ResponseCode.CREATED);
        c.setURI(f.coaps("/d/dev1/up/t"));
        assertThat(c.post("x", MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(ResponseCode.CHANGED);
    }

    @Test
    void badRequestsAndBadAssertionsAreRefused() throws Exception {
        CoapClient c = f.plainClient("/token");
        CoapResponse bad = c.post(request("forged"), MediaTypeRegistry.APPLICATION_ACE_CBOR);
        // RFC 9200 §5.8.3: 4.01 for invalid_client (it was 4.00)
        assertThat(bad.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(CoapEdgeTest.description(bad)).startsWith("bad_signature");
        CoapResponse garbage = c.post(new byte[] {(byte) 0xa1, 0x01}, MediaTypeRegistry.APPLICATION_ACE_CBOR);
        assertThat(garbage.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        CoapResponse noGrant = c.post(CBORObject.NewMap().Add("client_assertion", "x").EncodeToBytes(),
                MediaTypeRegistry.APPLICATION_ACE_CBOR);
        assertThat(noGrant.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(CoapEdgeTest.description(noGrant)).contains("grant_type");
    }

    /**
     * Tour AF, AF3: RFC 9200 §5.8.1 has a token request over CoAP sent as application/ace+cbor, and contract.md says
     * so; any Content-Format was taken (a CBOR body labelled JSON or text was issued a token), where /authz-info
     * refuses one it does not read. Another one is refused 4.00 invalid_request before any work; none is still taken.
     */
    @Test
    void aTokenRequestInAnotherContentFormatIsRefused() throws Exception {
        CoapClient c = f.plainClient("/token");
        for (int format : new int[] {MediaTypeRegistry.APPLICATION_JSON, MediaTypeRegistry.TEXT_PLAIN,
                MediaTypeRegistry.APPLICATION_CBOR, MediaTypeRegistry.APPLICATION_CWT}) {
            CoapResponse r = c.post(request("assertion-for-dev1"), format);
            assertThat(r.getCode()).as("Content-Format %s", format).isEqualTo(ResponseCode.BAD_REQUEST);
            assertThat(CoapEdgeTest.description(r)).startsWith("malformed: content-format " + format);
        }
        assertThat(seen).as("nothing reached the issuer").isEmpty();
        org.eclipse.californium.core.coap.Request none = org.eclipse.californium.core.coap.Request.newPost();
        none.setPayload(request("assertion-for-dev1"));
        assertThat(c.advanced(none).getCode()).as("no Content-Format").isEqualTo(ResponseCode.CREATED);
        assertThat(c.post(request("assertion-for-dev1"), MediaTypeRegistry.APPLICATION_ACE_CBOR).getCode())
                .isEqualTo(ResponseCode.CREATED);
    }
}

package io.edgeauth.broker.token;

import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code geo} claim present but empty names no cell: it is refused, in JWT and CWT alike, where it used to read as an
 * absent claim, "not region-restricted" (tour G, G1). Absent and JSON null still mean no restriction.
 */
class EmptyGeoClaimTest {
    private static final String AUD = "mqtt://broker.example";
    private static final String ISS = "https://broker.example/acme";

    @TempDir
    Path data;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
    private final Signatures sig = new Signatures(CryptoProviders.jdk());
    private SigningKeyStore store;
    private BrokerTokenVerifier verifier;

    @BeforeEach
    void setUp() throws Exception {
        store = SigningKeyStore.open(data, List.of(new TenantKeySettings("acme", ISS, TokenAlgorithm.ES256, null)),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        verifier = new BrokerTokenVerifier(store, TokenPolicy.builder().audience(AUD).build(), sig, clock);
    }

    @Test
    void aJwtWithAnEmptyGeoArrayIsRefusedAsGrantingNoCell() throws Exception {
        assertReason(() -> verifier.verify(jwt(List.of())), RejectionReason.OUTSIDE_REGION);
    }

    @Test
    void aCwtWithAnEmptyGeoArrayIsRefusedAsGrantingNoCell() throws Exception {
        assertReason(() -> verifier.verify(cwt(CBORObject.NewArray())), RejectionReason.OUTSIDE_REGION);
    }

    @Test
    void anAbsentOrNullGeoClaimStillMeansNoRestrictionAndCellsAreKept() throws Exception {
        assertThat(verifier.verify(jwt(null)).geo()).isEmpty();
        assertThat(verifier.verify(jwt(List.of("u33d"))).geo()).containsExactly("u33d");
        assertThat(verifier.verify(cwt(null)).geo()).isEmpty();
        assertThat(verifier.verify(cwt(CBORObject.NewArray().Add("u33d"))).geo()).containsExactly("u33d");
    }

    private byte[] jwt(List<String> geo) throws Exception {
        long now = clock.instant().getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", ISS);
        c.put("sub", "dev-1");
        c.put("aud", AUD);
        c.put("iat", now);
        c.put("exp", now + 300);
        c.put("geo", geo); // null: written as "geo": null
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", "ES256");
        h.put("kid", store.activeKey("acme").kid());
        return TestSupport.jws(h, c, TokenAlgorithm.ES256, store.activeKey("acme").privateKey(), sig);
    }

    private byte[] cwt(CBORObject geo) throws Exception {
        long now = clock.instant().getEpochSecond();
        CBORObject claims = CBORObject.NewMap().Add(1, ISS).Add(2, "dev-1").Add(3, AUD).Add(4, now + 300).Add(6, now);
        if (geo != null) {
            claims.Add("geo", geo);
        }
        CBORObject prot = CBORObject.NewMap().Add(1, -7).Add(4, store.activeKey("acme").kid().getBytes(StandardCharsets.US_ASCII));
        byte[] protBytes = prot.EncodeToBytes();
        byte[] payload = claims.EncodeToBytes();
        CBORObject toSign = CBORObject.NewArray().Add("Signature1").Add(protBytes).Add(new byte[0]).Add(payload);
        byte[] signature = sig.sign(TokenAlgorithm.ES256, store.activeKey("acme").privateKey(), toSign.EncodeToBytes());
        return CBORObject.FromObjectAndTag(CBORObject.NewArray().Add(protBytes).Add(CBORObject.NewMap()).Add(payload)
                .Add(signature), 18).EncodeToBytes();
    }
}

package io.edgeauth.broker.token;

import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.refusal.RejectionReason;
import java.nio.file.Path;
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
    @TempDir
    Path data;
    private AcmeIssuer acme;
    private BrokerTokenVerifier verifier;

    @BeforeEach
    void setUp() throws Exception {
        acme = new AcmeIssuer(data);
        verifier = acme.verifier;
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
        long now = acme.clock.instant().getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", AcmeIssuer.ISS);
        c.put("sub", "dev-1");
        c.put("aud", AcmeIssuer.AUD);
        c.put("iat", now);
        c.put("exp", now + 300);
        c.put("geo", geo); // null: written as "geo": null
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", "ES256");
        h.put("kid", acme.kid());
        return TestSupport.jws(h, c, TokenAlgorithm.ES256, acme.store.activeKey("acme").privateKey(), acme.sig);
    }

    private byte[] cwt(CBORObject geo) throws Exception {
        return acme.cwt("geo", geo);
    }
}

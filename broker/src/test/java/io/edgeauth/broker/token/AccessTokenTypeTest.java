package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.Test;

/**
 * Tour X, X7: the verifier never read a JWT's {@code typ}, so a trusted issuer's DPoP proof, security event, logout
 * token or other typed JWT with the right {@code aud} was taken as an access token (RFC 9068 §4: a resource server
 * rejects other types). The known non-access types are refused now; no {@code typ}, {@code JWT} and
 * {@code at+jwt} are still taken (a deviation, docs/contract.md).
 */
class AccessTokenTypeTest {
    private static byte[] token(String typ) throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1");
        if (typ != null) {
            header.type(new JOSEObjectType(typ));
        }
        SignedJWT jwt = new SignedJWT(header.build(), new JWTClaimsSet.Builder().issuer("https://idp.test").subject("d1")
                .audience("edgeauth").issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(60)))
                .build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theKnownTypesOfJwtsThatAreNoAccessTokensAreRefused() throws Exception {
        for (String typ : new String[] {"dpop+jwt", "secevent+jwt", "logout+jwt", "application/logout+jwt",
                "token-introspection+jwt", "oauth-authz-req+jwt", "client-authentication+jwt", "kb+jwt", "DPoP+JWT"}) {
            byte[] t = token(typ);
            assertThatThrownBy(() -> JwtDecoder.decode(t, true)).as(typ).isInstanceOf(TokenRejectedException.class)
                    .hasMessageContaining("typ").satisfies(e -> assertThat(((TokenRejectedException) e).reason())
                            .isEqualTo(RejectionReason.MALFORMED));
        }
        for (String typ : new String[] {null, "JWT", "at+jwt", "application/at+jwt"}) {
            assertThat(JwtDecoder.decode(token(typ), true).claims().subject()).as(String.valueOf(typ)).isEqualTo("d1");
        }
    }

    /**
     * Tour J, J3: the audit checkpoint JWS is signed with a tenant's access-token key, and its class comment says a token
     * verifier never takes it for an access token; only its claims (no iss, sub, exp) kept it out, not its typ.
     */
    @Test
    void anAuditCheckpointTypIsNoAccessToken() throws Exception {
        for (String typ : new String[] {io.edgeauth.broker.audit.JwsCheckpoints.TYPE, "EdgeAuth-Audit-Checkpoint"}) {
            byte[] t = token(typ);
            assertThatThrownBy(() -> JwtDecoder.decode(t, true)).as(typ).isInstanceOf(TokenRejectedException.class)
                    .hasMessageContaining("typ").satisfies(e -> assertThat(((TokenRejectedException) e).reason())
                            .isEqualTo(RejectionReason.MALFORMED));
        }
    }
}

package io.edgeauth.broker.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cheap filter an edge applies before re-checking a live session against a revocation. */
class RevocationNamesTest {
    static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    static final VerifiedToken TOKEN = new VerifiedToken(TokenFormat.JWT, "https://idp", "pump-7", List.of("edgeauth"),
            NOW, null, NOW.plusSeconds(60), "jti-1", "kid-1", null, Set.of(), List.of(), null, null, null, null,
            "fp", List.of("parent-1"), "acme-ca");

    static Revocation of(Revocation.Kind kind, String value) {
        return new Revocation(kind, value, NOW, NOW.plusSeconds(600), "test");
    }

    @Test
    void aRevocationNamesExactlyTheTokensItCanCover() {
        assertThat(of(Revocation.Kind.JTI, "jti-1").names(TOKEN)).isTrue();
        assertThat(of(Revocation.Kind.JTI, "parent-1").names(TOKEN)).as("exchanged from it").isTrue();
        assertThat(of(Revocation.Kind.SUB, "pump-7").names(TOKEN)).isTrue();
        assertThat(of(Revocation.Kind.KID, "kid-1").names(TOKEN)).isTrue();
        assertThat(of(Revocation.Kind.KID, Revocation.issuerKey("https://idp", "kid-1")).names(TOKEN)).isTrue();
        assertThat(of(Revocation.Kind.ISSUER, "https://idp").names(TOKEN)).isTrue();
        assertThat(of(Revocation.Kind.ISSUER_KEY, Revocation.issuerKey("https://idp", "kid-1")).names(TOKEN)).isTrue();
        assertThat(of(Revocation.Kind.FLEET_CA, "acme-ca").names(TOKEN)).isTrue();

        assertThat(of(Revocation.Kind.JTI, "jti-2").names(TOKEN)).isFalse();
        assertThat(of(Revocation.Kind.SUB, "pump-8").names(TOKEN)).isFalse();
        assertThat(of(Revocation.Kind.SUB, "jti-1").names(TOKEN)).as("a kind reads only its own field").isFalse();
        assertThat(of(Revocation.Kind.KID, "kid-2").names(TOKEN)).isFalse();
        assertThat(of(Revocation.Kind.KID, Revocation.issuerKey("https://other", "kid-1")).names(TOKEN)).isFalse();
        assertThat(of(Revocation.Kind.ISSUER_KEY, Revocation.issuerKey("https://other", "kid-1")).names(TOKEN)).isFalse();
        assertThat(of(Revocation.Kind.FLEET_CA, "other-ca").names(TOKEN)).isFalse();
        assertThat(of(Revocation.Kind.FLEET_CA, "pump-7").names(TOKEN)).as("a kind reads only its own field").isFalse();
    }
}

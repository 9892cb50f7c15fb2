package io.edgeauth.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionRechecksTest {
    static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

    static DeviceSession session(PrincipalKind kind, String principal, String tenant, String jti) {
        VerifiedToken t = new VerifiedToken(TokenFormat.JWT, "iss", principal, List.of("edgeauth"), NOW, null,
                NOW.plusSeconds(60), jti, "kid1", null, Set.of(), List.of(), null, null, null, null, "fp");
        return new DeviceSession(kind, principal, tenant, t, Set.of(), "default", null);
    }

    @Test
    void aSessionEndsWhenExpiredOnTheSharedClockOrRevoked() {
        SessionRechecks rechecks = new SessionRechecks(t -> "bad".equals(t.tokenId())
                ? Optional.of(RejectionReason.REVOKED) : Optional.empty());
        DeviceSession ok = session(PrincipalKind.DEVICE, "d1", "t", "good");
        assertThat(rechecks.endReason(ok, NOW)).isEmpty();
        assertThat(rechecks.endReason(ok, NOW.plusSeconds(60))).contains(RejectionReason.EXPIRED);
        assertThat(rechecks.endReason(session(PrincipalKind.DEVICE, "d1", "t", "bad"), NOW))
                .contains(RejectionReason.REVOKED);
    }

    @Test
    void aRenewalKeepsPrincipalKindAndTenant() {
        SessionRechecks rechecks = new SessionRechecks(t -> Optional.empty());
        DeviceSession live = session(PrincipalKind.DEVICE, "d1", "t", "a");
        assertThat(rechecks.renewalRefusal(live, session(PrincipalKind.DEVICE, "d1", "t", "b"))).isEmpty();
        assertThat(rechecks.renewalRefusal(live, session(PrincipalKind.DEVICE, "d2", "t", "b"))).isPresent();
        assertThat(rechecks.renewalRefusal(live, session(PrincipalKind.DEVICE, "d1", "u", "b"))).isPresent();
        assertThat(rechecks.renewalRefusal(live, session(PrincipalKind.SERVICE, "d1", "t", "b"))).isPresent();
    }
}

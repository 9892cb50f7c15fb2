package io.edgeauth.broker.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationServiceTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    static VerifiedToken token(String sub, String jti, String kid, Instant iat) {
        return new VerifiedToken(TokenFormat.JWT, "https://iss", sub, List.of("edgeauth"), iat, null,
                iat.plusSeconds(600), jti, kid, "default", null, null, null, null, null, null, "fp");
    }

    /**
     * Tour M, M3: a jti or kid revocation made on a node with a shorter tokens.maxLifetime lapsed on a node that issues
     * longer tokens while the revoked token was still valid there; each node now holds it for its own token lifetime.
     */
    @Test
    void aRevocationLastsForTheLongestTokenTheCheckingNodeAcceptsNotTheRevokingNodes() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            Instant issued = clock.instant().minusSeconds(60);
            RevocationService shortLived = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            shortLived.revoke(Revocation.Kind.JTI, "long-jti", "lost");
            shortLived.revoke(Revocation.Kind.KID, "long-kid", "compromised");
            RevocationService longLived = new RevocationService(store, clock, Duration.ofHours(1), Duration.ofSeconds(30));
            clock.advance(Duration.ofMinutes(20)); // past the revoking node's 10 min + 30 s, within the other's hour
            assertThat(longLived.check(token("dev1", "long-jti", "k1", issued))).contains(RejectionReason.REVOKED);
            assertThat(longLived.check(token("dev1", "j2", "long-kid", issued))).contains(RejectionReason.KEY_REVOKED);
            assertThat(longLived.prune()).as("kept while a token it covers may be valid here").isZero();
            assertThat(longLived.inForce(Revocation.Kind.JTI, "long-jti")).isPresent();
            clock.advance(Duration.ofMinutes(41));
            assertThat(longLived.check(token("dev1", "long-jti", "k1", issued))).isEmpty();
        }
    }

    /**
     * The verifier accepts a token dated up to the clock leeway ahead (a node or signer whose clock runs ahead), so such
     * a token is valid until revocation time + leeway + maximum lifetime + leeway. A jti or key revocation ended one
     * leeway earlier, and the revoked token authenticated again for its last seconds (tour AG, AG2).
     */
    @Test
    void aJtiOrKeyRevocationOutlivesATokenDatedAheadWithinTheLeeway() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            Duration max = Duration.ofMinutes(10);
            Duration leeway = Duration.ofSeconds(30);
            RevocationService r = new RevocationService(store, clock, max, leeway);
            Instant ahead = clock.instant().plus(leeway); // accepted: iat up to now + leeway
            VerifiedToken byJti = new VerifiedToken(TokenFormat.JWT, "https://iss", "dev1", List.of("edgeauth"), ahead,
                    null, ahead.plus(max), "ahead-jti", "k1", "default", null, null, null, null, null, null, "fp");
            VerifiedToken byKid = new VerifiedToken(TokenFormat.JWT, "https://iss", "dev1", List.of("edgeauth"), ahead,
                    null, ahead.plus(max), "j2", "ahead-kid", "default", null, null, null, null, null, null, "fp");
            r.revoke(Revocation.Kind.JTI, "ahead-jti", "lost");
            r.revoke(Revocation.Kind.KID, "ahead-kid", "compromised");
            // the verifier takes both until exp + leeway; one second before that
            clock.advance(Duration.between(clock.instant(), byJti.expiresAt().plus(leeway).minusSeconds(1)));
            assertThat(r.prune()).as("nothing pruned while a token it covers verifies").isZero();
            assertThat(r.check(byJti)).contains(RejectionReason.REVOKED);
            assertThat(r.check(byKid)).contains(RejectionReason.KEY_REVOKED);
            clock.advance(Duration.ofSeconds(1));
            assertThat(r.prune()).as("ended once no token it covers verifies").isEqualTo(2);
        }
    }

    /**
     * A delegated token (RFC 8693, {@code act}) is the actor's to use: revoking the actor (a stolen gateway, or a change
     * of its record) must end the tokens it obtained acting for others, and their live sessions. Before, only a token
     * whose own subject was revoked ended (tour AG, AG5).
     */
    @Test
    void aSubjectRevocationAlsoEndsTheTokensItObtainedAsActor() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            Instant iat = clock.instant().minusSeconds(5);
            VerifiedToken delegated = new VerifiedToken(TokenFormat.JWT, "https://iss", "meter-7", List.of("edgeauth"),
                    iat, null, iat.plusSeconds(600), "child", "k1", "default", null, null, null, null, "gateway-1", null,
                    "fp");
            assertThat(r.check(delegated)).isEmpty();
            Revocation gateway = r.revoke(Revocation.Kind.SUB, "gateway-1", "stolen");
            assertThat(gateway.names(delegated)).as("its live sessions are re-checked").isTrue();
            assertThat(r.check(delegated)).contains(RejectionReason.REVOKED);
            assertThat(r.check(token("meter-7", "own", "k1", iat))).as("the subject's own tokens go on").isEmpty();
            clock.advance(Duration.ofSeconds(10));
            Instant later = clock.instant();
            VerifiedToken after = new VerifiedToken(TokenFormat.JWT, "https://iss", "meter-7", List.of("edgeauth"),
                    later, null, later.plusSeconds(600), "child2", "k1", "default", null, null, null, null, "gateway-1",
                    null, "fp");
            assertThat(r.check(after)).as("obtained after the revocation").isEmpty();
            r.revokeSubjectUntilLifted("gateway-1", "stolen");
            assertThat(r.check(after)).as("a block covers every token it acts with").contains(RejectionReason.REVOKED);
        }
    }

    @Test
    void revokesByJtiSubjectAndKeyAndTellsListeners() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            List<Revocation> heard = new ArrayList<>();
            r.subscribe(heard::add);
            VerifiedToken t = token("dev1", "j1", "k1", clock.instant().minusSeconds(5));
            assertThat(r.check(t)).isEmpty();

            r.revoke(Revocation.Kind.JTI, "j1", "lost");
            assertThat(r.check(t)).contains(RejectionReason.REVOKED);
            assertThat(r.check(token("dev1", "j2", "k1", clock.instant()))).isEmpty();

            r.revoke(Revocation.Kind.SUB, "dev2", "stolen");
            assertThat(r.check(token("dev2", "j3", "k1", clock.instant().minusSeconds(1)))).contains(RejectionReason.REVOKED);
            clock.advance(Duration.ofSeconds(2));
            assertThat(r.check(token("dev2", "j4", "k1", clock.instant()))).as("issued after the revocation").isEmpty();

            r.revoke(Revocation.Kind.KID, "k9", "compromised");
            assertThat(r.check(token("dev3", "j5", "k9", clock.instant()))).contains(RejectionReason.KEY_REVOKED);
            assertThat(heard).extracting(Revocation::kind)
                    .containsExactly(Revocation.Kind.JTI, Revocation.Kind.SUB, Revocation.Kind.KID);
        }
    }

    /**
     * Tour X, X6 and X2: an operator's revocation of an outside issuer's key holds until lifted (it was pruned after
     * the longest token lifetime + leeway, and the still-published key authenticated again), names one issuer's key,
     * and its end is told to the prune's listener (audited {@code revocation.ended}); a record with the bare kid
     * (written before) still refuses the kid at every issuer.
     */
    @Test
    void anOutsideKeyRevocationHoldsUntilLiftedAndNamesOneIssuer() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            Revocation held = r.revokeKey("https://iss", "k1", "leaked", true);
            assertThat(held.untilLifted()).isTrue();
            clock.advance(Duration.ofDays(2));
            List<Revocation> ended = new ArrayList<>();
            assertThat(r.prune(ended::add)).isZero();
            assertThat(r.check(token("dev1", "j1", "k1", clock.instant()))).contains(RejectionReason.KEY_REVOKED);
            VerifiedToken otherIssuer = new VerifiedToken(TokenFormat.JWT, "https://other", "dev1", List.of("edgeauth"),
                    clock.instant(), null, clock.instant().plusSeconds(600), "j2", "k1", "default", null, null, null,
                    null, null, null, "fp");
            assertThat(r.check(otherIssuer)).as("the same kid at another issuer").isEmpty();

            assertThat(r.lift(Revocation.Kind.KID, Revocation.issuerKey("https://iss", "k1"))).isPresent();
            assertThat(r.check(token("dev1", "j3", "k1", clock.instant()))).as("for a token lifetime after the lift")
                    .contains(RejectionReason.KEY_REVOKED);
            clock.advance(Duration.ofMinutes(11));
            assertThat(r.prune(ended::add)).isOne();
            assertThat(ended).extracting(Revocation::value).containsExactly(Revocation.issuerKey("https://iss", "k1"));
            assertThat(r.check(token("dev1", "j4", "k1", clock.instant()))).isEmpty();

            r.revokeKey("https://iss", "k2", "rotated out", false); // the broker's own key: until its tokens expired
            clock.advance(Duration.ofMinutes(11));
            assertThat(r.prune(ended::add)).isOne();
            assertThat(r.check(token("dev1", "j5", "k2", clock.instant()))).isEmpty();

            r.revoke(Revocation.Kind.KID, "k3", "a record of before"); // no issuer: every issuer's k3
            assertThat(r.check(otherIssuer)).isEmpty();
            assertThat(r.check(token("dev1", "j6", "k3", clock.instant()))).contains(RejectionReason.KEY_REVOKED);
        }
    }

    static VerifiedToken ofFleetCa(String sub, String fleetCa, Instant iat) {
        return new VerifiedToken(TokenFormat.JWT, "https://iss", sub, List.of("edgeauth"), iat, null,
                iat.plusSeconds(600), "j-" + sub, "k1", "default", null, null, null, null, null, null, "fp", List.of(),
                fleetCa);
    }

    /**
     * A withdrawn fleet CA: the tokens naming it in {@code fleet_ca}, issued up to the withdrawal + leeway (another
     * node may have issued one before the withdrawal reached it), and none of another CA's or of no CA's.
     */
    @Test
    void aFleetCaRevocationCoversTheTokensNamingItUpToTheLeeway() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            List<Revocation> heard = new ArrayList<>();
            r.subscribe(heard::add);
            Instant withdrawn = clock.instant();
            Revocation revocation = r.revokeFleetCa("acme", "fleet CA withdrawn");

            assertThat(revocation.issuedBefore()).isEqualTo(withdrawn.plusSeconds(30));
            assertThat(heard).containsExactly(revocation);
            assertThat(r.check(ofFleetCa("d1", "acme", withdrawn.minusSeconds(60)))).contains(RejectionReason.REVOKED);
            assertThat(r.check(ofFleetCa("d2", "acme", withdrawn.plusSeconds(30)))).as("within the leeway")
                    .contains(RejectionReason.REVOKED);
            assertThat(r.check(ofFleetCa("d3", "acme", withdrawn.plusSeconds(31)))).as("issued after: trusted again")
                    .isEmpty();
            assertThat(r.check(ofFleetCa("d4", "other", withdrawn.minusSeconds(60)))).isEmpty();
            assertThat(r.check(ofFleetCa("acme", null, withdrawn.minusSeconds(60)))).as("no fleet CA").isEmpty();
        }
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            assertThat(r.check(ofFleetCa("d1", "acme", clock.instant().minusSeconds(1)))).as("after a restart")
                    .contains(RejectionReason.REVOKED);
            clock.advance(Duration.ofMinutes(11).plusSeconds(1));
            assertThat(r.prune()).isEqualTo(1);
        }
    }

    /** A rollback onto a store a newer broker wrote: start-up stops saying why, instead of "corrupt". */
    @Test
    void aRevocationOfAKindFromANewerVersionStopsStartUpSayingSo() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            store.putAsync(RevocationService.SPACE, "FUTURE:x", ("{\"kind\":\"FUTURE\",\"value\":\"x\","
                    + "\"issuedBefore\":\"2026-01-01T00:00:00Z\",\"keepUntil\":\"2026-01-01T00:10:00Z\","
                    + "\"reason\":\"\",\"untilLifted\":false}").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    null).join();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RevocationService(store, clock,
                    Duration.ofMinutes(10), Duration.ofSeconds(30)))
                    .hasMessageContaining("of a kind this version does not know (FUTURE");
        }
    }

    @Test
    void survivesRestartAndIsPrunedOnceNothingItCoversCanBeValid() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30))
                    .revoke(Revocation.Kind.JTI, "j1", "lost");
        }
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            assertThat(r.check(token("d", "j1", "k", clock.instant()))).contains(RejectionReason.REVOKED);
            // a jti's token may be dated up to the leeway ahead: lifetime + twice the leeway (tour AG, AG2)
            clock.advance(Duration.ofMinutes(10).plusSeconds(59));
            assertThat(r.prune()).isZero();
            clock.advance(Duration.ofSeconds(2));
            assertThat(r.prune()).isEqualTo(1);
            assertThat(r.size()).isZero();
        }
    }

    @Test
    void aSubjectBlockRefusesEveryTokenSurvivesRestartAndPruningUntilLifted() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            Revocation block = r.revokeSubjectUntilLifted("dev1", "stolen");
            assertThat(block.untilLifted()).isTrue();
            assertThat(r.blocksIssuance("dev1")).isTrue();
            assertThat(r.blocksIssuance("dev2")).isFalse();
            clock.advance(Duration.ofSeconds(5));
            assertThat(r.check(token("dev1", "j1", "k", clock.instant()))).as("issued after").contains(RejectionReason.REVOKED);
            assertThat(r.lift("dev2")).isEmpty();
        }
        clock.advance(Duration.ofHours(1));
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            store.prune(clock.instant());
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            assertThat(r.prune()).isZero();
            assertThat(r.blocksIssuance("dev1")).as("an hour and a restart later").isTrue();
            Instant revokedAt = clock.instant().minus(Duration.ofHours(1)).minusSeconds(5);
            assertThat(r.lift("dev1")).isPresent();
            assertThat(r.lift("dev1")).isEmpty();
            assertThat(r.blocksIssuance("dev1")).isFalse();
            assertThat(r.check(token("dev1", "j2", "k", clock.instant()))).as("issued after the lift").isEmpty();
            assertThat(r.check(token("dev1", "j3", "k", revokedAt))).as("issued before the revocation").contains(RejectionReason.REVOKED);
        }
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            assertThat(r.blocksIssuance("dev1")).as("the lift is durable").isFalse();
        }
    }

    @Test
    void anIssuerKeyRevocationCoversOnlyThatIssuersKeyAndTokensDatedUpToItPlusLeeway() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            List<Revocation> heard = new java.util.ArrayList<>();
            r.subscribe(heard::add);
            r.revokeIssuerKey("https://iss", "k1", "kid dropped");
            assertThat(heard).singleElement().satisfies(h -> assertThat(h.kind()).isEqualTo(Revocation.Kind.ISSUER_KEY));
            assertThat(r.check(token("dev1", "j1", "k1", clock.instant().minusSeconds(60)))).contains(RejectionReason.KEY_REVOKED);
            assertThat(r.check(token("dev1", "j2", "k1", clock.instant().plusSeconds(29))))
                    .as("an iat the verifier accepts (within the leeway ahead)").contains(RejectionReason.KEY_REVOKED);
            assertThat(r.check(token("dev1", "j3", "k1", clock.instant().plusSeconds(31))))
                    .as("dated after: only verifies if the issuer publishes the key again").isEmpty();
            assertThat(r.check(token("dev1", "j4", "k2", clock.instant()))).as("another key").isEmpty();
            VerifiedToken otherIssuer = new VerifiedToken(TokenFormat.JWT, "https://other", "dev1", List.of("edgeauth"),
                    clock.instant(), null, clock.instant().plusSeconds(60), "j5", "k1", "default", java.util.Set.of(), List.of(),
                    null, null, null, null, "fp");
            assertThat(r.check(otherIssuer)).as("the same kid at another issuer").isEmpty();
            assertThat(new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30))
                    .check(token("dev1", "j7", "k1", clock.instant()))).as("durable").contains(RejectionReason.KEY_REVOKED);

            r.revokeIssuer("https://iss", "issuer removed");
            assertThat(r.check(token("dev1", "j6", "k2", clock.instant()))).contains(RejectionReason.REVOKED);
            assertThat(r.check(otherIssuer)).isEmpty();
            clock.advance(Duration.ofMinutes(11));
            assertThat(r.prune()).isEqualTo(2);
        }
    }
}

package io.edgeauth.broker.oauth;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.SubjectBlocks;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.wallet.SignatureRecoveries;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Tour V, V1: a device that proved its old credential, whose record is replaced (a PUT with a new credential, and the
 * PUT's subject revocation "up to now") after the proof and before the token is signed, gets nothing: the token,
 * dated past that revocation, would otherwise be live for a credential the record no longer holds. The replacement
 * is put exactly into the window by the issuer's look-up of the subject's revocation, made at signing time.
 */
class TokenAfterCredentialChangeTest {
    @TempDir
    Path dir;

    @Test
    void aCredentialReplacedWhileTheTokenIsSignedGetsNoToken() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T08:00:00Z"));
        List<String> audit = new CopyOnWriteArrayList<>();
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            DeviceRegistry registry = new DeviceRegistry(store);
            ECKeyPair oldKey = Keys.createEcKeyPair();
            Device before = new Device("eth-1", "default", new Device.Credential(Device.CredentialType.ETH_ADDRESS,
                    Wallets.address(oldKey)), List.of(), null, null, clock.instant());
            registry.register(before);
            Device rotated = new Device("eth-1", "default", new Device.Credential(Device.CredentialType.ETH_ADDRESS,
                    Wallets.address(Keys.createEcKeyPair())), List.of(), null, null, before.createdAt());
            AtomicBoolean put = new AtomicBoolean();
            SigningKeyStore keys = SigningKeyStore.open(dir, List.of(new TenantKeySettings("default",
                    "https://broker.test", TokenAlgorithm.ES256, null)), Duration.ofMinutes(10), clock);
            TokenIssuer issuer = new TokenIssuer(keys, new Signatures(CryptoProviders.jdk()), Duration.ofMinutes(10),
                    clock).subjectRevocations(sub -> {
                        if (put.compareAndSet(false, true)) { // the PUT lands now: new record, then its revocation
                            registry.register(rotated);
                            return clock.instant();
                        }
                        return null;
                    });
            EthDeviceTokenService s = new EthDeviceTokenService(store, registry, SignatureRecoveries.best(), issuer,
                    SubjectBlocks.NONE, tenant -> java.util.Set.of(), List.of("edgeauth"), "eu-1",
                    Duration.ofMinutes(2), clock, (e, o, f) -> audit.add(e + " " + o), new SimpleMeterRegistry());
            EthDeviceTokenService.Challenge c = s.challenge("eth-1");
            String signed = Wallets.personalSign(c.text(), oldKey);
            assertThatThrownBy(() -> s.login("eth-1", c.text(), signed, TokenFormat.JWT, null, "test"))
                    .as("the old credential's token would be dated past the PUT's revocation")
                    .isInstanceOfSatisfying(TokenRejectedException.class,
                            e -> assertThat(e.reason()).isEqualTo(RejectionReason.BINDING_MISMATCH));
            assertThat(put).isTrue();
            assertThat(audit).doesNotContain("token.issued ok");
        }
    }

    /**
     * A subject revocation also covers the tokens its subject obtained as actor (tour AG, AG5): one issued in the same
     * second as the actor's revocation (a gateway whose record just changed, exchanging at once) is dated after it, as
     * a token of the revoked subject itself is, and is not refused on arrival.
     */
    @Test
    void aDelegatedTokenIsDatedAfterItsActorsRevocation() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T08:00:00.400Z"));
        SigningKeyStore keys = SigningKeyStore.open(dir, List.of(new TenantKeySettings("default",
                "https://broker.test", TokenAlgorithm.ES256, null)), Duration.ofMinutes(10), clock);
        Instant revoked = clock.instant();
        TokenIssuer issuer = new TokenIssuer(keys, new Signatures(CryptoProviders.jdk()), Duration.ofMinutes(10), clock)
                .subjectRevocations(sub -> "gateway-1".equals(sub) ? revoked : null);
        var delegated = issuer.issue(io.edgeauth.broker.token.TokenClaims.builder("default", "meter-7")
                .audience("edgeauth").actor("gateway-1").build(), TokenFormat.JWT);
        assertThat(delegated.issuedAt()).isAfter(revoked);
        var own = issuer.issue(io.edgeauth.broker.token.TokenClaims.builder("default", "meter-7")
                .audience("edgeauth").build(), TokenFormat.JWT);
        assertThat(own.issuedAt()).as("no actor, nothing revoked: dated now").isBefore(revoked);
    }
}

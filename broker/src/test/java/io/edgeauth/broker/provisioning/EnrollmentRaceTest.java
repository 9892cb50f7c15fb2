package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.oauth.DeviceTokenService;
import io.edgeauth.broker.oauth.StoreReplayGuard;
import io.edgeauth.broker.oauth.TokenChannel;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.SubjectBlocks;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero-touch requests racing each other or an admin (tour V, V2, V7, V8, V12): the provisioning mark names the CA and
 * certificate whose key the record holds, never a request's that lost; of two renewals the record ends on the newer
 * certificate's key. The competing change is put exactly into the window by a store that runs it when a request spends
 * its assertion's jti (after the request read the record, before it writes).
 */
class EnrollmentRaceTest {
    private static final String AUDIENCE = "https://broker.test/oauth/token";
    @TempDir
    Path dir;
    private final Clock clock = Clock.systemUTC();
    private FleetPki fleet;
    private FleetPki otherTenants;
    private HookedStore store;
    private DeviceRegistry registry;
    private DeviceEnrollment enrollment;
    private EnrollmentGroups groups;

    @BeforeEach
    void setUp() throws Exception {
        fleet = new FleetPki("race fleet CA");
        otherTenants = new FleetPki("race t2 fleet CA");
        Files.writeString(dir.resolve("fleet.pem"), FleetPki.pem(fleet.caCertificate()));
        Files.writeString(dir.resolve("t2.pem"), FleetPki.pem(otherTenants.caCertificate()));
        BrokerConfig config = new ConfigLoader().load(null, Map.of(
                "EDGEAUTH_TENANTS", "[{\"id\":\"default\"},{\"id\":\"t2\"}]",
                "EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"fleet\",\"certificateFile\":\"" + dir.resolve("fleet.pem")
                        + "\"},{\"id\":\"t2ca\",\"tenant\":\"t2\",\"certificateFile\":\"" + dir.resolve("t2.pem") + "\"}]",
                "EDGEAUTH_PROVISIONING_TEMPLATES", "{\"default\":{}}",
                "EDGEAUTH_PROVISIONING_ENROLLMENT_GROUPS", "[{\"id\":\"sensors\",\"secretFile\":\""
                        + ownerOnly(Files.write(dir.resolve("sensors.key"), new byte[32])) + "\"}]"));
        groups = new EnrollmentGroups(config.provisioning());
        store = new HookedStore(new MvStoreStore(dir.resolve("s.mv"), clock));
        registry = new DeviceRegistry(store);
        Signatures signatures = new Signatures(CryptoProviders.jdk());
        ClientAssertionVerifier assertions = new ClientAssertionVerifier(Set.of(AUDIENCE),
                new StoreReplayGuard(store, clock), signatures, Duration.ofSeconds(30), clock);
        SigningKeyStore keys = SigningKeyStore.open(dir, List.of(new TenantKeySettings("default",
                "https://broker.test", TokenAlgorithm.ES256, null)), Duration.ofMinutes(10), clock);
        TokenIssuer issuer = new TokenIssuer(keys, signatures, Duration.ofMinutes(10), clock);
        DeviceTokenService devices = new DeviceTokenService(assertions, registry, issuer, SubjectBlocks.NONE,
                tenant -> Set.of(), List.of("edgeauth"), null, (e, o, f) -> { }, new SimpleMeterRegistry());
        enrollment = new DeviceEnrollment(new FleetCas(config.provisioning(), store, clock), groups, config.provisioning().templates(), registry,
                new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(), clock), assertions, devices, store,
                (e, o, f) -> { });
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void aZeroTouchRequestThatLostToAnAdminLeavesNoMarkAndANewerCertificateDoesNotReKeyTheAdminsDevice()
            throws Exception {
        FleetPki.Issued factory = issued("zt-1", 3);
        FleetPki.Issued adminKey = issued("zt-1", 3);
        Device byAdmin = new Device("zt-1", "default", new Device.Credential(Device.CredentialType.JWK,
                JWK.parse(adminKey.cert()).toPublicJWK().toJSONString()), List.of(), null, null, Instant.now());
        store.onNextSpend(() -> registry.register(byAdmin)); // the admin's POST lands after the look-up
        assertRefused(() -> token("zt-1", factory), RejectionReason.BINDING_MISMATCH);
        assertThat(store.get(DeviceEnrollment.PROVISIONED_BY, "zt-1")).as("the loser's CA is no provisioner").isEmpty();

        FleetPki.Issued newer = issued("zt-1", 1);
        assertRefused(() -> token("zt-1", newer), RejectionReason.BINDING_MISMATCH);
        assertThat(registry.find("zt-1")).contains(byAdmin);
    }

    @Test
    void anotherTenantsCertificateThatLostToAnAdminMakesItsCaNoProvisionerOfTheDefaultTenantsDevice() throws Exception {
        FleetPki.Issued t2Certificate = otherTenants.device("zt-x", Instant.now().minus(Duration.ofHours(2)),
                Instant.now().plus(Duration.ofDays(1)), KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth);
        FleetPki.Issued adminKey = issued("zt-x", 3);
        Device byAdmin = new Device("zt-x", "default", new Device.Credential(Device.CredentialType.JWK,
                JWK.parse(adminKey.cert()).toPublicJWK().toJSONString()), List.of(), null, null, Instant.now());
        store.onNextSpend(() -> registry.register(byAdmin));
        assertRefused(() -> token("zt-x", t2Certificate), RejectionReason.WRONG_TENANT);
        assertThat(store.get(DeviceEnrollment.PROVISIONED_BY, "zt-x"))
                .as("t2's CA must not govern (withdrawal, CRL, renewal) a default-tenant device").isEmpty();
        assertThat(registry.find("zt-x")).contains(byAdmin);
    }

    @Test
    void ofTwoFirstUsesWithTwoCertificatesTheMarkNamesTheCertificateWhoseKeyTheRecordHolds() throws Exception {
        FleetPki.Issued first = issued("zt-2", 2);
        FleetPki.Issued second = issued("zt-2", 2);
        store.onNextSpend(() -> token("zt-2", second)); // the second request creates the record meanwhile
        assertRefused(() -> token("zt-2", first), RejectionReason.BINDING_MISMATCH);
        assertThat(keyOf("zt-2")).isEqualTo(thumbprint(second));
        CertificateMark mark = CertificateMark.parse(store.get(DeviceEnrollment.PROVISIONED_BY, "zt-2").orElseThrow())
                .orElseThrow();
        assertThat(mark).as("the record's certificate, which a CRL must be able to name")
                .isEqualTo(CertificateMark.of(fleetCa(), second.cert(), com.nimbusds.jose.jwk.JWK.parse(second.cert())));
    }

    @Test
    void ofTwoRenewalsAtOnceTheRecordEndsOnTheNewerCertificatesKey() throws Exception {
        FleetPki.Issued original = issued("zt-3", 3);
        token("zt-3", original);
        FleetPki.Issued older = issued("zt-3", 2);
        FleetPki.Issued newer = issued("zt-3", 1);
        store.onNextSpend(() -> token("zt-3", newer)); // the newer renewal completes inside the older one's window
        assertRefused(() -> token("zt-3", older), RejectionReason.BINDING_MISMATCH);
        assertThat(keyOf("zt-3")).as("never back to the older certificate's key").isEqualTo(thumbprint(newer));
        assertThat(CertificateMark.parse(store.get(DeviceEnrollment.PROVISIONED_BY, "zt-3").orElseThrow()).orElseThrow())
                .isEqualTo(CertificateMark.of(fleetCa(), newer.cert(), com.nimbusds.jose.jwk.JWK.parse(newer.cert())));
    }

    @Test
    void aNewDevicesJtiRecordAndMarkGoToTheStoreTogetherNotOneCommitAfterAnother() throws Exception {
        FleetPki.Issued cert = issued("zt-4", 1);
        java.util.concurrent.CompletableFuture<Void> commits = new java.util.concurrent.CompletableFuture<>();
        store.holdCommitsUntil(commits);
        java.util.concurrent.CompletableFuture<Void> answered = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                token("zt-4", cert);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try {
            // while the commits are held, the assertion's jti, the record and its mark are all written: one commit wait
            // for the three, not one after another
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    store.heldSpaces).contains("assertion-jti", "devices", DeviceEnrollment.PROVISIONED_BY));
            assertThat(answered).as("no token before both writes are durable").isNotDone();
        } finally {
            commits.complete(null);
        }
        answered.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(CertificateMark.parse(store.get(DeviceEnrollment.PROVISIONED_BY, "zt-4").orElseThrow()).orElseThrow())
                .isEqualTo(CertificateMark.of(fleetCa(), cert.cert(), com.nimbusds.jose.jwk.JWK.parse(cert.cert())));
    }

    @Test
    void aGroupEnrolledDevicesJtiAndRecordGoToTheStoreTogether() throws Exception {
        byte[] secret = EnrollmentGroups.deviceSecret(groups.group("sensors").orElseThrow(), "g-1");
        Instant now = Instant.now();
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(
                com.nimbusds.jose.JWSAlgorithm.HS256).keyID("sensors").build(), new com.nimbusds.jwt.JWTClaimsSet.Builder()
                .issuer("g-1").subject("g-1").audience(AUDIENCE).jwtID("j-g-1").issueTime(java.util.Date.from(now))
                .expirationTime(java.util.Date.from(now.plusSeconds(60))).build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(secret));
        java.util.concurrent.CompletableFuture<Void> commits = new java.util.concurrent.CompletableFuture<>();
        store.holdCommitsUntil(commits);
        java.util.concurrent.CompletableFuture<Void> answered = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                enrollment.issue(jwt.serialize(), TokenFormat.JWT, null, new TokenChannel("test", "127.0.0.1"));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    store.heldSpaces).contains("assertion-jti", "devices"));
            assertThat(answered).as("no token before both writes are durable").isNotDone();
        } finally {
            commits.complete(null);
        }
        answered.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(registry.find("g-1")).isPresent();
    }

    private FleetCa fleetCa() throws Exception {
        return new FleetCas(new ConfigLoader().load(null, Map.of("EDGEAUTH_PROVISIONING_FLEET_CAS",
                "[{\"id\":\"fleet\",\"certificateFile\":\"" + dir.resolve("fleet.pem") + "\"}]")).provisioning(), store,
                clock).activeCa("fleet").orElseThrow();
    }

    private FleetPki.Issued issued(String id, int hoursAgo) throws Exception {
        return fleet.device(id, Instant.now().minus(Duration.ofHours(hoursAgo)), Instant.now().plus(Duration.ofDays(1)),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth);
    }

    private void token(String id, FleetPki.Issued cert) throws Exception {
        enrollment.issue(ZeroTouchTest.assertion(AUDIENCE, id, cert.keys().getPrivate(), List.of(cert.cert())),
                TokenFormat.JWT, null, new TokenChannel("test", "127.0.0.1"));
    }

    private String keyOf(String id) throws Exception {
        return JWK.parse(registry.find(id).orElseThrow().credential().value()).computeThumbprint().toString();
    }

    private static String thumbprint(FleetPki.Issued cert) throws Exception {
        return JWK.parse(cert.cert()).toPublicJWK().computeThumbprint().toString();
    }

    /** A group secret is refused by the broker when its group or others can read it. */
    private static Path ownerOnly(Path secret) throws java.io.IOException {
        return Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, RejectionReason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(TokenRejectedException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    /** Runs {@link #onNextSpend} once, when the next jti is spent ({@code putIfAbsent}), before spending it. */
    static final class HookedStore extends io.edgeauth.broker.store.ForwardingStore {
        private volatile Action next;

        interface Action {
            void run() throws Exception;
        }

        HookedStore(io.edgeauth.broker.store.Store store) {
            super(store);
        }

        void onNextSpend(Action action) {
            next = action;
        }

        private volatile java.util.concurrent.CompletableFuture<Void> commits;
        final java.util.Set<String> heldSpaces = java.util.concurrent.ConcurrentHashMap.newKeySet();

        /** Writes made from now on are durable only once {@code commits} completes (the store's commit held back). */
        void holdCommitsUntil(java.util.concurrent.CompletableFuture<Void> commits) {
            this.commits = commits;
        }

        @Override
        public boolean putIfAbsent(String space, String key, byte[] value, Instant expiresAt) {
            runHook();
            return store.putIfAbsent(space, key, value, expiresAt);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> putIfAbsentDeferred(String space, String key, byte[] value,
                                                                              Instant expiresAt) {
            runHook();
            java.util.concurrent.CompletableFuture<Void> written = store.putIfAbsentDeferred(space, key, value, expiresAt);
            return written == null ? null : held(space, written);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> putAsync(String space, String key, byte[] value,
                                                                   Instant expiresAt) {
            return held(space, store.putAsync(space, key, value, expiresAt));
        }

        private void runHook() {
            Action action = next;
            next = null;
            if (action != null) {
                try {
                    action.run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        private java.util.concurrent.CompletableFuture<Void> held(String space,
                                                                  java.util.concurrent.CompletableFuture<Void> written) {
            java.util.concurrent.CompletableFuture<Void> held = commits;
            if (held == null) {
                return written;
            }
            heldSpaces.add(space);
            return written.thenCombine(held, (a, b) -> null);
        }
    }
}

package io.edgeauth.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.token.Confirmation;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pipeline's own rules, with a stand-in verifier (token verification has its own tests). */
class DefaultAuthPipelineTest {
    static final String ISS = "https://broker";
    static final String OWNER = "did:pkh:eip155:1:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Map<String, Object> tokens = new HashMap<>();
    private final List<String> audit = new ArrayList<>();
    private final AtomicBoolean connectAllowed = new AtomicBoolean(true);
    private MvStoreStore store;
    private DeviceRegistry registry;
    private RevocationService revocations;
    private DefaultAuthPipeline pipeline;
    /** Registered services: tenant and what each grants (a stand-in for the service registry). */
    private final Map<String, ServicePrincipals.Service> services = new HashMap<>(Map.of(
            "svc", service("default", "sub:d/+/up/#"), "twin", service("default", "sub:#"),
            "svc-acme", service("acme", "sub:d/+/up/#"), "svc-gold", service("default", "sub:x", "gold")));

    private static ServicePrincipals.Service service(String tenant, String grant) {
        return service(tenant, grant, null);
    }

    private static ServicePrincipals.Service service(String tenant, String grant, String plan) {
        return new ServicePrincipals.Service() {
            @Override
            public String tenant() {
                return tenant;
            }

            @Override
            public boolean grantsScope(String scopeEntry) {
                return scopeEntry.equals(grant);
            }

            @Override
            public String ratePlan() {
                return plan;
            }
        };
    }

    @BeforeEach
    void setUp() {
        store = new MvStoreStore(dir.resolve("s.mv"), clock);
        registry = new DeviceRegistry(store);
        revocations = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
        registry.register(new Device("dev1", "default", new Device.Credential(Device.CredentialType.JWK, "{}"),
                List.of(), "gold", OWNER, clock.instant()));
        registry.register(new Device("cert1", "default", new Device.Credential(Device.CredentialType.X5T_S256,
                "T".repeat(43)), List.of(), null, null, clock.instant()));
        registry.register(new Device("other", "acme", new Device.Credential(Device.CredentialType.JWK, "{}"),
                List.of(), null, null, clock.instant()));
        RateLimits limits = new RateLimits() {
            @Override
            public RateLimiter forDevice(String tenant, String deviceId, RatePlan plan) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean tryConnect(String deviceId, InetAddress source) {
                return connectAllowed.get();
            }

            @Override
            public long secondsUntilConnect(String identity, InetAddress source) {
                return 3;
            }

            @Override
            public void recordFailedConnect(String deviceId, InetAddress source) {
            }
        };
        this.limits = limits;
        pipeline = pipeline(new GeoPolicy("u33d"));
    }

    private RateLimits limits;

    private DefaultAuthPipeline pipeline(GeoPolicy geoPolicy) {
        AuditLog log = (event, outcome, fields) -> audit.add(event + ":" + outcome);
        return DefaultAuthPipeline.builder().verifier(bytes -> {
            Object t = tokens.get(new String(bytes, StandardCharsets.UTF_8));
            if (t instanceof VerifiedToken v) {
                return v;
            }
            if (t instanceof RuntimeException failure) { // e.g. a replay guard whose store is out
                throw failure;
            }
            throw new TokenRejectedException(RejectionReason.BAD_SIGNATURE, "bad signature");
        }).revocations(revocations).registry(registry).services(id -> java.util.Optional.ofNullable(services.get(id))).rateLimits(limits).geo(geoPolicy)
                .tenantOfIssuer(iss -> iss.equals(ISS) ? "default" : iss.equals("https://acme") ? "acme"
                        : iss.equals("https://paris") || iss.equals(IDP) ? "default" : null)
                .regionOfIssuer(iss -> iss.equals("https://paris") ? "u09" : iss.equals(IDP) ? "u33" : null)
                .defaultRatePlan("default").audit(log).meters(new SimpleMeterRegistry())
                .clock(clock).clockLeeway(Duration.ofSeconds(30)).build();
    }

    /** An outside issuer bound to the cell u33 (tour Y, Y6). */
    private static final String IDP = "https://idp.example";

    /**
     * Y6: a cell-bound issuer's cell bounds its tokens' cells and the locations its devices report, on a whole-world
     * node and on a node whose cell is wider than the issuer's: a cell outside it is refused, a coarser one and an
     * absent {@code geo} mean the issuer's cell. Before, the binding was compared with the node's cell only.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "u3"})
    void aCellBoundIssuersTokensStayInsideItsCell(String nodeCell) {
        pipeline = pipeline(new GeoPolicy(nodeCell));
        token("idp-outside", IDP, "dev1", null, List.of("u3k"), null);
        token("idp-none", IDP, "dev1", null, List.of(), null);
        token("idp-coarse", IDP, "dev1", null, List.of("u"), null);
        token("idp-mixed", IDP, "dev1", null, List.of("u33d", "u3k"), null);
        assertThat(refused("idp-outside", "dev1", plain(), null)).isEqualTo(RejectionReason.OUTSIDE_REGION);
        assertThat(refused("idp-outside", "dev1", plain(), "u3kpq")).isEqualTo(RejectionReason.OUTSIDE_REGION);
        assertThat(refused("idp-none", "dev1", plain(), "u3kpq")).isEqualTo(RejectionReason.LOCATION_OUTSIDE_CELLS);
        assertThat(ok("idp-none", "dev1", plain(), "u33dc").token().geo()).containsExactly("u33");
        assertThat(ok("idp-coarse", "dev1", plain(), null).token().geo()).containsExactly("u33");
        assertThat(ok("idp-mixed", "dev1", plain(), "u33dc").token().geo()).as("the issuer may not speak for u3k")
                .containsExactly("u33d");
        assertThat(refused("idp-mixed", "dev1", plain(), "u3kpq")).isEqualTo(RejectionReason.LOCATION_OUTSIDE_CELLS);
    }

    /**
     * Y6, the record: a device's registered {@code region} bounds every token it presents (an outside issuer's too),
     * as it bounds the tokens the broker issues it; no {@code geo} then means the record's cells.
     */
    @Test
    void aDevicesRegisteredRegionBoundsTokensOfOutsideIssuers() {
        pipeline = pipeline(new GeoPolicy("u3"));
        registry.register(new Device("ext2", "default", new Device.Credential(Device.CredentialType.JWK, "{}"),
                List.of("u33dc"), null, null, clock.instant()));
        token("ext-outside", IDP, "ext2", null, List.of("u33dd"), null);
        token("ext-none", IDP, "ext2", null, List.of(), null);
        token("ext-own-none", ISS, "ext2", null, List.of(), null);
        assertThat(refused("ext-outside", "ext2", plain(), null)).isEqualTo(RejectionReason.OUTSIDE_REGION);
        assertThat(refused("ext-none", "ext2", plain(), "u33dd1")).isEqualTo(RejectionReason.LOCATION_OUTSIDE_CELLS);
        assertThat(ok("ext-none", "ext2", plain(), "u33dc1").token().geo()).containsExactly("u33dc");
        assertThat(ok("ext-own-none", "ext2", plain(), null).token().geo()).containsExactly("u33dc");
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private VerifiedToken token(String name, String iss, String sub, String tenant, List<String> geo, Confirmation cnf) {
        VerifiedToken t = new VerifiedToken(TokenFormat.JWT, iss, sub, List.of("edgeauth"), clock.instant(), null,
                clock.instant().plusSeconds(600), "jti-" + name, "kid1", tenant, null, geo, null, cnf, null, null, "fp");
        tokens.put(name, t);
        return t;
    }

    private DeviceSession ok(String name, String claimed, TransportFacts facts, String geo) {
        return pipeline.authenticate(new AuthRequest(claimed, name.getBytes(StandardCharsets.UTF_8), facts, geo))
                .toCompletableFuture().join();
    }

    private RejectionReason refused(String name, String claimed, TransportFacts facts, String geo) {
        try {
            ok(name, claimed, facts, geo);
            throw new AssertionError("accepted " + name);
        } catch (CompletionException e) {
            return ((TokenRejectedException) e.getCause()).reason();
        }
    }

    private static TransportFacts plain() {
        return TransportFacts.plain(Protocol.MQTT, new InetSocketAddress("127.0.0.1", 40000));
    }

    private VerifiedToken serviceToken(String name, String iss, String sub, String... scope) {
        VerifiedToken t = new VerifiedToken(TokenFormat.JWT, iss, sub, List.of("edgeauth"), clock.instant(), null,
                clock.instant().plusSeconds(600), "jti-" + name, "kid1", null, java.util.Set.of(scope), List.of(), null,
                null, null, null, "fp");
        tokens.put(name, t);
        return t;
    }

    @Test
    void aServiceIsAServiceByRegistrationWithinItsTenantAndCurrentGrants() {
        serviceToken("svc-ok", ISS, "svc", "sub:d/+/up/#", "telemetry");
        DeviceSession s = ok("svc-ok", "svc", plain(), null);
        assertThat(s.kind()).isEqualTo(PrincipalKind.SERVICE);
        assertThat(s.ownedDevices()).isEmpty();
        assertThat(s.ratePlan()).isEqualTo("default");
        serviceToken("svc-gold", ISS, "svc-gold", "sub:x");
        assertThat(ok("svc-gold", "svc-gold", plain(), null).ratePlan()).as("its registered plan").isEqualTo("gold");
        serviceToken("svc-wider", ISS, "svc", "sub:d/+/up/#", "pub:d/+/down/#");
        assertThat(refused("svc-wider", "svc", plain(), null)).as("a grant the registration no longer holds")
                .isEqualTo(RejectionReason.FORBIDDEN);
        serviceToken("svc-tenant", "https://acme", "svc", "sub:d/+/up/#");
        assertThat(refused("svc-tenant", "svc", plain(), null)).isEqualTo(RejectionReason.WRONG_TENANT);
        assertThat(refused("svc-ok", "dev1", plain(), null)).as("a device's client id")
                .isEqualTo(RejectionReason.CLIENT_ID_MISMATCH);
        registry.register(new Device("twin", "default", new Device.Credential(Device.CredentialType.JWK, "{}"),
                List.of(), null, null, clock.instant()));
        serviceToken("svc-twin", ISS, "twin", "sub:#");
        assertThat(refused("svc-twin", "twin", plain(), null)).as("registered as device and service at once")
                .isEqualTo(RejectionReason.UNKNOWN_DEVICE);
        token("dev-twin", ISS, "twin", "default", List.of(), null);
        assertThat(refused("dev-twin", "twin", plain(), null)).isEqualTo(RejectionReason.UNKNOWN_DEVICE);
    }

    @Test
    void acceptsAGoodDeviceTokenWithItsPlan() {
        token("good", ISS, "dev1", "default", List.of("u33"), null);
        DeviceSession s = ok("good", "dev1", plain(), "u33dc0");
        assertThat(s.principal()).isEqualTo("dev1");
        assertThat(s.tenant()).isEqualTo("default");
        assertThat(s.ratePlan()).isEqualTo("gold");
        assertThat(audit).containsExactly("auth.accepted:ok");
    }

    @Test
    void walletSessionsKnowTheirDevicesFromTheRegistry() {
        token("wallet", ISS, OWNER, "default", List.of(), null);
        assertThat(ok("wallet", OWNER, plain(), null).ownedDevices()).containsExactly("dev1");
        assertThat(ok("wallet", OWNER + "#tab-2", plain(), null).kind()).isEqualTo(PrincipalKind.WALLET);
        assertThat(ok("wallet", null, plain(), null).principal()).isEqualTo(OWNER);
    }

    @Test
    void aWalletMayUseOnlyItsOwnClientIds() {
        token("wallet", ISS, OWNER, "default", List.of(), null);
        for (String foreign : List.of("dev1", "any-client-id", OWNER + "x", OWNER + "#", OWNER + "#a/b", OWNER.toLowerCase())) {
            assertThat(refused("wallet", foreign, plain(), null)).as(foreign).isEqualTo(RejectionReason.CLIENT_ID_MISMATCH);
        }
    }

    @Test
    void refusesEachRuleWithItsReason() {
        token("good", ISS, "dev1", "default", List.of(), null);
        token("foreign", "https://nobody", "dev1", null, List.of(), null);
        token("claims-acme", ISS, "dev1", "acme", List.of(), null);
        token("acme-device-in-default", ISS, "other", null, List.of(), null);
        token("ghost", ISS, "ghost", null, List.of(), null);
        token("far", ISS, "dev1", null, List.of("gcpv"), null);
        token("bound", ISS, "dev1", null, List.of(), new Confirmation("C".repeat(43), null));
        token("paris", "https://paris", "dev1", null, List.of(), null);

        assertThat(refused("garbage", "dev1", plain(), null)).isEqualTo(RejectionReason.BAD_SIGNATURE);
        assertThat(refused("foreign", "dev1", plain(), null)).isEqualTo(RejectionReason.UNKNOWN_ISSUER);
        assertThat(refused("claims-acme", "dev1", plain(), null)).isEqualTo(RejectionReason.WRONG_TENANT);
        assertThat(refused("acme-device-in-default", "other", plain(), null)).isEqualTo(RejectionReason.WRONG_TENANT);
        assertThat(refused("ghost", "ghost", plain(), null)).isEqualTo(RejectionReason.UNKNOWN_DEVICE);
        assertThat(refused("good", "someone-else", plain(), null)).isEqualTo(RejectionReason.CLIENT_ID_MISMATCH);
        assertThat(refused("far", "dev1", plain(), null)).isEqualTo(RejectionReason.OUTSIDE_REGION);
        assertThat(refused("good", "dev1", plain(), "u33e")).isEqualTo(RejectionReason.OUTSIDE_REGION);
        assertThat(refused("bound", "dev1", plain(), null)).isEqualTo(RejectionReason.BINDING_MISMATCH);
        assertThat(refused("paris", "dev1", plain(), null)).as("region-bound issuer").isEqualTo(RejectionReason.OUTSIDE_REGION);
        assertThat(refused("good", "dev1", plain(), "u33d!")).isEqualTo(RejectionReason.LOCATION_OUTSIDE_CELLS);

        revocations.revoke(Revocation.Kind.JTI, "jti-good", "test");
        assertThat(refused("good", "dev1", plain(), null)).isEqualTo(RejectionReason.REVOKED);
        connectAllowed.set(false);
        assertThat(refused("good", "dev1", plain(), null)).isEqualTo(RejectionReason.RATE_LIMITED);
        assertThat(audit).allMatch(a -> a.startsWith("auth.refused:"));
    }

    @Test
    void aStoreOutageIsUnavailableNotAnInternalError() {
        tokens.put("outage", new io.edgeauth.broker.store.StoreUnavailableException("disk full", null));
        tokens.put("bug", new IllegalStateException("a bug"));
        assertThat(refused("outage", "dev1", plain(), null)).isEqualTo(RejectionReason.UNAVAILABLE);
        assertThat(refused("bug", "dev1", plain(), null)).isEqualTo(RejectionReason.INTERNAL_ERROR);
        assertThat(audit).containsExactly("auth.refused:temporarily_unavailable", "auth.refused:internal_error");
    }

    @Test
    void locationMustLieInsideTheTokensCells() {
        token("cells", ISS, "dev1", null, List.of("u33db"), null);
        assertThat(ok("cells", "dev1", plain(), "u33dbc").principal()).isEqualTo("dev1");
        assertThat(refused("cells", "dev1", plain(), "u33dc")).isEqualTo(RejectionReason.LOCATION_OUTSIDE_CELLS);
    }

    @Test
    void certificateDevicesMustPresentTheirCertificateOnSecureListeners() {
        token("cert", ISS, "cert1", null, List.of(), null);
        InetSocketAddress remote = new InetSocketAddress("127.0.0.1", 1);
        assertThat(refused("cert", "cert1", new TransportFacts(Protocol.MQTT, remote, null, true, null, null), null))
                .isEqualTo(RejectionReason.BINDING_MISMATCH);
        assertThat(refused("cert", "cert1", new TransportFacts(Protocol.MQTT, remote, "X".repeat(43), true, null, null), null))
                .isEqualTo(RejectionReason.BINDING_MISMATCH);
        assertThat(ok("cert", "cert1", new TransportFacts(Protocol.MQTT, remote, "T".repeat(43), true, null, null), null)
                .principal()).isEqualTo("cert1");
    }

    @Test
    void aDeviceRegisteredUnderAWalletDidNeverGetsTheWalletsRights() {
        // a record written before the registry refused DID-shaped ids: the same string is a device and a wallet
        registry.register(new Device(OWNER, "default", new Device.Credential(Device.CredentialType.JWK, "{}"),
                List.of(), null, null, clock.instant()));
        token("look-alike", ISS, OWNER, "default", List.of(), null);
        assertThat(refused("look-alike", OWNER, plain(), null)).isEqualTo(RejectionReason.UNKNOWN_DEVICE);
    }

    @Test
    void theSessionLastsAsLongAsTheVerifierAcceptsTheTokenByThePipelinesClock() {
        token("good", ISS, "dev1", "default", List.of(), null);
        DeviceSession s = ok("good", "dev1", plain(), null);
        assertThat(s.expiresAt()).isEqualTo(s.token().expiresAt().plusSeconds(30));
        clock.advance(Duration.ofSeconds(629));
        assertThat(s.isExpiredAt(clock.instant())).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(s.isExpiredAt(clock.instant())).isTrue();
        assertThat(refused("good", "dev1", plain(), null)).isEqualTo(RejectionReason.EXPIRED);
    }
}

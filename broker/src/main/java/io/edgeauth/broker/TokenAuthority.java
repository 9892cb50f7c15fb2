package io.edgeauth.broker;

import io.edgeauth.broker.admin.KeyOwners;
import io.edgeauth.broker.admin.KeyRotator;
import com.nimbusds.jose.jwk.JWKSet;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.coap.CoapTokenIssuer;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigException;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwksFetcher;
import io.edgeauth.broker.keys.KeyResolver;
import io.edgeauth.broker.keys.KeyVault;
import io.edgeauth.broker.keys.ResourceServers;
import io.edgeauth.broker.keys.SharedSecret;
import io.edgeauth.broker.keys.Pkcs11Token;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.keys.TokenEncryptionKeys;
import io.edgeauth.broker.keys.TrustedIssuerSettings;
import io.edgeauth.broker.keys.TrustedIssuers;
import io.edgeauth.broker.oauth.DeviceTokenService;
import io.edgeauth.broker.oauth.EthDeviceTokenService;
import io.edgeauth.broker.oauth.ServiceTokenService;
import io.edgeauth.broker.oauth.StoreReplayGuard;
import io.edgeauth.broker.oauth.TokenExchangeService;
import io.edgeauth.broker.policy.rate.TokenRequestLimits;
import io.edgeauth.broker.provisioning.DeviceEnrollment;
import io.edgeauth.broker.provisioning.EnrollmentGroups;
import io.edgeauth.broker.provisioning.FleetCas;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.AccessReevaluation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.service.ServiceRegistry;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.token.BrokerTokenVerifier;
import io.edgeauth.broker.token.CachingTokenVerifier;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.TokenEncryption;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.token.TokenPolicy;
import io.edgeauth.broker.wallet.RefreshTokens;
import io.edgeauth.broker.wallet.StoreNonceStore;
import io.edgeauth.broker.wallet.WalletSessions;
import io.edgeauth.wallet.ContractWalletVerifier;
import io.edgeauth.wallet.JsonRpcContractWalletVerifier;
import io.edgeauth.wallet.SignatureRecoveries;
import io.edgeauth.wallet.SignatureRecovery;
import io.edgeauth.wallet.SiweConfig;
import io.edgeauth.wallet.SiweVerifier;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker as an authorization server: crypto provider, per-tenant signing keys, trusted outside
 * issuers, the one token verifier (with its cache), the issuer, and the grants built on them (device
 * client credentials, token exchange, wallet logins and refresh). Built once at start-up from the
 * config; every part is thread-safe.
 */
final class TokenAuthority implements KeyRotator, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenAuthority.class);
    private final CryptoProviders crypto;
    private final Signatures signatures;
    private final SigningKeyStore keys;
    private final TrustedIssuers trusted;
    private final TokenEncryptionKeys encryptionKeys;
    private final CachingTokenVerifier verifier;
    private final DeviceTokenService devices;
    private final ClientAssertionVerifier assertions;
    private final ServiceTokenService services;
    private final FleetCas fleetCas;
    private final io.edgeauth.broker.provisioning.ListedCertificates listedCertificates;
    private final DeviceEnrollment enrollment;
    private final TokenExchangeService exchange;
    private final WalletSessions wallets;
    private final EthDeviceTokenService ethDevices;
    private final SignatureRecovery recovery;
    private final TokenRequestLimits requestLimits;
    private final Map<String, String> tenantByIssuer;
    /** The kid of each tenant's shared HS256 secret, by the tenant's issuer (tenants with one only). */
    private final Map<String, String> sharedSecretKidByIssuer = new HashMap<>();
    private final BrokerConfig config;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Pkcs11Token> hsmTokens = new ArrayList<>();

    private TokenAuthority(BrokerConfig config, KeyVault keyVault, Store store, ChangeFeed feed, DeviceRegistry registry,
                           ServiceRegistry serviceClients, RevocationService revocations,
                           ScheduledExecutorService scheduler, Clock clock, AuditLog audit, MeterRegistry meters)
            throws IOException {
        this.config = config;
        BrokerConfig.Tokens t = config.tokens();
        crypto = CryptoProviders.select(config.crypto().useNativeProvider());
        signatures = new Signatures(crypto);
        List<TenantKeySettings> tenantKeys = tenantKeys(config);
        tenantKeys.stream().map(TenantKeySettings::token).filter(java.util.Objects::nonNull).forEach(hsmTokens::add);
        keys = SigningKeyStore.open(keyVault, tenantKeys, t.maxLifetime(), clock);
        keys.schedulePruning(scheduler, Duration.ofMinutes(5));
        List<String> clashes = io.edgeauth.broker.config.ConfigValidator.issuerClashes(config); // the bound URL's
        if (!clashes.isEmpty()) {
            throw new ConfigException(String.join("; ", clashes));
        }
        List<TrustedIssuerSettings> issuers = trustedIssuers(config);
        for (int i = 0; i < issuers.size(); i++) {
            String problem = issuers.get(i).jwksFile() == null ? null : TrustedIssuers.fileProblem(issuers.get(i));
            if (problem != null) {
                throw new ConfigException("trustedIssuers[" + i + "].jwksFile: " + issuers.get(i).jwksFile() + " "
                        + problem);
            }
        }
        trusted = new TrustedIssuers(issuers, JwksFetcher.http(Duration.ofSeconds(10)), clock);
        // continuous access evaluation: a key gone from an issuer's JWKS ends the sessions its tokens opened
        trusted.onKeysDropped(new AccessReevaluation(revocations, audit)::issuerKeyDropped);
        trusted.start(scheduler);
        resources.add(trusted);
        Set<String> audiences = new LinkedHashSet<>(config.acceptedAudiences());
        TokenPolicy policy = TokenPolicy.builder().audiences(audiences).maxLifetime(t.maxLifetime())
                .leeway(t.clockLeeway()).maxTokenBytes(t.maxTokenBytes()).build();
        KeyResolver verificationKeys = KeyResolver.chain(keys, trusted);
        // a rotated-out encryption key decrypts as long as a token sealed to it can live
        encryptionKeys = TokenEncryptionKeys.open(keyVault, keys.tenantIds(), t.maxLifetime().plus(t.clockLeeway()),
                clock);
        encryptionKeys.schedulePruning(scheduler, Duration.ofMinutes(5)); // no private key kept past its exp
        ResourceServers resourceServers = resourceServers(config);
        resourceServers.start(scheduler, Duration.ofMinutes(5));
        TokenEncryption encryption = new TokenEncryption(encryptionKeys,
                config.tenants().stream().filter(BrokerConfig.Tenant::encryptTokens).map(BrokerConfig.Tenant::id)
                        .collect(Collectors.toSet()), crypto, resourceServers);
        BrokerTokenVerifier tokenVerifier = new BrokerTokenVerifier(verificationKeys, policy, signatures, clock,
                encryption);
        verifier = new CachingTokenVerifier(tokenVerifier, verificationKeys, t.verificationCacheSize(), policy.leeway(),
                clock);
        verifier.bindMetrics(meters); // cache_evictions_total{cache="token-verification"} rising: the cache is too small
        // the issuer caps lifetimes at the configured default; verification accepts up to the maximum. A token
        // issued here is remembered as verified: a new device's first CONNECT needs no second ES256 check
        TokenIssuer issuer = new TokenIssuer(keys, signatures, t.defaultLifetime(), clock, encryption)
                .maxTokenBytes(t.maxTokenBytes()).subjectRevocations(revocations::revokedUpTo)
                .rememberIssuedIn(verifier, tokenVerifier);

        tenantByIssuer = new HashMap<>();
        Map<String, String> ours = new HashMap<>();
        for (BrokerConfig.Tenant tenant : config.tenants()) {
            ours.put(config.issuerOf(tenant), tenant.id());
            if (tenant.hs256Secret() != null) {
                sharedSecretKidByIssuer.put(config.issuerOf(tenant), sharedSecretKid(tenant));
            }
        }
        tenantByIssuer.putAll(ours);
        config.trustedIssuers().forEach(ti -> tenantByIssuer.putIfAbsent(ti.issuer(), ti.tenant()));

        Set<String> assertionAudiences = new HashSet<>(ours.keySet());
        assertionAudiences.add(config.publicUrl() + "/oauth/token");
        assertionAudiences.add(config.publicUrl());
        assertions = new ClientAssertionVerifier(assertionAudiences,
                new StoreReplayGuard(store, clock), signatures, t.clockLeeway(), clock);
        List<String> tokenAudience = List.of(config.acceptedAudiences().get(0));
        Map<String, Set<String>> selfServiceScopes = new HashMap<>();
        config.tenants().forEach(tenant -> selfServiceScopes.put(tenant.id(), Set.copyOf(tenant.selfServiceScopes())));
        BrokerConfig.TokenRequests bounds = config.tokenRequests(); // per node, like the connection guard
        requestLimits = new TokenRequestLimits(new TokenRequestLimits.Settings(bounds.perDeviceBurst(),
                bounds.perDevicePerMinute(), bounds.perClientBurst(), bounds.perClientPerMinute(),
                bounds.perAddressPerMinute()), 1_000_000);
        devices = new DeviceTokenService(assertions, registry, issuer, revocations, selfServiceScopes::get, tokenAudience,
                config.region().name(), audit, meters).limitedBy(requestLimits);
        fleetCas = new FleetCas(config.provisioning(), store, feed, clock);
        listedCertificates = new io.edgeauth.broker.provisioning.ListedCertificates(store, revocations, registry::find);
        io.micrometer.core.instrument.Gauge.builder("edgeauth.fleet_cas.crls.stale", fleetCas, FleetCas::staleCrls)
                .description("Active fleet CAs whose CRL is past its nextUpdate: their chains are refused").register(meters);
        io.micrometer.core.instrument.Gauge.builder("edgeauth.fleet_cas.crls.next_update.seconds", fleetCas, FleetCas::secondsUntilCrlUpdate)
                .description("Seconds until the earliest nextUpdate of an active fleet CA's CRLs").register(meters);
        enrollment = new DeviceEnrollment(fleetCas, new EnrollmentGroups(config.provisioning()),
                config.provisioning().templates(), registry,
                new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(), clock).reserving(id -> serviceClients.find(id).isPresent()), assertions,
                devices, store, audit);
        services = new ServiceTokenService(assertions, serviceClients, id -> registry.find(id).isPresent(), issuer,
                revocations, tokenAudience,
                config.region().name(), audit, meters).limitedBy(requestLimits);
        exchange = new TokenExchangeService(verifier, revocations, ours::get, this::signedWithSharedSecret, issuer, clock,
                audit);

        recovery = SignatureRecoveries.best();
        BrokerConfig.Wallet w = config.wallet();
        SiweVerifier siwe = new SiweVerifier(siweConfig(config, clock), new StoreNonceStore(store, clock), recovery,
                contractWallets(w));
        wallets = new WalletSessions(siwe, new RefreshTokens(store, clock, w.refreshTokenLifetime()), issuer,
                revocations, w.tenant(), tokenAudience, audit, meters).limitedBy(requestLimits);
        ethDevices = new EthDeviceTokenService(store, registry, recovery, issuer, revocations, selfServiceScopes::get,
                tokenAudience,
                config.region().name(),
                Duration.ofMinutes(2), clock, audit, meters).limitedBy(requestLimits);
    }

    static TokenAuthority create(BrokerConfig config, KeyVault keyVault, Store store, ChangeFeed feed, DeviceRegistry registry,
                                 ServiceRegistry serviceClients, RevocationService revocations,
                                 ScheduledExecutorService scheduler, Clock clock, AuditLog audit, MeterRegistry meters) {
        try {
            return new TokenAuthority(config, keyVault, store, feed, registry, serviceClients, revocations, scheduler, clock,
                    audit, meters);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the signing key store: " + e.getMessage(), e);
        }
    }

    private static List<TenantKeySettings> tenantKeys(BrokerConfig config) throws IOException {
        List<TenantKeySettings> out = new ArrayList<>();
        for (BrokerConfig.Tenant tenant : config.tenants()) {
            SharedSecret hs = tenant.hs256Secret() == null ? null
                    : new SharedSecret(sharedSecretKid(tenant), Base64.getDecoder().decode(tenant.hs256Secret()));
            out.add(new TenantKeySettings(tenant.id(), config.issuerOf(tenant),
                    TokenAlgorithm.parseConfig(tenant.algorithm()), hs, tenant.hsm() == null ? null
                    : Pkcs11Pins.open(tenant.id(), tenant.hsm(), System.getenv())));
        }
        return out;
    }

    /** Registered resource servers: inline JWKS parsed now (the validator checked them), URLs fetched by start. */
    private static ResourceServers resourceServers(BrokerConfig config) {
        Map<String, JWKSet> inline = new HashMap<>();
        Map<String, URI> fetched = new HashMap<>();
        for (BrokerConfig.ResourceServer r : config.tokens().resourceServers()) {
            if (r.jwks() != null) {
                try {
                    inline.put(r.audience(), JWKSet.parse(r.jwks()));
                } catch (java.text.ParseException e) {
                    throw new IllegalArgumentException("resource server " + r.audience() + ": bad JWKS", e);
                }
            } else {
                fetched.put(r.audience(), URI.create(r.jwksUri()));
            }
        }
        return new ResourceServers(inline, fetched, JwksFetcher.http(Duration.ofSeconds(10)));
    }

    private static List<TrustedIssuerSettings> trustedIssuers(BrokerConfig config) {
        List<TrustedIssuerSettings> out = new ArrayList<>();
        for (BrokerConfig.TrustedIssuer ti : config.trustedIssuers()) {
            Set<TokenAlgorithm> algs = ti.algorithms().stream().map(TokenAlgorithm::parseConfig)
                    .collect(Collectors.toUnmodifiableSet());
            Set<String> aud = ti.audience() == null ? Set.copyOf(config.acceptedAudiences()) : Set.of(ti.audience());
            out.add(new TrustedIssuerSettings(ti.issuer(), ti.jwksFile(),
                    ti.jwksUri() == null ? null : URI.create(ti.jwksUri()), ti.refreshInterval(), ti.maxStale(), algs,
                    aud, ti.tenant()));
        }
        return out;
    }

    /** The SIWE policy of {@code config.wallet()}; domain and origin default to {@code publicUrl}'s. */
    static SiweConfig siweConfig(BrokerConfig config, Clock clock) {
        BrokerConfig.Wallet w = config.wallet();
        URI publicUrl = URI.create(config.publicUrl());
        SiweConfig.Builder b = SiweConfig.builder().clock(clock).leeway(config.tokens().clockLeeway());
        // a browser's location.host and origin (what /login signs, what wallets compare the domain with) leave the
        // scheme's default port out, so "https://h:443" must accept "h": spelled with the port, no page login passed
        int port = publicUrl.getPort();
        boolean defaultPort = port < 0 || port == 443 && "https".equals(publicUrl.getScheme())
                || port == 80 && "http".equals(publicUrl.getScheme());
        String defaultDomain = defaultPort ? publicUrl.getHost() : publicUrl.getHost() + ":" + port;
        (w.domains().isEmpty() ? List.of(defaultDomain) : w.domains()).forEach(b::allowDomain);
        List<String> origins = w.origins().isEmpty()
                ? List.of(publicUrl.getScheme() + "://" + defaultDomain) : w.origins();
        origins.forEach(b::allowOrigin);
        b.schemes(origins.stream().map(o -> URI.create(o).getScheme()).distinct().toArray(String[]::new));
        w.chainIds().forEach(b::allowChainId);
        return b.build();
    }

    private ContractWalletVerifier contractWallets(BrokerConfig.Wallet w) {
        if (w.rpcEndpoints().isEmpty()) {
            return null;
        }
        Map<Long, JsonRpcContractWalletVerifier> byChain = new HashMap<>();
        w.rpcEndpoints().forEach((chain, url) -> {
            JsonRpcContractWalletVerifier v = new JsonRpcContractWalletVerifier(Long.parseLong(chain), url, w.rpcTimeout());
            byChain.put(Long.parseLong(chain), v);
            resources.add(v);
        });
        return ContractWalletVerifier.byChain(byChain);
    }

    /** The key id of a tenant's shared HS256 secret: the header {@code kid} of the tokens it signs. */
    private static String sharedSecretKid(BrokerConfig.Tenant tenant) {
        return "hs256-" + tenant.id();
    }

    /**
     * Whether a tenant's shared HS256 secret ({@code tenants[].hs256Secret}) signed the token: whoever holds the
     * secret can sign any claims, so such a token may only name one of the tenant's service clients (under its
     * registered grants), never a device or wallet (the pipeline refuses), and is not exchanged.
     */
    boolean signedWithSharedSecret(io.edgeauth.broker.token.VerifiedToken token) {
        // asked on every authentication: a look-up, no string built
        String kid = token.issuer() == null ? null : sharedSecretKidByIssuer.get(token.issuer());
        return kid != null && kid.equals(token.keyId());
    }

    /** Whose key a kid is: the admin API's key revocations hold until lifted for an outside issuer's key. */
    KeyOwners keyOwners() {
        return new KeyOwners(config.tenants().stream().map(config::issuerOf).collect(java.util.stream.Collectors.toSet()),
                config.trustedIssuers().stream().map(BrokerConfig.TrustedIssuer::issuer)
                        .collect(java.util.stream.Collectors.toSet()),
                (issuer, kid) -> keys.resolve(issuer, kid).isFound() || kid.equals(sharedSecretKidByIssuer.get(issuer)));
    }

    /** The tenant whose keys (or trust configuration) cover a token issuer; null for a stranger. */
    String tenantOfIssuer(String issuer) {
        return issuer == null ? null : tenantByIssuer.get(issuer);
    }

    @Override
    public String rotate(String tenant) {
        if (config.tenant(tenant) == null) {
            throw new IllegalArgumentException("unknown tenant '" + tenant + "'");
        }
        try {
            return keys.rotate(tenant);
        } catch (IOException e) {
            throw new UncheckedIOException("key rotation failed", e);
        }
    }

    @Override
    public String rotateEncryption(String tenant) {
        if (config.tenant(tenant) == null) {
            throw new IllegalArgumentException("unknown tenant '" + tenant + "'");
        }
        try {
            return encryptionKeys.rotate(tenant).jweKey().getKeyID();
        } catch (IOException e) {
            throw new UncheckedIOException("encryption key rotation failed", e);
        }
    }

    /** The CoAP {@code /token} endpoint's view of the device grant (CWT unless asked otherwise). */
    CoapTokenIssuer coapTokenIssuer() {
        return new CoapTokenGrant(devices, enrollment, requestLimits);
    }

    /** The bounds of the token endpoints ({@code tokenRequests}), which {@code /oauth/token} applies too. */
    TokenRequestLimits requestLimits() {
        return requestLimits;
    }

    CachingTokenVerifier verifier() {
        return verifier;
    }

    /** Restores the verification cache from {@code file} and keeps it there when this authority closes. */
    void keepVerificationsIn(Path file, javax.crypto.SecretKey key) {
        resources.add(0, verifier.keepIn(file, key));
    }

    /** Signature engines on the chosen provider (audit checkpoints and telemetry signatures use them too). */
    Signatures signatures() {
        return signatures;
    }

    SigningKeyStore keys() {
        return keys;
    }

    /** Why a tenant's PKCS#11 token cannot sign now (a readiness check), or empty (also without tokens). */
    java.util.Optional<String> hsmUnavailableReason() {
        return Pkcs11Token.unavailableReason(hsmTokens);
    }

    /** The device grant: registered devices, and zero-touch enrollment in front of them. */
    DeviceEnrollment devices() {
        return enrollment;
    }

    /** The service clients' grant ({@code client_credentials} with a service's assertion). */
    ServiceTokenService services() {
        return services;
    }

    /**
     * The HTTPS listener's token endpoint ({@code mtls_endpoint_aliases.token_endpoint} in discovery) as an assertion
     * audience too: RFC 8705 §5 tells clients to use the alias, RFC 7523 §3 lets aud be the token endpoint's URL.
     */
    void acceptTokenEndpointAlias(String url) {
        assertions.acceptAudience(url);
    }

    FleetCas fleetCas() {
        return fleetCas;
    }

    /** Ends the tokens of devices whose certificate a fleet CA's new CRL lists. */
    io.edgeauth.broker.provisioning.ListedCertificates listedCertificates() {
        return listedCertificates;
    }

    TokenExchangeService exchange() {
        return exchange;
    }

    EthDeviceTokenService ethDevices() {
        return ethDevices;
    }

    WalletSessions wallets() {
        return wallets;
    }

    String cryptoProvider() {
        return crypto.activeProviderName();
    }

    String walletRecovery() {
        return recovery.name();
    }

    @Override
    public void close() {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                // closing at shutdown: nothing left to do with the failure
            }
        }
    }
}

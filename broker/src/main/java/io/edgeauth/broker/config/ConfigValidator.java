package io.edgeauth.broker.config;

import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.policy.RatePlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a bound {@link BrokerConfig}; every message names the key and the expected form. */
public final class ConfigValidator {
    private static final Pattern TENANT_ID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Pattern SELF_SERVICE_SCOPE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Set<String> SIGNING_ALGS = Set.of("ES256", "EdDSA", "RS256");
    /**
     * What an outside issuer's JWKS key can verify: the public-key JOSE algorithms the broker implements (JwkKeys
     * never takes a symmetric key from outside, so an HMAC algorithm would refuse every token of the issuer).
     */
    static final List<String> ISSUER_ALGS = java.util.Arrays.stream(TokenAlgorithm.values())
            .filter(a -> !a.isMac() && a.joseName() != null).map(TokenAlgorithm::joseName).toList();
    private static final Duration MAX_LEEWAY = Duration.ofSeconds(30);
    /** logback's size syntax (FileSize): a number and KB, MB, GB or nothing (bytes), optionally plural. */
    private static final Pattern FILE_SIZE = Pattern.compile("([0-9]{1,20})\\s*(|kb|mb|gb)s?", Pattern.CASE_INSENSITIVE);
    static final int MIN_VERIFICATION_CACHE = 100;
    static final int MAX_VERIFICATION_CACHE = 10_000_000;
    /** Heap per remembered token, rounded up from a measurement (docs/onboarding.md, "verification cache"). */
    static final long VERIFICATION_CACHE_ENTRY_BYTES = 1024;

    private ConfigValidator() {
    }

    public static BrokerConfig validate(BrokerConfig c) {
        return validate(c, null);
    }

    /**
     * As {@link #validate(BrokerConfig)}, and with {@code defaults} (the embedded defaults, bound) also refuses a
     * setting changed from its default where what it tunes is off ({@link IdleSettingsCheck}).
     */
    public static BrokerConfig validate(BrokerConfig c, BrokerConfig defaults) {
        List<String> errors = new ArrayList<>();
        if (c.dataDir() == null || c.dataDir().toString().isBlank()) {
            errors.add("dataDir: required, a directory path");
        }
        // the issuer (RFC 8414 §2) has no query or fragment, and the endpoint URLs are built by appending paths
        if (c.publicUrl() != null && !c.publicUrl().isEmpty() && !c.publicUrl().matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")
                || c.publicUrl() != null && c.publicUrl().endsWith("/")) {
            errors.add("publicUrl: expected an http(s) URL without a query, fragment or trailing slash, got '"
                    + c.publicUrl() + "'");
        }
        HostNames.checkHost(errors, "http.host", c.http().host());
        port(errors, "http.port", c.http().port(), false);
        positive(errors, "http.workerThreads", c.http().workerThreads(), 1, 1024);
        positive(errors, "http.maxPendingRequests", c.http().maxPendingRequests(), 1, 1_000_000);
        positive(errors, "http.retryAfterSeconds", c.http().retryAfterSeconds(), 1, 3600);
        positive(errors, "http.maxConnections", c.http().maxConnections(), 0, 100_000_000);
        positive(errors, "http.maxConnectionsPerAddress", c.http().maxConnectionsPerAddress(), 0, 100_000_000);
        Duration idle = c.http().idleTimeout();
        if (idle.compareTo(Duration.ofSeconds(1)) < 0 || idle.compareTo(Duration.ofHours(1)) > 0) {
            errors.add("http.idleTimeout: expected a duration from 1s to 1h, got " + Durations.format(idle));
        }
        Duration read = c.http().requestReadTimeout();
        if (read.compareTo(Duration.ofSeconds(1)) < 0 || read.compareTo(Duration.ofHours(1)) > 0) {
            errors.add("http.requestReadTimeout: expected a duration from 1s to 1h, got " + Durations.format(read));
        }
        try {
            io.edgeauth.broker.net.IpRanges.of(c.http().trustedProxies());
        } catch (IllegalArgumentException e) {
            errors.add("http.trustedProxies: " + e.getMessage());
        }
        httpTls(errors, c.http().tls());
        ListenerSettingsCheck.check(errors, c);
        if (defaults != null) {
            IdleSettingsCheck.check(errors, c, defaults);
        }
        PortClashCheck.check(errors, c);
        tokens(errors, c.tokens());
        resourceServers(errors, c);
        tenants(errors, c.tenants());
        issuers(errors, c);
        if (!isNodeCell(c.region().geohash())) {
            errors.add("region.geohash: expected 0-12 GeoHash characters (0-9, b-h, j, k, m, n, p-z), got '"
                    + c.region().geohash() + "'");
        }
        if (c.ratePlans() == null || c.ratePlans().isEmpty()) {
            errors.add("ratePlans: at least one plan is required");
        } else {
            c.ratePlans().forEach((name, p) -> {
                if (p != null && !Double.isFinite(p.messagesPerSecond())) {
                    errors.add("ratePlans." + name + ".messagesPerSecond: expected a finite number, got "
                            + p.messagesPerSecond());
                } else if (p == null || p.messagesPerSecond() <= 0 || p.burst() < 1 || p.bytesPerSecond() <= 0) {
                    errors.add("ratePlans." + name + ": messagesPerSecond, burst and bytesPerSecond must all be positive");
                } else if (p.messagesPerSecond() < RatePlan.MIN_MESSAGES_PER_SECOND) {
                    errors.add("ratePlans." + name + ".messagesPerSecond: expected at least "
                            + RatePlan.MIN_MESSAGES_PER_SECOND + " (one message per 1,000,000 s), got " + p.messagesPerSecond());
                } else if (p.messagesPerSecond() > RatePlan.MAX_MESSAGES_PER_SECOND) {
                    errors.add("ratePlans." + name + ".messagesPerSecond: expected at most "
                            + (long) RatePlan.MAX_MESSAGES_PER_SECOND + " (one message per microsecond: a message's refill"
                            + " is whole nanoseconds, so higher rates act as other rates), got " + p.messagesPerSecond());
                }
                if (p != null && p.bytesPerSecond() > RatePlan.MAX_BYTES_PER_SECOND) {
                    errors.add("ratePlans." + name + ".bytesPerSecond: expected at most " + RatePlan.MAX_BYTES_PER_SECOND
                            + " (the buckets refill at most one byte per nanosecond), got " + p.bytesPerSecond());
                }
                if (p != null && p.connectsPerMinute() != null) {
                    errors.add("ratePlans." + name + ".connectsPerMinute: not a rate plan setting: connection attempts are"
                            + " bounded per device for every plan by connectionGuard.perDevicePerMinute; remove it");
                }
            });
            if (!c.ratePlans().containsKey(c.defaultRatePlan())) {
                errors.add("defaultRatePlan: '" + c.defaultRatePlan() + "' is not one of ratePlans " + c.ratePlans().keySet());
            }
        }
        StoreSettingsCheck.check(errors, c);
        positive(errors, "connectionGuard.perDevicePerMinute", c.connectionGuard().perDevicePerMinute(), 1, 1_000_000);
        positive(errors, "connectionGuard.perAddressPerMinute", c.connectionGuard().perAddressPerMinute(), 1, 100_000_000);
        positive(errors, "connectionGuard.failedAttemptCost", c.connectionGuard().failedAttemptCost(), 0, 1000);
        positive(errors, "tokenRequests.perDeviceBurst", c.tokenRequests().perDeviceBurst(), 1, 1_000_000);
        positive(errors, "tokenRequests.perDevicePerMinute", c.tokenRequests().perDevicePerMinute(), 0, 1_000_000);
        positive(errors, "tokenRequests.perAddressPerMinute", c.tokenRequests().perAddressPerMinute(), 0, 100_000_000);
        positive(errors, "tokenRequests.perClientBurst", c.tokenRequests().perClientBurst(), 1, 1_000_000);
        positive(errors, "tokenRequests.perClientPerMinute", c.tokenRequests().perClientPerMinute(), 0, 1_000_000);
        positive(errors, "http.adminFailuresPerAddressPerMinute", c.http().adminFailuresPerAddressPerMinute(), 0,
                1_000_000);
        errors.addAll(c.admission().problems());
        audit(errors, c);
        c.tenants().forEach(t -> hsm(errors, t));
        BrokerConfig.Wallet w = c.wallet();
        if (w.tenant() == null || c.tenant(w.tenant()) == null) {
            errors.add("wallet.tenant: expected one of the configured tenants, got '" + w.tenant() + "'");
        }
        for (int i = 0; i < w.origins().size(); i++) {
            if (!HostNames.origin(w.origins().get(i))) {
                errors.add("wallet.origins[" + i + "]: expected scheme://host[:port] (e.g. https://app.example.com),"
                        + " got '" + HostNames.printable(w.origins().get(i)) + "'");
            }
        }
        for (int i = 0; i < w.domains().size(); i++) {
            if (!HostNames.hostPort(w.domains().get(i))) {
                errors.add("wallet.domains[" + i + "]: expected host[:port] (e.g. app.example.com), got '"
                        + HostNames.printable(w.domains().get(i)) + "'");
            }
        }
        // at most 12 digits: the wallet DID grammar (registry owners, the pipeline's wallet principals) allows no more,
        // so a wallet of a longer chain id would sign in and get tokens that every route refuses
        if (w.chainIds().isEmpty() || w.chainIds().stream().anyMatch(id -> id == null || id < 1 || id > 999_999_999_999L)) {
            errors.add("wallet.chainIds: expected a non-empty list of positive EIP-155 chain ids of at most 12 digits");
        }
        if (w.refreshTokenLifetime() == null || w.refreshTokenLifetime().compareTo(Duration.ofMinutes(1)) < 0
                || w.refreshTokenLifetime().compareTo(Duration.ofDays(90)) > 0) {
            errors.add("wallet.refreshTokenLifetime: expected 1m to 90d, got " + Durations.format(w.refreshTokenLifetime()));
        }
        w.rpcEndpoints().forEach((chain, url) -> {
            // the URL is never echoed: a provider's API key is often part of its path
            if (!chain.matches("[1-9][0-9]{0,11}")) {
                errors.add("wallet.rpcEndpoints." + chain + ": expected a positive EIP-155 chain id (no leading zero)"
                        + " mapped to an http(s) URL");
            } else if (url == null || !url.matches("https?://\\S+")) {
                errors.add("wallet.rpcEndpoints." + chain + ": expected an http(s) URL (value not shown)");
            }
        });
        if (w.rpcTimeout() == null || w.rpcTimeout().isNegative() || w.rpcTimeout().isZero()
                || w.rpcTimeout().compareTo(Duration.ofSeconds(60)) > 0) {
            errors.add("wallet.rpcTimeout: expected 1ms to 60s, got " + Durations.format(w.rpcTimeout()));
        }
        ProvisioningValidator.check(c, errors);
        SecretFileModesCheck.check(errors, c);
        if (!errors.isEmpty()) {
            throw new ConfigException("invalid configuration:\n  " + String.join("\n  ", errors));
        }
        return c;
    }

    static void port(List<String> errors, String key, int port, boolean mayDisable) {
        int min = mayDisable ? -1 : 0;
        if (port < min || port > 65535) {
            errors.add(key + ": expected a port 0-65535 (0 = any free port" + (mayDisable ? ", -1 = off" : "")
                    + "), got " + port);
        }
    }

    static void positive(List<String> errors, String key, long value, long min, long max) {
        if (value < min || value > max) {
            errors.add(key + ": expected " + min + " to " + max + ", got " + value);
        }
    }

    /** A JWKS URL the broker fetches from: https, or plain http on this host only. */
    private static boolean fetchableJwksUri(String uri) {
        return uri.startsWith("https://") || uri.matches("http://(localhost|127\\.0\\.0\\.1)(:\\d+)?/.*");
    }

    private static void resourceServers(List<String> errors, BrokerConfig c) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < c.tokens().resourceServers().size(); i++) {
            BrokerConfig.ResourceServer r = c.tokens().resourceServers().get(i);
            String key = "tokens.resourceServers[" + i + "]";
            if (r == null || r.audience() == null || r.audience().isBlank() || r.audience().length() > 512) {
                errors.add(key + ".audience: required, at most 512 characters");
                continue;
            }
            if (!seen.add(r.audience()) || c.acceptedAudiences().contains(r.audience())) {
                errors.add(key + ".audience: '" + r.audience() + "' is named twice or is the broker's own audience");
            }
            if ((r.jwksUri() == null) == (r.jwks() == null)) {
                errors.add(key + ": exactly one of jwksUri or jwks (inline) is required");
            }
            if (r.jwksUri() != null && !fetchableJwksUri(r.jwksUri())) {
                errors.add(key + ".jwksUri: expected an https:// URL (plain http only for localhost), got '"
                        + r.jwksUri() + "'");
            }
            if (r.jwks() != null) {
                try {
                    io.edgeauth.broker.keys.ResourceServers.encryptionKey(com.nimbusds.jose.jwk.JWKSet.parse(r.jwks()));
                } catch (java.text.ParseException | IllegalArgumentException e) {
                    errors.add(key + ".jwks: " + e.getMessage());
                }
            }
        }
    }

    private static void tokens(List<String> errors, BrokerConfig.Tokens t) {
        // lifetimes become whole-second iat/exp claims and the verifier's leeway is whole seconds: a fraction would be cut
        if (t.maxLifetime() == null || t.maxLifetime().compareTo(Duration.ofSeconds(1)) < 0
                || t.maxLifetime().compareTo(Duration.ofHours(24)) > 0 || !Durations.wholeSeconds(t.maxLifetime())) {
            errors.add("tokens.maxLifetime: expected whole seconds between 1s and 24h, got " + Durations.format(t.maxLifetime()));
        } else if (t.defaultLifetime() == null || t.defaultLifetime().compareTo(Duration.ofSeconds(1)) < 0
                || t.defaultLifetime().compareTo(t.maxLifetime()) > 0 || !Durations.wholeSeconds(t.defaultLifetime())) {
            errors.add("tokens.defaultLifetime: expected whole seconds from 1s to tokens.maxLifetime ("
                    + Durations.format(t.maxLifetime()) + "), got " + Durations.format(t.defaultLifetime()));
        }
        if (t.clockLeeway() == null || t.clockLeeway().isNegative() || t.clockLeeway().compareTo(MAX_LEEWAY) > 0
                || !Durations.wholeSeconds(t.clockLeeway())) {
            errors.add("tokens.clockLeeway: expected whole seconds from 0s to 30s, got " + Durations.format(t.clockLeeway()));
        }
        Set<String> audiences = new HashSet<>();
        for (int i = 0; i < t.audiences().size(); i++) { // the first is the one issued: "aud": "" was possible
            String aud = t.audiences().get(i);
            if (aud == null || aud.isBlank() || !audiences.add(aud)) {
                errors.add("tokens.audiences[" + i + "]: expected a non-blank audience named once, got '" + aud + "'");
            }
        }
        if (t.maxTokenBytes() < 256 || t.maxTokenBytes() > 65536) {
            errors.add("tokens.maxTokenBytes: expected 256 to 65536, got " + t.maxTokenBytes());
        }
        verificationCache(errors, t.verificationCacheSize(), Runtime.getRuntime().maxMemory());
    }

    /** A cache the heap cannot hold would end in an OutOfMemoryError once the fleet fills it: refused now. */
    static void verificationCache(List<String> errors, int size, long maxHeapBytes) {
        if (size < MIN_VERIFICATION_CACHE || size > MAX_VERIFICATION_CACHE) {
            errors.add("tokens.verificationCacheSize: expected " + MIN_VERIFICATION_CACHE + " to "
                    + MAX_VERIFICATION_CACHE + ", got " + size);
        } else if (size * VERIFICATION_CACHE_ENTRY_BYTES > maxHeapBytes / 2) {
            errors.add("tokens.verificationCacheSize: " + size + " entries take about "
                    + (size * VERIFICATION_CACHE_ENTRY_BYTES >> 20) + " MiB (about 1 KiB each), more than half of"
                    + " this JVM's heap (" + (maxHeapBytes >> 20) + " MiB): lower it or give the broker more heap (-Xmx)");
        }
    }

    private static void tenants(List<String> errors, List<BrokerConfig.Tenant> tenants) {
        if (tenants == null || tenants.isEmpty()) {
            errors.add("tenants: at least one tenant is required");
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < tenants.size(); i++) {
            BrokerConfig.Tenant t = tenants.get(i);
            String key = "tenants[" + i + "]";
            if (t.id() == null || !TENANT_ID.matcher(t.id()).matches()) {
                errors.add(key + ".id: expected 1-64 of a-z 0-9 _ . - (starting with a letter or digit), got '"
                        + t.id() + "'");
            } else if (!seen.add(t.id())) {
                errors.add(key + ".id: duplicate tenant id '" + t.id() + "'");
            }
            if (t.algorithm() == null || !SIGNING_ALGS.contains(t.algorithm())) {
                errors.add(key + ".algorithm: expected ES256, EdDSA or RS256, got '" + t.algorithm() + "'");
            }
            for (String scope : t.selfServiceScopes()) {
                if (scope == null || !SELF_SERVICE_SCOPE.matcher(scope).matches()) {
                    errors.add(key + ".selfServiceScopes: expected scope names of 1-64 of A-Z a-z 0-9 _ . -"
                            + " (topic grants such as pub:/sub: are never self-service), got '" + scope + "'");
                }
            }
            if (t.hs256Secret() != null) {
                try {
                    if (Base64.getDecoder().decode(t.hs256Secret()).length < 32) {
                        errors.add(key + ".hs256Secret: must decode to at least 32 bytes");
                    }
                } catch (IllegalArgumentException e) {
                    errors.add(key + ".hs256Secret: expected base64, " + e.getMessage());
                }
            }
        }
    }

    /**
     * The {@code trustedIssuers[]} entries that can never verify: one named like a tenant's own issuer (the tenant's
     * keys shadow it: every token refused "no key with that kid", tour X, X8), or like an earlier entry. A tenant's
     * derived issuer needs the public URL: without one configured (port 0) the token authority asks again once the
     * listener is bound.
     */
    public static List<String> issuerClashes(BrokerConfig c) {
        List<String> errors = new ArrayList<>();
        java.util.Map<String, String> own = new java.util.HashMap<>();
        for (BrokerConfig.Tenant t : c.tenants()) {
            boolean named = t.issuer() != null && !t.issuer().isBlank();
            if (t.id() != null && (named || !c.publicUrl().isEmpty())) {
                own.putIfAbsent(c.issuerOf(t), t.id());
            }
        }
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < c.trustedIssuers().size(); i++) {
            String issuer = c.trustedIssuers().get(i).issuer();
            if (issuer == null) {
                continue;
            }
            String key = "trustedIssuers[" + i + "].issuer: '" + issuer + "' ";
            if (own.containsKey(issuer)) {
                errors.add(key + "is tenant '" + own.get(issuer) + "''s own issuer, whose tokens are verified with the"
                        + " tenant's keys and never with this entry's JWKS; remove the entry or name the outside issuer");
            }
            Integer first = seen.putIfAbsent(issuer, i);
            if (first != null) {
                errors.add(key + "is trustedIssuers[" + first + "] too; one entry per issuer");
            }
        }
        return errors;
    }

    private static void issuers(List<String> errors, BrokerConfig c) {
        errors.addAll(issuerClashes(c));
        for (int i = 0; i < c.trustedIssuers().size(); i++) {
            BrokerConfig.TrustedIssuer t = c.trustedIssuers().get(i);
            String key = "trustedIssuers[" + i + "]";
            if (t.issuer() == null || t.issuer().isBlank()) {
                errors.add(key + ".issuer: required");
            }
            if ((t.jwksFile() == null) == (t.jwksUri() == null)) {
                errors.add(key + ": exactly one of jwksFile or jwksUri is required");
            }
            if (t.jwksUri() != null && !fetchableJwksUri(t.jwksUri())) {
                errors.add(key + ".jwksUri: expected an https:// URL (plain http only for localhost), got '"
                        + t.jwksUri() + "'");
            }
            if (t.algorithms() == null || t.algorithms().isEmpty() || !ISSUER_ALGS.containsAll(t.algorithms())) {
                errors.add(key + ".algorithms: expected a non-empty list of " + ISSUER_ALGS + " (public-key signatures;"
                        + " RSA-PSS, RS384/RS512 and HMAC are not verified for outside issuers), got " + t.algorithms());
            }
            if (t.jwksFile() != null && !(java.nio.file.Files.isRegularFile(t.jwksFile())
                    && java.nio.file.Files.isReadable(t.jwksFile()))) {
                errors.add(key + ".jwksFile: expected a readable JWKS file (JSON), got " + t.jwksFile());
            }
            if (t.tenant() == null || c.tenant(t.tenant()) == null) {
                errors.add(key + ".tenant: expected one of the configured tenants, got '" + t.tenant() + "'");
            }
            if (!isNodeCell(t.regionGeohash())) {
                errors.add(key + ".regionGeohash: expected 0-12 GeoHash characters, got '" + t.regionGeohash() + "'");
            }
            if (t.refreshInterval() == null || t.refreshInterval().compareTo(Duration.ofSeconds(10)) < 0) {
                errors.add(key + ".refreshInterval: expected at least 10s, got " + Durations.format(t.refreshInterval()));
            }
            if (t.maxStale() == null || t.refreshInterval() != null && t.maxStale().compareTo(t.refreshInterval()) < 0) {
                errors.add(key + ".maxStale: expected a duration at least refreshInterval, got " + Durations.format(t.maxStale()));
            }
        }
    }

    /** A logback size of 1KB to 1024GB in bytes, or null (and an error naming {@code key}). */
    private static java.math.BigInteger fileSize(List<String> errors, String key, String value) {
        // logback's FileSize multiplies without an overflow check: 9999999999GB became negative ("at least 1KB")
        java.util.regex.Matcher size = FILE_SIZE.matcher(value == null ? "" : value.trim());
        if (!size.matches()) {
            errors.add(key + ": expected a size such as 10KB, 100MB or 1GB, got '" + value + "'");
            return null;
        }
        String unit = size.group(2).toUpperCase(java.util.Locale.ROOT);
        int shift = unit.isEmpty() ? 0 : unit.equals("KB") ? 10 : unit.equals("MB") ? 20 : 30;
        java.math.BigInteger bytes = new java.math.BigInteger(size.group(1)).shiftLeft(shift);
        if (bytes.compareTo(java.math.BigInteger.valueOf(1024)) < 0) {
            errors.add(key + ": expected at least 1KB, got " + value);
            return null;
        }
        if (bytes.compareTo(java.math.BigInteger.ONE.shiftLeft(40)) > 0) {
            errors.add(key + ": expected at most 1024GB, got " + value);
            return null;
        }
        return bytes;
    }

    private static void audit(List<String> errors, BrokerConfig c) {
        BrokerConfig.Audit a = c.audit();
        positive(errors, "audit.checkpointEvery", a.checkpointEvery(), 1, 1_000_000);
        if (a.checkpointInterval().compareTo(Duration.ofSeconds(1)) < 0 || a.checkpointInterval().compareTo(Duration.ofDays(1)) > 0) {
            errors.add("audit.checkpointInterval: expected 1s to 1d, got " + Durations.format(a.checkpointInterval()));
        }
        if (!a.checkpointTenant().isEmpty() && c.tenant(a.checkpointTenant()) == null) {
            errors.add("audit.checkpointTenant: expected one of the configured tenants, got '" + a.checkpointTenant() + "'");
        } else if (!a.chain() && !a.checkpointTenant().isEmpty()) {
            errors.add("audit.checkpointTenant: only checkpoints use it, and audit.chain is false: remove it or set"
                    + " audit.chain: true");
        }
        if (!a.node().isEmpty() && !a.node().matches("[A-Za-z0-9_.:-]{1,128}")) {
            errors.add("audit.node: expected 1-128 of A-Z a-z 0-9 _ . : -, got '" + a.node() + "'");
        }
        java.math.BigInteger fileBytes = fileSize(errors, "audit.maxFileSize", a.maxFileSize());
        if (a.totalSizeCap() != null) {
            java.math.BigInteger cap = fileSize(errors, "audit.totalSizeCap", a.totalSizeCap());
            if (a.file() == null) {
                errors.add("audit.totalSizeCap: only rotated audit files use it, and audit.file is not set: remove it"
                        + " or set audit.file");
            } else if (a.maxHistory() == 0) {
                // logback applies the cap only where it also deletes by age
                errors.add("audit.totalSizeCap: needs audit.maxHistory above 0 (days kept; 0 keeps all, and logback"
                        + " then deletes nothing): set audit.maxHistory, e.g. 365");
            } else if (cap != null && fileBytes != null && cap.compareTo(fileBytes) < 0) {
                errors.add("audit.totalSizeCap: expected at least audit.maxFileSize (" + a.maxFileSize() + "), got "
                        + a.totalSizeCap());
            }
        }
        positive(errors, "audit.maxHistory", a.maxHistory(), 0, 100_000);
        BrokerConfig.Anomalies an = a.anomalies();
        if (!(an.maxTravelSpeedKmh() >= 0) || an.maxTravelSpeedKmh() > 1_000_000) {
            errors.add("audit.anomalies.maxTravelSpeedKmh: expected 0 (off) to 1000000, got " + an.maxTravelSpeedKmh());
        }
        positive(errors, "audit.anomalies.refusalBurst", an.refusalBurst(), 0, 1_000_000);
        if (an.refusalWindow().compareTo(Duration.ofSeconds(1)) < 0 || an.refusalWindow().compareTo(Duration.ofDays(1)) > 0) {
            errors.add("audit.anomalies.refusalWindow: expected 1s to 1d, got " + Durations.format(an.refusalWindow()));
        }
    }

    private static void hsm(List<String> errors, BrokerConfig.Tenant t) {
        BrokerConfig.Hsm h = t.hsm();
        if (h == null) {
            return;
        }
        String key = "tenants[" + t.id() + "].hsm";
        if (h.library() == null || !java.nio.file.Files.isReadable(h.library())) {
            errors.add(key + ".library: expected a readable PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so, got "
                    + h.library());
        }
        if ((h.slot() == null) == (h.slotListIndex() == null)) {
            errors.add(key + ": expected exactly one of slot (the slot id) or slotListIndex");
        } else if (h.slot() != null && h.slot() < 0 || h.slotListIndex() != null && h.slotListIndex() < 0) {
            errors.add(key + ": slot and slotListIndex must not be negative");
        }
        boolean env = h.pinEnv() != null && !h.pinEnv().isBlank();
        if (env == (h.pinFile() != null)) {
            errors.add(key + ": expected exactly one of pinEnv (an environment variable's name) or pinFile");
        } else if (env && !h.pinEnv().matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
            errors.add(key + ".pinEnv: expected an environment variable name, got '" + h.pinEnv() + "'");
        }
        if (!"ES256".equals(t.algorithm()) && !"RS256".equals(t.algorithm())) {
            errors.add(key + ": a key in a PKCS#11 token must be ES256 or RS256 (SunPKCS11 has no Ed25519), got "
                    + t.algorithm());
        }
    }

    private static void httpTls(List<String> errors, BrokerConfig.HttpTls t) {
        port(errors, "http.tls.port", t.port(), true);
        if (!Set.of("request", "required").contains(t.clientAuth())) {
            errors.add("http.tls.clientAuth: expected request or required, got '" + t.clientAuth() + "'");
        }
        if (t.port() >= 0 && t.keyStore() == null) {
            errors.add("http.tls.port: the HTTPS listener needs http.tls.keyStore (PKCS#12 or .jks with the server key)");
        }
        if (t.crl() != null && t.trustStore() == null) {
            errors.add("http.tls.crl: a CRL needs http.tls.trustStore (the CAs whose revocations it lists)");
        }
    }

    /** A node's (or an issuer's) cell: empty for the whole world, else a cell as regions store them. */
    private static boolean isNodeCell(String cell) {
        return "".equals(cell) || io.edgeauth.broker.registry.DeviceValidator.isRegionCell(cell);
    }
}

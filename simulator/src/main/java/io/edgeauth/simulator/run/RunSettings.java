package io.edgeauth.simulator.run;

import io.edgeauth.device.TokenFormat;
import io.edgeauth.simulator.coap.CoapOptions;
import io.edgeauth.simulator.fleet.FleetIdentities;
import io.edgeauth.simulator.fleet.ObserverIssuer;
import io.edgeauth.simulator.fleet.Shard;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a run needs, validated: {@link io.edgeauth.simulator.SimulatorCli} builds it from options.
 *
 * @param brokerUrl          HTTP base of the broker (token endpoint, admin API, /metrics)
 * @param mqtt               MQTT address
 * @param fleet              identity derivation (seed, prefix, key type)
 * @param devices            fleet size (all shards)
 * @param shard              which part of the fleet this process drives
 * @param tenant             the devices' tenant
 * @param otherTenant        a second tenant for wrong-tenant chaos devices, or null
 * @param adminCredential    admin bearer credential (onboarding and revocations), or null
 * @param onboardWithAdminApi register each device with POST /admin/devices first
 * @param scenario           load shape
 * @param arrivalRate        sessions per second, fleet-wide (this shard takes its share)
 * @param concurrency        most sessions open at once in this process
 * @param messagesPerSession QoS 1 messages each honest session publishes
 * @param payloadBytes       size of each message (at least 20: timestamp, index, sequence)
 * @param mqtt5              MQTT 5 (else 3.1.1)
 * @param tokenFormat        JWT or CWT
 * @param hold               how long a session stays connected after publishing
 * @param renewEvery         renewal scenario: how often a held session presents a fresh token
 * @param chaos              share and kinds of misbehaving devices
 * @param expiredWait        how long after {@code exp} an expired-token device connects (cover the broker's leeway)
 * @param revokeAt           revocation scenario: when the wave comes, after the start
 * @param revokeCount        revocation scenario: how many live sessions it revokes
 * @param localAddrs         source addresses for MQTT connections (empty: the system's)
 * @param eventLoops         Netty event loop threads
 * @param workThreads        threads for key derivation and signatures
 * @param observer           the issuer of the observer's token (the observer subscribes to the fleet's telemetry and
 *                           checks end-to-end delivery), or null for no observer
 * @param maxDuration        stop starting sessions after this long
 * @param drain              how long to wait for in-flight sessions and deliveries at the end
 * @param connectTimeout     TCP connect plus CONNACK
 * @param scrapeMetrics      sample the broker's /metrics every 2 s
 * @param protocols          which devices speak MQTT and which CoAP
 * @param coap               how CoAP devices reach the broker, or null when none speaks CoAP
 * @param bulkOnboarding     register this shard's devices with one streamed {@code POST /admin/devices:bulk} first
 * @param tokenIssuer        devices' tokens signed by this trusted outside issuer instead of the broker's token
 *                           endpoint, or null (the broker issues them)
 * @param issuerTokenLifetime lifetime of the tokens {@code tokenIssuer} signs
 * @param restart            the broker-restart scenario's plan
 * @param mqttTls            MQTT over TLS ({@code tls}), with device certificates from the fleet CA ({@code mtls}), or
 *                           plain ({@code off}); {@code mqttCa}: PEM that authenticates the broker, or null for any
 * @param mqttCa             see {@code mqttTls}
 * @param zeroTouch          no registration: each device's token assertions carry its certificate from the fleet CA
 *                           ({@code x5c}), so the broker provisions it on its first token request
 * @param enrollmentGroup    no registration: each device signs its token requests (HS256) with HKDF(group secret,
 *                           device id), the group secret being the fleet's PSK master; this is the broker's group id,
 *                           or null
 * @param importIdleTimeout  bulk onboarding: the import fails after this long without progress (nothing sent or answered)
 * @param stopAfterUnreachable no device starts after this many sessions in a row could not reach the broker; 0: never
 */
public record RunSettings(URI brokerUrl, InetSocketAddress mqtt, FleetIdentities fleet, long devices, Shard shard,
        String tenant, String otherTenant, String adminCredential, boolean onboardWithAdminApi, Scenario scenario,
        double arrivalRate, int concurrency, int messagesPerSession, int payloadBytes, boolean mqtt5, TokenFormat tokenFormat,
        Duration hold, Duration renewEvery, ChaosPlan chaos, Duration expiredWait, Duration revokeAt, int revokeCount,
        List<InetAddress> localAddrs, int eventLoops, int workThreads, ObserverIssuer observer,
        Duration maxDuration, Duration drain, Duration connectTimeout, boolean scrapeMetrics, ProtocolMix protocols,
        CoapOptions coap, boolean bulkOnboarding, ObserverIssuer tokenIssuer, Duration issuerTokenLifetime, RestartPlan restart,
        String mqttTls, java.nio.file.Path mqttCa, boolean zeroTouch, String enrollmentGroup, Duration importIdleTimeout,
        int stopAfterUnreachable) {

    /** The longest duration option: far below the nanosecond deadlines' overflow. */
    static final Duration MAX_DURATION = Duration.ofDays(30);
    /** Open files a session may hold: its MQTT socket and one pooled HTTP connection. */
    static final int FILES_PER_SESSION = 2;
    /** Open files kept free for the JVM, jars, the observer and the scrapes. */
    static final int FILE_HEADROOM = 500;
    public static final int MIN_PAYLOAD = 20;

    public RunSettings {
        Objects.requireNonNull(brokerUrl, "brokerUrl");
        Objects.requireNonNull(mqtt, "mqtt");
        Objects.requireNonNull(fleet, "fleet");
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(tokenFormat, "tokenFormat");
        Objects.requireNonNull(chaos, "chaos");
        localAddrs = List.copyOf(localAddrs);
        require(devices >= 1, "--devices must be at least 1");
        // an empty shard passed, doing nothing (more shards than devices; tour AB, AB5)
        require(shard.size(devices) >= 1, "shard " + shard + " of " + devices + " devices has no device: use at most "
                + devices + " shards");
        require(importIdleTimeout.compareTo(Duration.ofMillis(100)) >= 0, "--import-idle-timeout must be at least 100ms");
        require(arrivalRate > 0 || scenario == Scenario.STORM, "--arrival-rate must be positive (or use --scenario storm)");
        require(concurrency >= 1, "--concurrency must be at least 1");
        require(stopAfterUnreachable >= 0, "--stop-after-unreachable must be 0 (never) or more");
        long maxFiles = maxOpenFiles();
        require(maxFiles <= 0 || (long) concurrency * FILES_PER_SESSION + FILE_HEADROOM <= maxFiles,
                "--concurrency " + concurrency + " needs up to " + ((long) concurrency * FILES_PER_SESSION + FILE_HEADROOM)
                        + " open files (MQTT socket + HTTP connection per session, " + FILE_HEADROOM + " spare); this process may open "
                        + maxFiles + ": lower it, raise ulimit -n, or split the fleet with --shard");
        require(messagesPerSession >= 0 && messagesPerSession <= 65535, "--messages must be 0..65535");
        require(payloadBytes >= MIN_PAYLOAD && payloadBytes <= 256 * 1024, "--payload-bytes must be " + MIN_PAYLOAD + "..262144");
        require(!hold.isNegative(), "--hold must not be negative");
        require(!connectTimeout.isNegative() && !connectTimeout.isZero(), "--connect-timeout must be positive");
        // beyond this a deadline in nanoseconds overflows ("long overflow" after the run had started, exit 1)
        Object[][] durations = {{"--hold", hold}, {"--renew-every", renewEvery}, {"--expired-wait", expiredWait},
            {"--revoke-at", revokeAt}, {"--max-duration", maxDuration}, {"--drain", drain}, {"--connect-timeout", connectTimeout},
            {"--token-lifetime", issuerTokenLifetime}, {"--restart-at", restart.at()}, {"--restart-window", restart.window()},
            {"--import-idle-timeout", importIdleTimeout}};
        for (Object[] d : durations) {
            require(((Duration) d[1]).compareTo(MAX_DURATION) <= 0, d[0] + " must be at most 30 days");
        }
        require(scenario != Scenario.RENEWAL || (!renewEvery.isZero() && !renewEvery.isNegative() && hold.compareTo(renewEvery) > 0),
                "--scenario renewal needs --renew-every > 0 and --hold longer than it");
        require(scenario != Scenario.REVOCATION || (revokeCount > 0 && adminCredential != null && !hold.isZero()),
                "--scenario revocation needs --revoke-count > 0, --hold > 0 and --admin-credential");
        Objects.requireNonNull(restart, "restart");
        require(List.of("off", "tls", "mtls").contains(mqttTls), "--mqtt-tls must be off, tls or mtls");
        require(!mqttTls.equals("mtls") || fleet.keyType() == io.edgeauth.device.DeviceIdentity.KeyType.EC_P256,
                "--mqtt-tls mtls puts the devices' P-256 keys in their certificates: use --key-type p256");
        require(mqttCa == null || java.nio.file.Files.isReadable(mqttCa), "--mqtt-ca is not a readable file: " + mqttCa);
        require(scenario != Scenario.RESTART || !hold.isZero(), "--scenario restart needs --hold > 0 (sessions that are open when the broker restarts)");
        require(!onboardWithAdminApi || adminCredential != null, "admin-API onboarding needs --admin-credential");
        require(!zeroTouch || fleet.keyType() == io.edgeauth.device.DeviceIdentity.KeyType.EC_P256,
                "--onboarding zero-touch puts the devices' P-256 keys in their certificates: use --key-type p256");
        require(!zeroTouch || tokenIssuer == null, "--onboarding zero-touch is a token-endpoint route: use --token-source broker");
        require(enrollmentGroup == null || tokenIssuer == null, "--onboarding group is a token-endpoint route: use --token-source broker");
        for (ChaosKind k : chaos.share() > 0 ? chaos.kinds() : List.<ChaosKind>of()) {
            require(k != ChaosKind.REVOKED && k != ChaosKind.WRONG_TENANT && k != ChaosKind.WRONG_REGION || adminCredential != null,
                    "chaos kind " + k.label() + " needs --admin-credential");
            require(k != ChaosKind.WRONG_TENANT || otherTenant != null, "chaos kind wrong-tenant needs --other-tenant");
            require(k != ChaosKind.WRONG_REGION || chaos.brokerRegion() != null,
                    "chaos kind wrong-region needs --broker-region (the broker's region.geohash; a broker without one serves the whole world)");
            require(k != ChaosKind.WRONG_TENANT || !zeroTouch && enrollmentGroup == null, "chaos kind wrong-tenant registers its"
                    + " device in another tenant first, which zero-touch and group onboarding do not: leave it out of --chaos-kinds");
            require(k != ChaosKind.WRONG_REGION || enrollmentGroup == null, "chaos kind wrong-region registers its device with"
                    + " its key first, and a group device has none: leave it out of --chaos-kinds with --onboarding group");
            require(k != ChaosKind.FORGED || tokenFormat == TokenFormat.JWT, "chaos kind forged alters JWT claims: use --token-format jwt");
        }
        Objects.requireNonNull(protocols, "protocols");
        require(!protocols.anyCoap() || coap != null, "CoAP devices need --coap host:port");
        require(!protocols.anyCoap() || scenario != Scenario.REVOCATION || coap.observe(),
                "--scenario revocation with CoAP devices needs --coap-observe: a dropped CoAP session reaches the device"
                        + " as the 4.01 notification that ends its Observe relation");
        require(coap == null || !coap.commands() || observer != null,
                "--coap-commands needs --observer (the observer's session publishes the commands)");
        require(coap == null || !coap.tokenOverCoap() || coap.dtls(),
                "--coap-token coap needs DTLS (the token request carries the device's assertion): use --coap-security ecdhe-psk or psk");
        require(coap == null || !coap.abandon() || coap.dtls(), "--coap-end abandon keeps DTLS sessions: use --coap-security ecdhe-psk or psk");
        require(!bulkOnboarding || adminCredential != null, "--onboarding bulk needs --admin-credential");
        require(tokenIssuer == null || tokenFormat == TokenFormat.JWT, "--token-source issuer signs JWTs: use --token-format jwt");
        require(tokenIssuer == null || coap == null || !coap.tokenOverCoap(), "--token-source issuer and --coap-token coap exclude each other");
        require(tokenIssuer == null || (!issuerTokenLifetime.isNegative() && !issuerTokenLifetime.isZero()
                && issuerTokenLifetime.compareTo(Duration.ofDays(1)) <= 0), "--token-lifetime must be 1s..24h");
        require(coap == null || !coap.publicKey() || fleet.keyType() == io.edgeauth.device.DeviceIdentity.KeyType.EC_P256,
                "--coap-security rpk and x509 use the devices' P-256 keys: use --key-type p256");
        require(eventLoops >= 1 && workThreads >= 1, "--event-loops and --work-threads must be at least 1");
        require(!maxDuration.isNegative() && !maxDuration.isZero(), "--max-duration must be positive");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The process's open-file limit, or 0 when the platform does not say. */
    static long maxOpenFiles() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.UnixOperatingSystemMXBean u ? u.getMaxFileDescriptorCount() : 0;
    }

    /** First device index of this shard. */
    public long firstDevice() {
        return shard.start(devices);
    }

    /** Devices this shard drives. */
    public long shardDevices() {
        return shard.size(devices);
    }

    /** This shard's arrival rate: its share of the fleet-wide rate. */
    public double shardArrivalRate() {
        return arrivalRate * shardDevices() / devices;
    }

    /** The parameters as the report shows them (no secrets: the seed and admin credential are left out). */
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("broker", brokerUrl.toString());
        m.put("mqtt", mqtt.getHostString() + ":" + mqtt.getPort());
        m.put("devices", devices);
        m.put("shard", shard.toString());
        m.put("devicePrefix", fleet.prefix());
        m.put("keyType", fleet.keyType().name());
        m.put("tenant", tenant);
        m.put("onboarding", zeroTouch ? "zero-touch" : enrollmentGroup != null ? "group " + enrollmentGroup
                : bulkOnboarding ? "bulk" : onboardWithAdminApi ? "admin-api" : "none");
        m.put("expiredWait", expiredWait.toString());
        m.put("tokenSource", tokenIssuer == null ? "broker" : "issuer " + tokenIssuer.issuer() + " (" + issuerTokenLifetime + ")");
        m.put("scenario", scenario.label());
        m.put("arrivalRate", arrivalRate);
        m.put("concurrency", concurrency);
        m.put("messagesPerSession", messagesPerSession);
        m.put("payloadBytes", payloadBytes);
        m.put("mqttVersion", mqtt5 ? "5" : "3.1.1");
        m.put("mqttTls", mqttTls);
        m.put("tokenFormat", tokenFormat.name());
        m.put("hold", hold.toString());
        m.put("renewEvery", renewEvery.toString());
        m.put("chaosShare", chaos.share());
        m.put("chaosKinds", chaos.kinds().stream().map(ChaosKind::label).toList());
        if (chaos.brokerRegion() != null) {
            m.put("brokerRegion", chaos.brokerRegion());
        }
        m.put("revokeAt", revokeAt.toString());
        m.put("revokeCount", revokeCount);
        if (scenario == Scenario.RESTART) {
            m.put("restartAt", restart.at().toString());
            m.put("restartBy", restart.command() == null ? "outside" : "command");
            m.put("restartWindow", restart.window().toString());
        }
        m.put("localAddrs", localAddrs.size());
        m.put("eventLoops", eventLoops);
        m.put("workThreads", workThreads);
        m.put("observer", observer == null ? "none" : observer.issuer());
        m.put("maxDuration", maxDuration.toString());
        m.put("stopAfterUnreachable", stopAfterUnreachable);
        m.put("protocols", protocols.label());
        if (coap != null) {
            m.put("coap", coap.label());
        }
        return m;
    }
}

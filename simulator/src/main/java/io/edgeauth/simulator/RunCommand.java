package io.edgeauth.simulator;

import io.edgeauth.device.TokenFormat;
import io.edgeauth.simulator.fleet.ObserverIssuer;
import io.edgeauth.simulator.fleet.Shard;
import io.edgeauth.simulator.onboard.BulkImport;
import io.edgeauth.simulator.report.HtmlReport;
import io.edgeauth.simulator.report.RunResult;
import io.edgeauth.simulator.run.ChaosKind;
import io.edgeauth.simulator.coap.CoapOptions;
import io.edgeauth.simulator.run.ChaosPlan;
import io.edgeauth.simulator.run.FleetRun;
import io.edgeauth.simulator.run.ProtocolMix;
import io.edgeauth.simulator.run.RestartPlan;
import io.edgeauth.simulator.run.RunSettings;
import io.edgeauth.simulator.run.Scenario;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code run}: drives a fleet (or one shard of it) and writes {@code run.json} and {@code report.html}. */
@Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Run a fleet, or one shard of it, against a broker.")
final class RunCommand implements Callable<Integer> {
    private final PrintStream out;
    @Spec
    CommandSpec spec;

    @Option(names = "--broker-url", required = true, converter = SimulatorCli.HttpUrlConverter.class, description = "HTTP base of the broker (token endpoint, admin API, /metrics)")
    URI brokerUrl;
    @Option(names = "--mqtt", description = "MQTT host:port (default: the broker URL's host, port 1883)")
    String mqtt;
    @Option(names = "--admin-credential", defaultValue = "${env:EDGEAUTH_ADMIN}", description = "admin bearer credential"
            + " (onboarding, revocations); default env EDGEAUTH_ADMIN, which keeps it out of ps")
    String adminCredential;
    @Option(names = "--onboarding", defaultValue = "auto", description = "admin-api (POST /admin/devices per device), bulk (one streamed POST /admin/devices:bulk before the run), zero-touch (no registration: each device's first token request carries its certificate from the fleet CA, which the broker trusts), group (no registration: each device signs its token requests with HS256 under HKDF(group secret, device id); the group secret is the fleet's psk-master), none (already registered), auto (admin-api when a credential is given)")
    String onboarding;
    @Option(names = "--enrollment-group", defaultValue = "sim", description = "with --onboarding group: the broker's enrollment group id (its secretFile holds the fleet's psk-master)")
    String enrollmentGroup;
    @Option(names = "--tenant", defaultValue = "default", description = "tenant the devices are registered in")
    String tenant;
    @Option(names = "--other-tenant", description = "a second tenant, for wrong-tenant chaos devices")
    String otherTenant;
    @Mixin
    FleetOptions fleetOptions;
    @Option(names = "--devices", defaultValue = "100", description = "fleet size (all shards together)")
    long devices;
    @Option(names = "--shard", defaultValue = "0/1", description = "i/n: this process drives part i of n of the fleet")
    String shard;
    @Option(names = "--scenario", defaultValue = "steady", description = "steady, storm, renewal, revocation, restart")
    String scenario;
    @Option(names = "--arrival-rate", defaultValue = "100", description = "new device sessions per second, fleet-wide (open loop)")
    double arrivalRate;
    @Option(names = "--concurrency", defaultValue = "1000", description = "most sessions open at once in this process")
    int concurrency;
    @Option(names = "--messages", defaultValue = "1", description = "QoS 1 messages per session")
    int messages;
    @Option(names = "--payload-bytes", defaultValue = "64", description = "bytes of each message's payload")
    int payloadBytes;
    @Option(names = "--mqtt-tls", defaultValue = "off", description = "off, tls (MQTT over TLS) or mtls (and each device presents a certificate from the fleet CA: see fleet-ca)")
    String mqttTls;
    @Option(names = "--mqtt-ca", description = "PEM of the CA that signed the broker's MQTT TLS certificate (default: any certificate is accepted)")
    Path mqttCa;
    @Option(names = "--mqtt-version", defaultValue = "5", description = "5 or 3.1.1")
    String mqttVersion;
    @Option(names = "--token-format", defaultValue = "jwt",
            description = "jwt, cwt, jwe or cwt-encrypted (the encrypted forms are opened by the broker only)")
    String tokenFormat;
    @Option(names = "--hold", defaultValue = "0s", converter = SimulatorCli.DurationConverter.class, description = "stay connected this long after publishing (in the restart scenario a session that lost its broker ends once it is back)")
    Duration hold;
    @Option(names = "--renew-every", defaultValue = "0s", converter = SimulatorCli.DurationConverter.class, description = "renewal scenario: present a fresh token this often")
    Duration renewEvery;
    @Option(names = "--chaos-share", defaultValue = "0", description = "fraction of devices that misbehave (0..1)")
    double chaosShare;
    @Option(names = "--chaos-kinds", defaultValue = "forged,replayed", split = ",", description = "expired, revoked, wrong-tenant, wrong-region, forged, replayed")
    List<String> chaosKinds;
    @Option(names = "--broker-region", description = "the GeoHash cell the broker serves (its region.geohash), for wrong-region chaos devices")
    String brokerRegion;
    @Option(names = "--expired-wait", defaultValue = "31s", converter = SimulatorCli.DurationConverter.class, description = "expired chaos devices connect this long after exp (cover the broker's leeway)")
    Duration expiredWait;
    @Option(names = "--revoke-at", defaultValue = "10s", converter = SimulatorCli.DurationConverter.class, description = "revocation scenario: when the revocation wave starts")
    Duration revokeAt;
    @Option(names = "--revoke-count", defaultValue = "0", description = "revocation scenario: live sessions to revoke")
    int revokeCount;
    @Option(names = "--restart-at", defaultValue = "10s", converter = SimulatorCli.DurationConverter.class, description = "restart scenario: when the broker restarts")
    Duration restartAt;
    @Option(names = "--restart-command", description = "restart scenario: shell command that restarts the broker (the run waits for it); without it the broker is restarted from outside")
    String restartCommand;
    @Option(names = "--restart-window", defaultValue = "60s", converter = SimulatorCli.DurationConverter.class, description = "restart scenario: how long a session that lost its broker gets to come back")
    Duration restartWindow;
    @Option(names = "--local-addrs", defaultValue = "0", description = "source addresses: N (127.0.0.2..), a range 127.0.0.2-127.0.0.40, or a list")
    String localAddrs;
    @Option(names = "--event-loops", defaultValue = "0", description = "Netty event loops (0: number of cores)")
    int eventLoops;
    @Option(names = "--work-threads", defaultValue = "0", description = "threads for key derivation and signing (0: number of cores)")
    int workThreads;
    @Option(names = "--observer", description = "subscribe to the fleet's telemetry and prove delivery (the broker must trust --observer-issuer; see 'jwks')")
    boolean observer;
    @Option(names = "--observer-issuer", defaultValue = "urn:edgeauth:simulator", description = "the observer's issuer (iss), as the broker's trustedIssuers names it")
    String observerIssuer;
    @Option(names = "--max-duration", defaultValue = "10m", converter = SimulatorCli.DurationConverter.class, description = "stop starting sessions after this long")
    Duration maxDuration;
    @Option(names = "--drain", defaultValue = "15s", converter = SimulatorCli.DurationConverter.class, description = "after the last session, how long the observer waits for messages in flight (then they count as lost)")
    Duration drain;
    @Option(names = "--connect-timeout", defaultValue = "15s", converter = SimulatorCli.DurationConverter.class, description = "how long a device waits for its CONNACK (or CoAP answer)")
    Duration connectTimeout;
    @Option(names = "--no-metrics", description = "do not scrape the broker's /metrics")
    boolean noMetrics;
    @Option(names = "--token-source", defaultValue = "broker", description = "broker (/oauth/token or CoAP /token) or issuer (the simulator signs device tokens as --observer-issuer, which the broker must trust)")
    String tokenSource;
    @Option(names = "--token-lifetime", defaultValue = "10m", converter = SimulatorCli.DurationConverter.class, description = "lifetime of tokens from --token-source issuer")
    Duration tokenLifetime;
    @Option(names = "--protocol", defaultValue = "mqtt", description = "mqtt, coap, mqtt,coap (equal shares) or weights such as mqtt=3,coap=1")
    String protocol;
    @Option(names = "--coap", description = "the broker's CoAP host:port (default: the broker URL's host, 5684 with DTLS, 5683 without)")
    String coap;
    @Option(names = "--coap-security", defaultValue = "ecdhe-psk", description = "ecdhe-psk or psk (DTLS 1.2 with the device's PSK derived from the fleet seed; psk offers no ECDHE suites), rpk (the device's P-256 key as a raw public key), x509 (a certificate over that key from the fleet CA: see fleet-ca) or none (plain CoAP)")
    String coapSecurity;
    @Option(names = "--coap-token", defaultValue = "http", description = "http (/oauth/token) or coap (POST /token over the device's DTLS session)")
    String coapToken;
    @Option(names = "--coap-observe", description = "CoAP devices register an Observe on /d/{id}/down after publishing")
    boolean coapObserve;
    @Option(names = "--coap-commands", description = "once observing, each CoAP device gets one QoS 1 command from the observer on d/{id}/down/sim/<shard>; it must arrive as an Observe notification (needs --coap-observe and --observer)")
    boolean coapCommands;
    @Option(names = "--coap-end", defaultValue = "close", description = "close (DTLS close_notify) or abandon (drop the socket: the broker keeps the session)")
    String coapEnd;
    @Option(names = "--coap-renew-after", defaultValue = "-1", description = "DTLS: unanswered transmissions of a request in a row before the device renews its session, as the SDK's renewSessionAfterUnanswered (0 to 4; default -1: the SDK's default)")
    int coapRenewAfter;
    @Option(names = "--import-idle-timeout", converter = SimulatorCli.DurationConverter.class, description = "with --onboarding bulk: fail the import after this long without progress (the broker neither reads the upload nor answers); default 60s")
    Duration importIdleTimeout;
    @Option(names = "--stop-after-unreachable", description = "start no further device once this many sessions in a row"
            + " could not reach the broker (connection refused or reset, I/O error; not refusals), or this many devices in a"
            + " row timed out at one step while no device got the broker's answer there (a silent broker); 0: never."
            + " Default " + DEFAULT_STOP_AFTER_UNREACHABLE + ", off in the restart scenario")
    Integer stopAfterUnreachable;
    @Option(names = "--out", defaultValue = "sim-report", description = "directory for run.json and report.html")
    Path outDir;

    /** Far above what a loaded but present broker gives in a row (its failures come between answers). */
    static final int DEFAULT_STOP_AFTER_UNREACHABLE = 100;

    RunCommand(PrintStream out) {
        this.out = out;
    }

    /**
     * Said at the start when {@code --onboarding auto} registers nothing for want of a credential: otherwise every
     * device's first sign is {@code token:invalid_client: unknown_device}, with nothing pointing at the missing option.
     */
    String onboardingNote() {
        if (!"auto".equals(onboarding) || adminCredential != null || !"broker".equals(tokenSource)) {
            return null;
        }
        return "note: no --admin-credential: devices are not registered (--onboarding auto registers them only with one);"
                + " give it, or --onboarding none for a fleet registered before";
    }

    /**
     * Said at the start when expired chaos devices wait out broker tokens: the run then lasts at least the broker's
     * token lifetime (10 minutes by default), which nothing said, and a shorter --max-duration ended with an
     * unexplained "chaos devices refused as expected 0 of N".
     */
    static String expiredNote(RunSettings s) {
        if (s.tokenIssuer() != null || s.chaos().share() <= 0 || !s.chaos().kinds().contains(ChaosKind.EXPIRED)) {
            return null;
        }
        return "note: expired chaos devices connect after their broker token expired (the broker's tokens.defaultLifetime, 10m"
                + " by default) plus --expired-wait " + s.expiredWait().toSeconds() + "s: the run lasts at least that long and"
                + " --max-duration " + s.maxDuration().toSeconds() + "s must cover it; for a short run use --token-source issuer"
                + " --token-lifetime 20s";
    }

    /** The validated settings; IllegalArgumentException names the bad option. */
    RunSettings settings() {
        int cores = Runtime.getRuntime().availableProcessors();
        if (eventLoops < 0 || eventLoops > 256) { // a negative count was taken silently as "one per core"
            throw new IllegalArgumentException("--event-loops must be 0 (one per core) .. 256, got " + eventLoops);
        }
        if (workThreads < 0 || workThreads > 1024) {
            throw new IllegalArgumentException("--work-threads must be 0 (one per core) .. 1024, got " + workThreads);
        }
        boolean admin = switch (onboarding) {
            case "admin-api" -> true;
            case "none", "bulk", "zero-touch", "group" -> false;
            case "auto" -> adminCredential != null;
            default -> throw new IllegalArgumentException("--onboarding must be admin-api, bulk, zero-touch, group, none or auto");
        };
        boolean v5 = switch (mqttVersion) {
            case "5" -> true;
            case "3", "3.1.1" -> false;
            default -> throw new IllegalArgumentException("--mqtt-version must be 5 or 3.1.1");
        };
        TokenFormat format;
        try {
            format = TokenFormat.parse(tokenFormat);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--token-format must be jwt, cwt, jwe or cwt-encrypted");
        }
        String host = brokerUrl.getHost();
        if (host == null) {
            throw new IllegalArgumentException("--broker-url must be an http(s) URL with a host");
        }
        InetSocketAddress mqttAddress = mqtt == null ? new InetSocketAddress(host, 1883) : hostPort("--mqtt", mqtt);
        ProtocolMix protocols = ProtocolMix.parse(protocol);
        CoapOptions coapOptions = protocols.anyCoap() ? coapOptions(host) : null;
        Scenario shape = Scenario.parse(scenario);
        // the restart scenario takes its broker away on purpose: its devices must ride that out, not end the run
        int unreachable = stopAfterUnreachable != null ? stopAfterUnreachable
                : shape == Scenario.RESTART ? 0 : DEFAULT_STOP_AFTER_UNREACHABLE;
        List<ChaosKind> kinds = chaosKinds.stream().map(String::trim).filter(s -> !s.isEmpty()).map(ChaosKind::parse).toList();
        RunSettings settings = new RunSettings(brokerUrl, mqttAddress, fleetOptions.identities(), devices, Shard.parse(shard),
                tenant, otherTenant, adminCredential, admin, shape, arrivalRate, concurrency, messages,
                payloadBytes, v5, format, hold, renewEvery, new ChaosPlan(chaosShare, kinds, brokerRegion), expiredWait, revokeAt, revokeCount,
                LocalAddresses.parse(localAddrs), eventLoops > 0 ? eventLoops : cores, workThreads > 0 ? workThreads : cores,
                observer ? new ObserverIssuer(fleetOptions.seed, observerIssuer) : null, maxDuration, drain, connectTimeout, !noMetrics,
                protocols, coapOptions, onboarding.equals("bulk"), tokenIssuer(), tokenLifetime,
                new RestartPlan(restartAt, restartCommand, restartWindow), mqttTls.toLowerCase(java.util.Locale.ROOT), mqttCa,
                onboarding.equals("zero-touch"), onboarding.equals("group") ? enrollmentGroup : null, importIdleTimeout(),
                unreachable);
        CommandLine.ParseResult parsed = spec == null ? null : spec.commandLine().getParseResult();
        String modeProblem = parsed == null ? null
                : ModeOptions.problem(parsed::hasMatchedOption, settings, onboarding.equals("bulk"), onboarding.equals("group"));
        if (modeProblem != null) {
            throw new IllegalArgumentException(modeProblem);
        }
        return settings;
    }

    /** Given only with bulk onboarding: elsewhere there is no import for it to bound. */
    private Duration importIdleTimeout() {
        if (importIdleTimeout == null) {
            return BulkImport.DEFAULT_IDLE_TIMEOUT;
        }
        return importIdleTimeout; // given without --onboarding bulk: refused by ModeOptions
    }

    private ObserverIssuer tokenIssuer() {
        return switch (tokenSource) {
            case "broker" -> null;
            case "issuer" -> new ObserverIssuer(fleetOptions.seed, observerIssuer);
            default -> throw new IllegalArgumentException("--token-source must be broker or issuer");
        };
    }

    private CoapOptions coapOptions(String host) {
        String security = coapSecurity.toLowerCase(java.util.Locale.ROOT);
        boolean dtls = switch (security) {
            case "ecdhe-psk", "psk", "rpk", "x509" -> true;
            case "none" -> false;
            default -> throw new IllegalArgumentException("--coap-security must be ecdhe-psk, psk, rpk, x509 or none");
        };
        boolean overCoap = switch (coapToken.toLowerCase(java.util.Locale.ROOT)) {
            case "http" -> false;
            case "coap" -> true;
            default -> throw new IllegalArgumentException("--coap-token must be http or coap");
        };
        boolean abandon = switch (coapEnd.toLowerCase(java.util.Locale.ROOT)) {
            case "close" -> false;
            case "abandon" -> true;
            default -> throw new IllegalArgumentException("--coap-end must be close or abandon");
        };
        InetSocketAddress address = coap == null ? new InetSocketAddress(host, dtls ? 5684 : 5683) : hostPort("--coap", coap);
        return new CoapOptions(address, dtls, overCoap, coapObserve, coapCommands, abandon, security.equals("ecdhe-psk"), security.equals("rpk"),
                security.equals("x509"), coapRenewAfter);
    }

    static InetSocketAddress hostPort(String option, String s) {
        int scheme = s.indexOf("://");
        if (scheme >= 0) { // else "tcp" became the host name and every device failed to resolve it
            throw new IllegalArgumentException(option + " takes host:port, not a URL: got '" + s + "', write '"
                    + s.substring(scheme + 3).replaceAll("/+$", "") + "'");
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException(option + " must be host:port, got '" + s + "'");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " port is not a number: '" + s + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(option + " port out of range: " + port);
        }
        return new InetSocketAddress(s.substring(0, colon), port);
    }

    @Override
    public Integer call() throws Exception {
        RunSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            return SimulatorCli.USAGE;
        }
        String outProblem = OutDirectory.problem("--out", outDir);
        if (outProblem != null) {
            out.println("error: " + outProblem);
            return SimulatorCli.USAGE;
        }
        String note = onboardingNote();
        if (note != null) {
            out.println(note);
        }
        String expiredNote = expiredNote(settings);
        if (expiredNote != null) {
            out.println(expiredNote);
        }
        FleetRun run = new FleetRun(settings, out);
        try (Interruption interruption = Interruption.onSignal(run::stop, FleetRun.STOP_GRACE.plusSeconds(10))) {
            RunResult result = run.run();
            Path json = outDir.resolve("run.json");
            Path html = outDir.resolve("report.html");
            result.write(json);
            HtmlReport.write(html, List.of(result), List.of(json.getFileName().toString()));
            out.println("report: " + json.toAbsolutePath() + " " + html.toAbsolutePath());
            return result.verdict().ok() ? 0 : SimulatorCli.FAILED;
        }
    }
}

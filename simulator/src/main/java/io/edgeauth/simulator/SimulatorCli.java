package io.edgeauth.simulator;

import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgeauth-simulator}: drives a fleet of virtual devices against a broker and reports connection
 * outcomes, message rates and publish latencies.
 *
 * <pre>
 * java -jar simulator/target/edgeauth-simulator.jar --broker-url http://localhost:8080 --mqtt localhost:1883 \
 *      --admin-credential $ADMIN --devices 1000 --rate 1 --connect-rate 200 --duration 2m
 * </pre>
 */
@Command(name = "edgeauth-simulator", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Simulates a fleet of devices: registers them, gets tokens, connects over MQTT and publishes telemetry.")
public final class SimulatorCli implements Callable<Integer> {
    @Option(names = "--broker-url", required = true, description = "HTTP base URL of the broker (token endpoint, admin API).")
    URI brokerUrl;

    @Option(names = "--mqtt", defaultValue = "localhost:1883", description = "MQTT host:port (default ${DEFAULT-VALUE}).")
    String mqtt;

    @Option(names = "--admin-credential", description = "Admin bearer credential; when given, devices are registered with POST /admin/devices.")
    String adminCredential;

    @Option(names = "--tenant", defaultValue = "default", description = "Tenant to register devices in (default ${DEFAULT-VALUE}).")
    String tenant;

    @Option(names = "--device-prefix", defaultValue = "sim", description = "Device ids are <prefix>-0, <prefix>-1, ... (default ${DEFAULT-VALUE}).")
    String devicePrefix;

    @Option(names = "--devices", defaultValue = "10", description = "Number of virtual devices (default ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--rate", defaultValue = "1", description = "Messages per second per device; 0 = connect only (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "Total run time including the ramp: 90s, 5m, 1h, 500ms or ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--payload-bytes", defaultValue = "64", description = "Telemetry payload size (default ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--qos", defaultValue = "1", description = "MQTT QoS of telemetry: 0, 1 or 2 (default ${DEFAULT-VALUE}).")
    int qos;

    @Option(names = "--connect-rate", defaultValue = "100", description = "Devices started per second; 0 = all at once (default ${DEFAULT-VALUE}).")
    double connectRate;

    @Option(names = "--token-format", defaultValue = "jwt", description = "jwt or cwt (default ${DEFAULT-VALUE}).")
    String tokenFormat;

    @Option(names = "--mqtt-version", defaultValue = "5", description = "5 or 3 (3.1.1) (default ${DEFAULT-VALUE}).")
    String mqttVersion;

    @Option(names = "--no-enhanced-auth", negatable = false,
            description = "MQTT 5 without enhanced authentication: token renewals reconnect instead of sending AUTH.")
    boolean noEnhancedAuth;

    @Option(names = "--progress-interval", defaultValue = "5s", converter = DurationConverter.class,
            description = "How often to print a progress line (default ${DEFAULT-VALUE}).")
    Duration progressInterval;

    @Option(names = "--netty-threads", defaultValue = "0", description = "HiveMQ Netty threads shared by all devices; 0 = HiveMQ default.")
    int nettyThreads;

    private final PrintStream out;

    public SimulatorCli() {
        this(System.out);
    }

    SimulatorCli(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimulatorCli()).execute(args));
    }

    /** Turns the parsed options into a run configuration; throws IllegalArgumentException on bad values. */
    SimulationConfig config() {
        int colon = mqtt.lastIndexOf(':');
        if (colon <= 0 || colon == mqtt.length() - 1) {
            throw new IllegalArgumentException("--mqtt must be host:port, not " + mqtt);
        }
        String host = mqtt.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(mqtt.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--mqtt port is not a number: " + mqtt);
        }
        TokenFormat format;
        try {
            format = TokenFormat.parse(tokenFormat);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--token-format must be jwt or cwt");
        }
        DeviceMqttClient.MqttVersion version = switch (mqttVersion.trim()) {
            case "5", "5.0" -> DeviceMqttClient.MqttVersion.MQTT_5;
            case "3", "3.1.1", "311" -> DeviceMqttClient.MqttVersion.MQTT_3_1_1;
            default -> throw new IllegalArgumentException("--mqtt-version must be 5 or 3");
        };
        if (progressInterval.isNegative() || progressInterval.isZero()) {
            throw new IllegalArgumentException("--progress-interval must be positive");
        }
        return new SimulationConfig(brokerUrl, host, port, adminCredential, tenant, devicePrefix,
                new LoadShape(devices, connectRate, rate), duration, payloadBytes, qos, format, version, !noEnhancedAuth,
                progressInterval, nettyThreads);
    }

    @Override
    public Integer call() throws Exception {
        SimulationConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            return 2;
        }
        Stats stats = new Simulation(config, out).run();
        return config.shape().devices() > 0 && stats.connectedCount() == 0 ? 1 : 0;
    }

    /** Parses 500ms, 90s, 5m, 2h, or ISO-8601 (PT1M). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            Matcher m = SIMPLE.matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            try {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("not a duration: " + value + " (use 90s, 5m, 1h, 500ms or PT1M)");
            }
        }
    }
}

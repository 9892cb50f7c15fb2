package io.edgeauth.simulator;

import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a run needs; built by {@link SimulatorCli} from its options.
 *
 * @param brokerUrl         HTTP base of the broker (token endpoint, admin API)
 * @param mqttHost          MQTT host
 * @param mqttPort          MQTT port
 * @param adminCredential   bearer credential for POST /admin/devices, or null to skip registration
 * @param tenant            tenant the devices are registered in
 * @param devicePrefix      device ids are prefix-0, prefix-1, ...
 * @param shape             how many devices, ramp, message rate
 * @param duration          total run time, ramp included
 * @param payloadBytes      size of each telemetry message
 * @param qos               MQTT QoS of telemetry
 * @param tokenFormat       jwt or cwt
 * @param mqttVersion       MQTT 5 or 3.1.1
 * @param enhancedAuth      MQTT 5 enhanced authentication (re-auth with AUTH)
 * @param progressInterval  how often to print a progress line
 * @param nettyThreads      HiveMQ Netty threads, 0 for its default
 */
public record SimulationConfig(URI brokerUrl, String mqttHost, int mqttPort, String adminCredential, String tenant,
        String devicePrefix, LoadShape shape, Duration duration, int payloadBytes, int qos, TokenFormat tokenFormat,
        DeviceMqttClient.MqttVersion mqttVersion, boolean enhancedAuth, Duration progressInterval, int nettyThreads) {

    public SimulationConfig {
        Objects.requireNonNull(brokerUrl, "brokerUrl");
        Objects.requireNonNull(mqttHost, "mqttHost");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(tokenFormat, "tokenFormat");
        Objects.requireNonNull(mqttVersion, "mqttVersion");
        Objects.requireNonNull(progressInterval, "progressInterval");
        if (mqttPort <= 0 || mqttPort > 65535) {
            throw new IllegalArgumentException("bad MQTT port " + mqttPort);
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2");
        }
        if (payloadBytes < 0 || payloadBytes > 256 * 1024 * 1024) {
            throw new IllegalArgumentException("payload size out of range");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive");
        }
    }

    /** The id of device {@code index}. */
    public String deviceId(int index) {
        return devicePrefix + "-" + index;
    }
}

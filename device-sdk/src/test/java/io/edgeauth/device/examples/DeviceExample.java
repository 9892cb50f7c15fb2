package io.edgeauth.device.examples;

import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenFormat;
import io.edgeauth.device.TokenManager;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The device-sdk README example, compiled with the tests so it never goes stale (and run by
 * {@code DeviceExampleTest} against a stub token endpoint and mosquitto).
 */
public final class DeviceExample {
    private DeviceExample() {
    }

    /** Usage: DeviceExample https://broker:8443 broker-host 1883 device.jwk */
    public static void main(String[] args) throws Exception {
        run(URI.create(args[0]), args[1], Integer.parseInt(args[2]), Path.of(args[3]));
    }

    public static void run(URI broker, String mqttHost, int mqttPort, Path keyFile) throws Exception {
        // 1. Identity: generated once, kept in a file only the owner can read. Register publicJwk() with
        //    POST /admin/devices before the first token request.
        DeviceIdentity identity;
        if (Files.exists(keyFile)) {
            identity = DeviceIdentity.load(keyFile);
        } else {
            identity = DeviceIdentity.generate("pump-1");
            identity.save(keyFile);
            System.out.println("register this key: " + identity.publicJwk().toJSONString());
        }

        // 2. Tokens: client_credentials with a private_key_jwt assertion, refreshed at ~80% of their life.
        //    start() fails with the first error (e.g. unknown_device before the key is registered), and the
        //    manager goes on trying in the background until close(); a daemon thread lets the program end.
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "token-refresh");
            t.setDaemon(true);
            return t;
        });
        TokenClient tokenClient = TokenClient.builder()
                .brokerUri(broker)
                .identity(identity)
                .tokenFormat(TokenFormat.JWT)
                .build();
        TokenManager tokens = TokenManager.builder(tokenClient).scheduler(scheduler).name(identity.deviceId()).build();
        tokens.start().join();

        // 3. MQTT: client id = username = device id, password = token; fresh tokens are presented
        //    with an MQTT 5 AUTH packet (or a reconnect on brokers without enhanced authentication).
        DeviceMqttClient mqtt = DeviceMqttClient.builder()
                .identity(identity)
                .serverHost(mqttHost)
                .serverPort(mqttPort)
                .tokens(tokens)
                .enhancedAuth(false) // the example runs against plain mosquitto too; the edgeauth broker supports it
                .build();
        DeviceMqttClient.Blocking blocking = mqtt.toBlocking();
        blocking.connect();
        blocking.onCommand(command -> System.out.println("command " + command.path() + ": "
                + new String(command.payload(), StandardCharsets.UTF_8)));
        blocking.publishTelemetry("temperature", "21.5".getBytes(StandardCharsets.UTF_8), 1);

        // 4. Shut down in reverse order.
        blocking.disconnect();
        tokens.close();
        scheduler.shutdown();
    }
}

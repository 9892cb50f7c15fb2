package io.edgeauth.simulator;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.simulator.fleet.FleetIdentities;
import io.edgeauth.simulator.fleet.ObserverIssuer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real broker in the test's JVM, configured as a simulator run needs it: free ports, two tenants
 * ({@code default}, {@code other}), the observer issuer of {@link #SEED} trusted, CoAP and CoAP/DTLS with the
 * PSK master of the {@link #SEED} fleet, short-lived tokens and no clock leeway (so expired-token devices and
 * renewals happen within seconds).
 */
public final class InProcessBroker implements AutoCloseable {
    public static final String SEED = "simulator-test-seed";
    public static final String OBSERVER_ISSUER = "urn:edgeauth:simulator";

    public final Broker broker;
    public final String url;
    public final String admin;

    public InProcessBroker(Path dir, Map<String, String> extra) throws IOException {
        Path jwks = dir.resolve("observer-jwks.json");
        Files.writeString(jwks, new ObserverIssuer(SEED, OBSERVER_ISSUER).jwksJson());
        Map<String, String> env = new HashMap<>();
        env.put("EDGEAUTH_DATA_DIR", dir.resolve("data").toString());
        env.put("EDGEAUTH_HTTP_HOST", "127.0.0.1");
        env.put("EDGEAUTH_HTTP_PORT", "0");
        env.put("EDGEAUTH_MQTT_HOST", "127.0.0.1");
        env.put("EDGEAUTH_MQTT_PORT", "0");
        // CoAP and CoAP/DTLS on ephemeral ports; the fleet's PSK master as the simulator derives it from SEED
        Path pskMaster = dir.resolve("psk-master");
        Files.write(pskMaster, new FleetIdentities(SEED, "any", DeviceIdentity.KeyType.EC_P256).pskMaster());
        // a secret: the broker refuses a PSK master (or group secret) file its group or others can read
        Files.setPosixFilePermissions(pskMaster, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        env.put("EDGEAUTH_COAP_HOST", "127.0.0.1");
        env.put("EDGEAUTH_COAP_PORT", "0");
        env.put("EDGEAUTH_COAP_DTLS_PORT", "0");
        env.put("EDGEAUTH_COAP_PSK_MASTER_SECRET_FILE", pskMaster.toString());
        env.put("EDGEAUTH_TENANTS", "[{\"id\":\"default\"},{\"id\":\"other\"}]");
        env.put("EDGEAUTH_TRUSTED_ISSUERS", "[{\"issuer\":\"" + OBSERVER_ISSUER + "\",\"jwksFile\":\"" + jwks + "\",\"tenant\":\"default\"}]");
        env.put("EDGEAUTH_TOKENS_CLOCK_LEEWAY", "0s");
        env.putAll(extra);
        this.broker = Broker.start(new ConfigLoader().load(null, env));
        this.url = "http://localhost:" + broker.httpPort(); // the public URL (token audience) of a broker on port 0
        // a broker started again on the same data directory keeps the credential it made first
        this.admin = broker.newAdminCredential().orElse(null);
    }

    public String mqtt() {
        return "127.0.0.1:" + broker.mqttPort();
    }

    /** The CoAP-over-DTLS {@code host:port}. */
    String coaps() {
        return "127.0.0.1:" + broker.coapDtlsPort();
    }

    /** The plain CoAP {@code host:port}. */
    String coap() {
        return "127.0.0.1:" + broker.coapPort();
    }

    @Override
    public void close() {
        broker.close();
    }
}

package io.edgeauth.broker.testsupport;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Configs for in-process test brokers: every listener on a free ephemeral port or off. */
public final class TestBrokers {
    private TestBrokers() {
    }

    /** Environment-style overrides for a test broker in {@code dataDir}; {@code extra} wins. */
    public static Map<String, String> env(Path dataDir, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("EDGEAUTH_DATA_DIR", dataDir.toString());
        env.put("EDGEAUTH_HTTP_HOST", "127.0.0.1");
        env.put("EDGEAUTH_HTTP_PORT", "0");
        env.put("EDGEAUTH_MQTT_HOST", "127.0.0.1");
        env.put("EDGEAUTH_MQTT_PORT", "0");
        env.put("EDGEAUTH_COAP_HOST", "127.0.0.1");
        env.put("EDGEAUTH_COAP_PORT", "0");
        env.put("EDGEAUTH_COAP_DTLS_PORT", "-1");
        env.putAll(extra);
        return env;
    }

    public static BrokerConfig config(Path dataDir, Map<String, String> extra) {
        return new ConfigLoader().load(null, env(dataDir, extra));
    }

    public static BrokerConfig config(Path dataDir) {
        return config(dataDir, Map.of());
    }
}

package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.config.ConfigException;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour O, F16, on a broker: behind a trusted reverse proxy a refusal is audited with the client the proxy names and the
 * refusal burst fires for that client, not for the proxy (all users together); a broker that trusts no proxy ignores
 * the header. A bad {@code http.trustedProxies} entry stops start-up.
 */
class ProxiedClientAuditTest {
    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();

    private List<JsonObject> refusalsThrough(String trusted, String name) throws Exception {
        Path file = dir.resolve(name + ".log");
        Broker broker = Broker.start(TestBrokers.config(dir.resolve(name), Map.of("EDGEAUTH_AUDIT_FILE", file.toString(),
                "EDGEAUTH_HTTP_TRUSTED_PROXIES", trusted, "EDGEAUTH_AUDIT_ANOMALIES_REFUSAL_BURST", "3")));
        try {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + broker.httpPort() + "/oauth/token")).header("content-type", "application/x-www-form-urlencoded")
                        .header("X-Forwarded-For", "198.51.100.9, 203.0.113.7")
                        .POST(HttpRequest.BodyPublishers.ofString("grant_type=foo")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(400);
            }
        } finally {
            broker.close();
        }
        return Files.readAllLines(file).stream().map(JsonObject::new).filter(e -> e.getString("event")
                .equals("token.refused") || e.getString("event").equals("anomaly.refusal_burst")).toList();
    }

    @Test
    void behindATrustedProxyTheClientItNamesIsAudited() throws Exception {
        List<JsonObject> proxied = refusalsThrough("[\"127.0.0.1\"]", "proxied");
        assertThat(proxied).filteredOn(e -> e.getString("event").equals("token.refused")).hasSize(3)
                .allSatisfy(e -> assertThat(e.getString("remote")).isEqualTo("203.0.113.7:0"));
        assertThat(proxied).filteredOn(e -> e.getString("event").equals("anomaly.refusal_burst")).singleElement()
                .satisfies(e -> assertThat(e.getString("source")).isEqualTo("203.0.113.7"));

        List<JsonObject> direct = refusalsThrough("[]", "direct");
        assertThat(direct).filteredOn(e -> e.getString("event").equals("token.refused")).hasSize(3)
                .allSatisfy(e -> assertThat(e.getString("remote")).startsWith("127.0.0.1:"));
    }

    @Test
    void aTrustedProxyMustBeAnIpAddressOrRange() {
        assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("EDGEAUTH_HTTP_TRUSTED_PROXIES", "[\"proxy.lan\"]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.trustedProxies").hasMessageContaining("proxy.lan");
    }
}

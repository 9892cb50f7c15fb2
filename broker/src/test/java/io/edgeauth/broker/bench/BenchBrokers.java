package io.edgeauth.broker.bench;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.token.TokenIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What the benchmarks that start the real broker as a process share: its JVM options and a registered fleet. */
final class BenchBrokers {
    private BenchBrokers() {
    }

    /** A 1 GiB heap, the production logging (not the tests'), and {@code -Dbench.brokerJvmArgs} (e.g. a JFR recording). */
    static List<String> jvmArgs() {
        List<String> args = new ArrayList<>(List.of("-Xmx1g", "-Dlogback.configurationFile=logback.xml"));
        String extra = System.getProperty("bench.brokerJvmArgs", "");
        if (!extra.isBlank()) {
            args.addAll(List.of(extra.trim().split("\\s+")));
        }
        return args;
    }

    /**
     * Registers devices {@code prefix0..prefix(count-1)} (one device JWK for all) through the admin API and returns an
     * issuer with the tenant key the broker generated in {@code data} on start: the tokens its token endpoint would
     * hand out (issuer: the default tenant's, the public URL).
     */
    static TokenIssuer registerDevices(BrokerProcess broker, Path data, String prefix, int count) throws Exception {
        String url = broker.url();
        String admin = broker.admin();
        if (url == null || admin == null) {
            throw new IllegalStateException("broker did not start");
        }
        String jwk = new ECKeyGenerator(Curve.P_256).generate().toPublicJWK().toJSONString();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < count; i++) {
            String body = "{\"id\":\"" + prefix + i + "\",\"jwk\":" + jwk + "}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/admin/devices"))
                    .header("authorization", "Bearer " + admin).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IllegalStateException("registration failed: " + r.statusCode() + " " + r.body());
            }
        }
        SigningKeyStore keys = SigningKeyStore.open(data, List.of(TenantKeySettings.of("default", url)),
                Duration.ofMinutes(10), Clock.systemUTC());
        // native signatures where ACCP loads: the TLS bench signs a fresh token per connect up front, 360,000 for a 150 s warm-up
        return new TokenIssuer(keys, new Signatures(CryptoProviders.select(true)), Duration.ofMinutes(10), Clock.systemUTC());
    }
}

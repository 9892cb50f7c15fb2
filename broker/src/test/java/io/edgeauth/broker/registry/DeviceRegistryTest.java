package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceRegistryTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final BrokerConfig config = new ConfigLoader().load(null, Map.of());
    private final DeviceValidator validator = new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(), clock);
    static final String OWNER = "did:pkh:eip155:1:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359";

    @Test
    void registersFindsOwnsDeletesAndSurvivesRestart() throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("id", "dev-1",
                "jwk", new ECKeyGenerator(Curve.P_256).generate().toPublicJWK().toJSONObject(),
                "region", List.of("u33d"), "owner", OWNER));
        Device d = validator.validate(body);
        assertThat(d.owner()).isEqualTo("did:pkh:eip155:1:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            DeviceRegistry r = new DeviceRegistry(store);
            r.register(d);
            r.register(validator.validate(Map.of("id", "dev-2", "x5tS256", "A".repeat(43))));
            assertThat(r.ownedBy(d.owner())).containsExactly("dev-1");
        }
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            DeviceRegistry r = new DeviceRegistry(store);
            assertThat(r.find("dev-1")).contains(d);
            assertThat(r.ownedBy(d.owner())).containsExactly("dev-1");
            assertThat(r.ownersIndexed()).isEqualTo(1);
            assertThat(r.delete("dev-1")).isTrue();
            assertThat(r.ownedBy(d.owner())).isEmpty();
            assertThat(r.ownersIndexed()).as("an owner left with no device (the soak kept one set each)").isZero();
            assertThat(r.find("dev-2")).get().extracting(x -> x.credential().type()).isEqualTo(Device.CredentialType.X5T_S256);
        }
    }

    @Test
    void aJwkIsStoredAsItsPublicFormWithItsMetadata() throws Exception {
        List<com.nimbusds.jose.jwk.JWK> keys = List.of(
                new ECKeyGenerator(Curve.P_256).keyID("k1").keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE)
                        .algorithm(com.nimbusds.jose.JWSAlgorithm.ES256).generate().toPublicJWK(),
                // RFC 8037 A.2's public key (generating one would need Tink)
                com.nimbusds.jose.jwk.JWK.parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k2\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"),
                new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("k3").generate().toPublicJWK());
        for (com.nimbusds.jose.jwk.JWK key : keys) {
            Device d = validator.validate(Map.of("id", "dev-" + key.getKeyID(), "jwk", key.toJSONObject()));
            assertThat(d.credential().value()).isEqualTo(key.toPublicJWK().toJSONString());
            assertThat(com.nimbusds.jose.jwk.JWK.parse(d.credential().value()).isPrivate()).isFalse();
            // a key the broker built itself (zero-touch enrollment) is taken as it is and stored the same
            assertThat(validator.validate(Map.of("id", "dev-" + key.getKeyID(), "jwk", key)).credential())
                    .isEqualTo(d.credential());
        }
        // the private form of the same key is still refused, whatever the stored form would have been, and in
        // whichever form it comes
        com.nimbusds.jose.jwk.ECKey privateKey = new ECKeyGenerator(Curve.P_256).generate();
        for (Object form : List.of(privateKey.toJSONObject(), privateKey)) {
            assertThatThrownBy(() -> validator.validate(Map.of("id", "dev-p", "jwk", form)))
                    .hasMessageContaining("jwk: contains private key material");
        }
    }

    @Test
    void refusesMalformedRegistrationsNamingTheField() throws Exception {
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a/b", "x5tS256", "A".repeat(43))))
                .hasMessageContaining("id:");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a")))
                .hasMessageContaining("exactly one of jwk, x5tS256, ethAddress or enrollmentGroup");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a", "x5tS256", "x", "ethAddress", "0x00")))
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a",
                "jwk", new ECKeyGenerator(Curve.P_256).generate().toJSONObject())))
                .hasMessageContaining("private key material");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a", "jwk", "{not json")))
                .hasMessageContaining("jwk: not a valid JWK");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a", "ethAddress", "0xFb6916095ca1df60bb79ce92ce3ea74c37c5d359")))
                .hasMessageContaining("checksum");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a", "x5tS256", "A".repeat(43), "tenant", "nope")))
                .hasMessageContaining("tenant: unknown");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a", "x5tS256", "A".repeat(43), "region", List.of("u3a"))))
                .hasMessageContaining("region");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "a", "x5tS256", "A".repeat(43), "ratePlan", "gold")))
                .hasMessageContaining("ratePlan");
        assertThatThrownBy(() -> validator.validate(Map.of("id", "x".repeat(600), "x5tS256", "A".repeat(43))))
                .hasMessageContaining("longer than 512");
    }
}

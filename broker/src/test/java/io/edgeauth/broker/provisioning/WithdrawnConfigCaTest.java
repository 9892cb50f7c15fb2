package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.store.MvStoreStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config fleet CA withdrawn through the admin API stays withdrawn across restarts (as documented); a restart now
 * names it, so an operator editing the config can tell why the CA it lists refuses its devices.
 */
class WithdrawnConfigCaTest {
    @TempDir
    Path dir;

    @Test
    void aConfigCaWithdrawnThroughTheApiIsNamedAfterARestart() throws Exception {
        Path pem = dir.resolve("factory.pem");
        Files.writeString(pem, FleetPki.pem(new FleetPki("factory CA").caCertificate()));
        Path other = dir.resolve("other.pem");
        Files.writeString(other, FleetPki.pem(new FleetPki("other CA").caCertificate()));
        BrokerConfig.Provisioning config = new BrokerConfig.Provisioning(List.of(
                new BrokerConfig.FleetCa("factory", null, pem, null, null, null),
                new BrokerConfig.FleetCa("other", null, other, null, null, null)), List.of(), Map.of());
        Path file = dir.resolve("state.mv.db");
        try (MvStoreStore store = new MvStoreStore(file, Clock.systemUTC())) {
            FleetCas cas = new FleetCas(config, store, Clock.systemUTC());
            assertThat(cas.withdrawnFromConfig()).isEmpty();
            assertThat(cas.withdraw("factory")).isTrue();
        }
        try (MvStoreStore store = new MvStoreStore(file, Clock.systemUTC())) {
            assertThat(new FleetCas(config, store, Clock.systemUTC()).withdrawnFromConfig()).containsExactly("factory");
        }
    }
}

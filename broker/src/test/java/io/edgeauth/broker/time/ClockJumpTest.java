package io.edgeauth.broker.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wall clock jumping forward and back, through the real endpoints of an in-process broker whose wall clock
 * the test moves. What must hold: a token is refused once its exp (+ 30 s leeway) has passed, and stays refused
 * when the wall clock then steps back to before its exp (the broker's clock never steps back); a single-use
 * value's record (a nonce, a consumed assertion id) does not come back to life either.
 */
class ClockJumpTest {
    @TempDir
    Path dir;

    @Test
    void anExpiredTokenStaysExpiredWhenTheWallClockStepsBack() {
        MutableClock wall = new MutableClock(Instant.now());
        try (Broker broker = Broker.start(TestBrokers.config(dir), wall)) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            DeviceIdentity device = TestDevices.register(admin, "jumper");
            var issued = TestDevices.clientCredentials(new Http(base, null), base, device, null);
            assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
            String token = new JsonObject(issued.body()).getString("access_token");
            long lifetime = new JsonObject(issued.body()).getLong("expires_in");
            assertThat(lifetime).as("the back step below must land before exp").isGreaterThan(300);
            TestDevices.connectMqtt(broker.mqttPort(), "jumper", token);

            wall.advance(Duration.ofSeconds(lifetime + 91)); // past exp + 30 s leeway
            assertThatThrownBy(() -> TestDevices.connectMqtt(broker.mqttPort(), "jumper", token))
                    .hasMessageContaining("BAD_USER_NAME_OR_PASSWORD");
            assertThat(TestDevices.active(admin, token)).isFalse();

            wall.advance(Duration.ofMinutes(-5)); // the wall clock is now before exp again
            assertThatThrownBy(() -> TestDevices.connectMqtt(broker.mqttPort(), "jumper", token))
                    .as("an expired token must not come back").hasMessageContaining("BAD_USER_NAME_OR_PASSWORD");
            assertThat(TestDevices.active(admin, token)).isFalse();
        }
    }

    @Test
    void aSingleUseRecordDoesNotComeBackWhenTheWallClockStepsBack() {
        MutableClock wall = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv.db"), new SteadyClock(wall))) {
            store.put("nonces", "n1", "x".getBytes(StandardCharsets.UTF_8), wall.instant().plusSeconds(300));
            wall.advance(Duration.ofMinutes(10));
            assertThat(store.get("nonces", "n1")).isEmpty();
            wall.advance(Duration.ofMinutes(-8)); // 3 minutes before its expiry on the wall clock
            assertThat(store.get("nonces", "n1")).as("an expired nonce must not come back").isEmpty();
        }
    }
}

package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisSentinels;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two broker nodes on a Redis primary + replica watched by three Sentinels ({@code redis-sentinel://}).
 * The primary is killed: the nodes go DEGRADED and refuse new authentications (fail-closed), live
 * sessions continue; Lettuce follows the Sentinels to the promoted replica, the nodes turn UP without a
 * restart, what was written (and replicated) before is there, and revocations flow between the nodes
 * again.
 */
class SentinelFailoverTest {
    @TempDir
    Path dir;

    @Test
    void theNodesFollowTheNewPrimaryAndRevocationsKeepFlowing() throws Exception {
        try (RedisSentinels redis = RedisSentinels.start(Files.createDirectories(dir.resolve("redis")))) {
            Map<String, String> env = RedisServer.brokerEnv(dir, redis.uri());
            try (Broker a = Broker.start(TestBrokers.config(dir.resolve("a"), env));
                 Broker b = Broker.start(TestBrokers.config(dir.resolve("b"), env))) {
                Http adminA = new Http(base(a), a.newAdminCredential().orElseThrow());
                Http adminB = new Http(base(b), b.newAdminCredential().orElseThrow());
                DeviceIdentity before = DeviceFixtures.register(adminA, "sf-before", null, List.of());
                DeviceMqttClient live = connect(a, before, DeviceFixtures.token(base(b), before, TokenFormat.JWT));
                assertThat(redis.replicated()).as("the replica has every acknowledged write").isTrue();

                Http healthA = new Http(base(a), null);
                redis.killPrimary();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> healthA.get("/health").body().contains("DEGRADED"));
                assertThat(live.isConnected()).as("live sessions continue through the outage").isTrue();

                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> redis.currentPrimaryPort() == redis.replicaPort());
                await().atMost(Duration.ofSeconds(30)).until(() -> healthA.get("/health").body().contains("\"UP\"")
                        && new Http(base(b), null).get("/health").body().contains("\"UP\""));

                // written before the failover, read after it; written after it on B, used on A
                assertThat(adminB.get("/admin/devices/sf-before").statusCode()).isEqualTo(200);
                DeviceIdentity after = DeviceFixtures.register(adminB, "sf-after", null, List.of());
                connect(a, after, DeviceFixtures.token(base(b), after, TokenFormat.JWT)).disconnect();
                // a revocation on B ends A's session of the device registered before the failover
                assertThat(adminB.postJson("/admin/revocations", "{\"sub\":\"sf-before\",\"reason\":\"test\"}")
                        .statusCode()).isEqualTo(201);
                await().atMost(Duration.ofSeconds(5)).until(() -> !live.isConnected());
            }
        }
    }

    static String base(Broker node) {
        return "http://localhost:" + node.httpPort();
    }

    static DeviceMqttClient connect(Broker node, DeviceIdentity device, AccessToken token) throws Exception {
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(node.mqttPort()).token(token).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        return mqtt;
    }
}

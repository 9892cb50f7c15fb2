package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour M, M1: with Redis stalled (not down), a revocation or a lift answered 503 after the store timed out can still be
 * applied when Redis resumes. Before, no audit event recorded it; now the refused write is audited with outcome
 * {@code unknown}, naming what may take effect, and a lift refused so leaves the block in force on the node.
 */
class WritesDuringRedisStallTest {
    @TempDir
    Path dir;

    @Test
    void aRevocationAndALiftRefusedByATimeoutAreAuditedAsUnknown() throws Exception {
        try (LogCapture logs = LogCapture.root();
             RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
            env.put("EDGEAUTH_STORE_REDIS_TIMEOUT", "1s");
            try (Broker a = Broker.start(TestBrokers.config(dir.resolve("a"), env))) {
                Http admin = new Http("http://localhost:" + a.httpPort(), a.newAdminCredential().orElseThrow());
                assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"stall-lifted\"}").statusCode()).isEqualTo(201);
                redis.freeze();
                try {
                    assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"stall-new\"}").statusCode()).isEqualTo(503);
                    assertThat(admin.delete("/admin/revocations/sub/stall-lifted").statusCode()).isEqualTo(503);
                    assertThat(a.revocations().blocksIssuance("stall-lifted"))
                            .as("a lift the store did not confirm is not in force on the node").isTrue();
                } finally {
                    redis.thaw();
                }
                assertThat(audit(logs, "revocation.created", "stall-new")).contains("\"outcome\":\"unknown\"");
                assertThat(audit(logs, "revocation.lifted", "stall-lifted")).contains("\"outcome\":\"unknown\"");
                // Redis ran the commands it had received: the feed brings them (the outcome the audit called unknown)
                await().atMost(Duration.ofSeconds(15)).until(() -> a.revocations().blocksIssuance("stall-new")
                        && !a.revocations().blocksIssuance("stall-lifted"));
            }
        }
    }

    private static String audit(LogCapture logs, String event, String value) {
        return logs.events().stream().filter(e -> e.getLoggerName().equals("audit")).map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("\"" + event + "\"") && m.contains(value)).findFirst().orElse("none");
    }
}

package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code tokens.verificationCacheSize} bounds the tokens the broker remembers as verified, and the cache's
 * metrics say when it is too small: every issued token is remembered, so issuing more than the bound evicts. Fifty
 * tokens for one device back to back are over the per-device token bound ({@code tokenRequests}, 20 by default), which
 * is not what this test is about: it is off here.
 */
@InProcessBrokerTest.Config({"EDGEAUTH_TOKENS_VERIFICATION_CACHE_SIZE=100", "EDGEAUTH_TOKEN_REQUESTS_PER_DEVICE_PER_MINUTE=0"})
class VerificationCacheSizeTest extends InProcessBrokerTest {

    @Test
    void theConfiguredBoundHoldsAndEvictionsShowInTheMetrics() {
        assertThat(metric("cache_evictions_total")).isZero();
        for (int d = 0; d < 3; d++) {
            DeviceIdentity device = TestDevices.register(admin, "vc-" + d);
            for (int i = 0; i < 50; i++) {
                TestDevices.token(anonymous, base, device);
            }
        }
        // Caffeine evicts in its maintenance, shortly after the writes
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(metric("cache_size")).isBetween(90.0, 100.0);
            assertThat(metric("cache_evictions_total")).isGreaterThanOrEqualTo(50.0);
        });
    }

    private static double metric(String name) {
        String text = admin.get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + name + "\\{cache=\"token-verification\",?\\} (\\S+)$").matcher(text);
        assertThat(m.find()).as(name + " in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }
}

package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.TestServices;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Tour H, H4: a command is charged the bytes its subscribers get (topic and expiry too), as over MQTT; before, the
 * payload alone. H5: a command larger than the plan's {@code bytesPerSecond} is 413 without {@code Retry-After}
 * (it never passes); before, 429 with {@code Retry-After: 1}.
 */
@InProcessBrokerTest.Config("EDGEAUTH_RATE_PLANS={\"default\":{\"messagesPerSecond\":100,\"burst\":100,\"bytesPerSecond\":200}}")
class CommandMessageSizeTest extends InProcessBrokerTest {

    @Test
    void theTopicCountsAndTooLargeIsNotOverTheRate() {
        TestDevices.register(admin, "sz-dev");
        String token = TestServices.token(anonymous, base,
                TestServices.register(admin, "sz-svc", "default", "pub:d/+/down/#"), null);
        Http service = new Http(base, token);
        // a 10-byte payload on a topic of about 250 characters: more than the plan admits at once
        String longTopic = String.join("/", "a".repeat(60), "b".repeat(60), "c".repeat(60), "d".repeat(60));
        HttpResponse<String> refused = service.postJson("/devices/sz-dev/commands",
                new JsonObject().put("topic", longTopic).put("payload", "0123456789").encode());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
        assertThat(refused.headers().firstValue("retry-after")).as("no retry hint").isEmpty();
        assertThat(new JsonObject(refused.body()).getString("error_description")).startsWith("message_too_large: ");
        // a payload of 250 bytes on a short topic: the same
        HttpResponse<String> large = service.postJson("/devices/sz-dev/commands",
                new JsonObject().put("topic", "t").put("payload", "x".repeat(250)).encode());
        assertThat(large.statusCode()).as(large.body()).isEqualTo(413);
        // what fits passes, and what fits the plan but not what is left is over the rate, with its wait
        String fits = new JsonObject().put("topic", "t").put("payload", "x".repeat(180)).encode(); // 195 of 200 bytes
        assertThat(service.postJson("/devices/sz-dev/commands", fits).statusCode()).isEqualTo(202);
        HttpResponse<String> overRate = service.postJson("/devices/sz-dev/commands", fits);
        assertThat(overRate.statusCode()).as(overRate.body()).isEqualTo(429);
        assertThat(overRate.headers().firstValue("retry-after")).isPresent();
    }
}

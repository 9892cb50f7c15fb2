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
 * Y1: a service's command over its rate plan ({@code POST /devices/{id}/commands}) is 429 {@code slow_down} with a
 * {@code Retry-After} that says the plan's wait (the same figure CoAP says as Max-Age). Before, it had none.
 */
@InProcessBrokerTest.Config("EDGEAUTH_RATE_PLANS={\"default\":{\"messagesPerSecond\":0.2,\"burst\":3,\"bytesPerSecond\":100000}}")
class CommandRetryAfterTest extends InProcessBrokerTest {

    @Test
    void aCommandOverThePlanSaysWhenToRetry() {
        TestDevices.register(admin, "ra-dev");
        String token = TestServices.token(anonymous, base,
                TestServices.register(admin, "ra-svc", "default", "pub:d/+/down/#"), null);
        Http service = new Http(base, token);
        String command = new JsonObject().put("topic", "reboot").put("payload", "now").encode();
        for (int i = 0; i < 3; i++) {
            assertThat(service.postJson("/devices/ra-dev/commands", command).statusCode()).isEqualTo(202);
        }
        HttpResponse<String> refused = service.postJson("/devices/ra-dev/commands", command);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("slow_down");
        // one message back every 5 s: the wait is between 1 and 5 s, never absent
        assertThat(refused.headers().firstValue("retry-after")).hasValueSatisfying(
                v -> assertThat(Integer.parseInt(v)).isBetween(1, 5));
    }
}

package io.edgeauth.broker.coap;

import static io.edgeauth.broker.coap.CoapEdgeTest.aceError;
import static io.edgeauth.broker.coap.CoapEdgeTest.post;
import static io.edgeauth.broker.coap.CoapEdgeTest.upload;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.policy.RatePlan;
import java.nio.file.Path;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Y9 on CoAP: a refused message spends the device's budget too, so refusals without end become 4.29 with Max-Age;
 * Y5: the Max-Age of a 4.29 from the connection-attempt guard is the guard's wait; tour H, H4 and H5: what a message
 * is charged, and one larger than the plan admits.
 */
class CoapRefusedMessagesTest {
    @TempDir
    Path dir;
    private EdgeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new EdgeFixture(dir);
    }

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void refusedMessagesSpendTheBudgetToo() throws Exception {
        f.rateLimits.budget = 2;
        CoapClient c = f.plainClient("/authz-info");
        upload(c, f.token("dev1"));
        assertThat(post(c, "/d/dev2/up/t", "1").getCode()).isEqualTo(ResponseCode.FORBIDDEN);
        assertThat(post(c, "/d/dev2/up/t", "2").getCode()).isEqualTo(ResponseCode.FORBIDDEN);
        CoapResponse r = post(c, "/d/dev2/up/t", "3");
        assertThat(r.getCode()).as("over the plan, whatever else is wrong with it").isEqualTo(ResponseCode.TOO_MANY_REQUESTS);
        assertThat(r.getOptions().getMaxAge()).isEqualTo(7L);
        assertThat(post(c, "/d/dev1/up/t", "4").getCode()).isEqualTo(ResponseCode.TOO_MANY_REQUESTS);
        assertThat(f.messaging.published()).isEmpty();
    }

    /** Y5: a token upload refused by the connection-attempt guard says the guard's real wait as Max-Age, not 1. */
    @Test
    void aGuardRefusedUploadSaysTheGuardsWait() throws Exception {
        f.rateLimits.connectAllowed = false;
        f.rateLimits.connectWait = 12;
        CoapResponse r = upload(f.plainClient("/authz-info"), f.token("dev1"));
        assertThat(r.getCode()).isEqualTo(ResponseCode.TOO_MANY_REQUESTS);
        assertThat(r.getOptions().getMaxAge()).isEqualTo(12L);
    }

    /**
     * Tour H, H4: a CoAP message is charged the bytes its subscribers get (topic, payload, the {@code geo} and signature
     * properties it is routed with), as over MQTT; before, the payload alone.
     */
    @Test
    void theTopicAndTheRoutedPropertiesAreCharged() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, f.token("dev1"));
        String sub = "a".repeat(150) + "/" + "a".repeat(150); // a Uri-Path option holds at most 255 bytes
        CoapResponse r = post(c, "/d/dev1/up/" + sub + "?geo=u4pr&sig=c2ln", "12345");
        assertThat(r.getCode()).isEqualTo(ResponseCode.CHANGED);
        String topic = f.messaging.published().get(0).topic();
        assertThat(topic).endsWith(sub);
        assertThat(f.rateLimits.charged).containsExactly(
                topic.length() + 5 + "geo".length() + "u4pr".length() + "edgeauth-sig".length() + "c2ln".length());
    }

    /**
     * H5: a message larger than the plan's {@code bytesPerSecond} is 4.13 without Max-Age (it never passes); before,
     * 4.29 with Max-Age 1, an invitation to send it again.
     */
    @Test
    void aMessageTheByteBudgetNeverAdmitsIsTooLargeNotOverTheRate() throws Exception {
        f.rateLimits.realPlan = new RatePlan("small", 100, 100, 200);
        CoapClient c = f.plainClient("/authz-info");
        upload(c, f.token("dev1"));
        assertThat(post(c, "/d/dev1/up/t", "x".repeat(150)).getCode()).isEqualTo(ResponseCode.CHANGED);
        // 150 + topic bytes fit in 200 but not in the 50 left: over the rate, with the wait
        CoapResponse overRate = post(c, "/d/dev1/up/t", "x".repeat(150));
        assertThat(overRate.getCode()).isEqualTo(ResponseCode.TOO_MANY_REQUESTS);
        assertThat(overRate.getOptions().getMaxAge()).isEqualTo(1L);
        // a short payload, but a topic of 300 characters: no wait lets it pass
        CoapResponse tooLarge = post(c, "/d/dev1/up/" + "b".repeat(150) + "/" + "b".repeat(150), "1");
        assertThat(tooLarge.getCode()).isEqualTo(ResponseCode.REQUEST_ENTITY_TOO_LARGE);
        assertThat(tooLarge.getOptions().hasMaxAge()).as("no retry hint").isFalse();
        assertThat(aceError(tooLarge).get(CoapCodes.ACE_ERROR_DESCRIPTION).AsString())
                .startsWith("message_too_large: ").contains("bytesPerSecond (200)");
        assertThat(f.messaging.published()).hasSize(1);
    }
}

package io.edgeauth.broker.coap;

import static io.edgeauth.broker.coap.CoapEdgeTest.post;
import static io.edgeauth.broker.coap.CoapEdgeTest.upload;
import static org.assertj.core.api.Assertions.assertThat;

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
 * Y5: the Max-Age of a 4.29 from the connection-attempt guard is the guard's wait.
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
}

package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.SimulatorRuns.Outcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain CoAP fleet that arrives at once against a broker whose admission lets one authentication run at a time:
 * the broker sheds token uploads with 5.03 and Max-Age, the simulator's devices come back after it (as the SDK's
 * do), and the run passes with every device authorized.
 */
class CoapBusyRetryRunTest {
    @TempDir
    Path dir;

    @Test
    void shedUploadsAreRetriedAfterTheirMaxAge() throws Exception {
        try (InProcessBroker broker = new InProcessBroker(dir, Map.of("EDGEAUTH_ADMISSION_MAX_IN_FLIGHT_AUTHENTICATIONS", "1",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000"))) {
            Outcome o = SimulatorRuns.run(broker, dir, "busy", "--protocol", "coap", "--coap", broker.coap(),
                    "--coap-security", "none", "--devices", "300", "--arrival-rate", "100000", "--concurrency", "300",
                    "--local-addrs", "4", "--no-metrics");
            assertThat(o.code()).as(o.text()).isZero();
            assertThat(o.result().totals().honestAccepted()).isEqualTo(300);
            assertThat(o.text()).as("the devices tried shed uploads again").containsPattern("busy_retries=[1-9]");
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(broker.url + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher shed = Pattern.compile("(?m)^edgeauth_admission_shed_total\\{edge=\"coap\"[^}]*}\\s+(\\S+)$").matcher(metrics);
            assertThat(shed.find()).as("the broker counted its 5.03s").isTrue();
            assertThat(Double.parseDouble(shed.group(1))).isPositive();
        }
    }
}

package io.edgeauth.broker.posture;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour AA, AA12: {@code /oauth/token} answered an assertion naming an id nobody registered with
 * "unknown_device: no registered key for the client" and one naming a registered device, signed by another key, with
 * "bad_signature: signature does not verify": one request per guess enumerated the fleet. Both now get the same
 * answer; the audit's {@code token.refused} keeps the precise reason.
 */
class NoDeviceEnumerationAtTokenEndpointTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownIdAndAnotherKeysSignatureGetTheSameAnswer() throws Exception {
        try (LogCapture log = LogCapture.root(); Broker broker = Broker.start(TestBrokers.config(dir.resolve("data")))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            TestDevices.register(admin, "enum-registered");
            Http stranger = new Http(base, null);

            HttpResponse<String> registered = TestDevices.clientCredentials(stranger, base,
                    DeviceIdentity.generate("enum-registered"), null); // a key that is not the device's
            HttpResponse<String> unknown = TestDevices.clientCredentials(stranger, base,
                    DeviceIdentity.generate("enum-nobody"), null);
            assertThat(registered.statusCode()).isEqualTo(401);
            assertThat(unknown.statusCode()).isEqualTo(registered.statusCode());
            assertThat(unknown.body()).isEqualTo(registered.body());
            assertThat(unknown.headers().firstValue("www-authenticate"))
                    .isEqualTo(registered.headers().firstValue("www-authenticate"));

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusals(log).size() >= 2);
            assertThat(refusals(log)).anySatisfy(l -> assertThat(l).contains("\"bad_signature\"")
                    .contains("enum-registered"));
            assertThat(refusals(log)).anySatisfy(l -> assertThat(l).contains("\"unknown_device\"")
                    .contains("enum-nobody").contains("no registered key"));
        }
    }

    private static List<String> refusals(LogCapture log) {
        return log.events().stream().filter(e -> e.getLoggerName().equals("audit"))
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("\"token.refused\"")).toList();
    }
}

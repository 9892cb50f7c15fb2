package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.testsupport.LogCapture;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour R, R19: the plain CoAP listener (development only: a token there is bound to a spoofable source address, so a
 * key-bound token acts as a bearer token) says so at start when it listens beyond loopback.
 */
class PlainCoapWarningTest {
    @TempDir
    Path dir;

    private static List<String> warnings(LogCapture capture) {
        return capture.events().stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void plainCoapOnAllInterfacesLogsAWarningNamingTheSetting() throws Exception {
        try (LogCapture capture = LogCapture.of(CoapEdge.class);
             EdgeFixture f = new EdgeFixture(dir, s -> s.withPorts("0.0.0.0", 0, 0))) {
            assertThat(f.edge.port()).isPositive();
            assertThat(warnings(capture)).anySatisfy(w -> assertThat(w).contains("coap.port", "coap.host", "0.0.0.0"));
        }
    }

    @Test
    void plainCoapOnLoopbackOnlyLogsNoWarning(@TempDir Path other) throws Exception {
        try (LogCapture capture = LogCapture.of(CoapEdge.class);
             EdgeFixture f = new EdgeFixture(other)) {
            assertThat(f.edge.port()).isPositive();
            assertThat(warnings(capture)).noneSatisfy(w -> assertThat(w).contains("coap.port"));
        }
    }
}

package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.audit.ChainVerifier;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second broker started on a running broker's audit file (from another data directory) is refused and leaves the
 * audit file as it was (tour P F1: it was refused for the data directory only after it had appended {@code audit.started} with
 * a repeated seq, and the running broker's chain never verified again).
 */
class SecondBrokerAuditFileTest {
    @TempDir
    Path dir;

    @Test
    void aSecondBrokerOnTheSameAuditFileIsRefusedAndTheFileIsUnchanged() throws Exception {
        Path audit = dir.resolve("audit").resolve("audit.log");
        Map<String, String> env = Map.of("EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_AUDIT_FILE", audit.toString());
        Path data = dir.resolve("data");
        try (Broker first = Broker.start(TestBrokers.config(data, env))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(audit)
                    && Files.readString(audit).contains("\"reason\":\"start\"")); // its start checkpoint is written
            String before = Files.readString(audit); // the audit file is pure ASCII: byte for byte

            // another data directory: the same one is refused for its store before the audit file is opened
            // (LockedDataDirectoryAuditTest), so here the audit file's own lock is what refuses it
            Throwable refused = catchThrowable(() -> Broker.start(TestBrokers.config(dir.resolve("data2"), env)).close());
            assertThat(Files.readString(audit)).as("the refused broker did not touch the audit file")
                    .isEqualTo(before);
            assertThat(refused).hasMessageContaining("audit file " + audit.toAbsolutePath())
                    .hasMessageContaining("in use by another broker process");
        }
        ChainVerifier.Report r = new ChainVerifier(null).verify(List.of(audit));
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
    }
}

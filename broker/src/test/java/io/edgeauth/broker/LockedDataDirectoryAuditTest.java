package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.edgeauth.broker.audit.ChainVerifier;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker refused because another process holds the data directory's store writes nothing to the audit file, even
 * when that process does not take the audit file's lock (every build before 2026-12-07 05:23): the refused start had
 * already appended {@code audit.started}, the running broker then wrote the same seq, and the chain never verified
 * again (tour U, U8).
 */
class LockedDataDirectoryAuditTest {
    @TempDir
    Path dir;

    @Test
    void aStartRefusedForALockedStoreLeavesTheAuditFileAsItWas() throws Exception {
        Path audit = dir.resolve("audit").resolve("audit.log");
        Map<String, String> env = Map.of("EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_AUDIT_FILE", audit.toString());
        Path data = dir.resolve("data");
        Broker.start(TestBrokers.config(data, env)).close();
        String before = Files.readString(audit); // pure ASCII: byte for byte

        // an older broker: holds state.mv.db, not the audit file's lock
        MVStore older = new MVStore.Builder().fileName(data.resolve("state.mv.db").toString()).open();
        try {
            Throwable refused = catchThrowable(() -> Broker.start(TestBrokers.config(data, env)).close());
            assertThat(refused).hasStackTraceContaining("in use by another broker process");
            assertThat(Files.readString(audit)).as("the refused broker did not touch the audit file").isEqualTo(before);
        } finally {
            older.close();
        }
        ChainVerifier.Report r = new ChainVerifier(null).verify(List.of(audit));
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
    }
}

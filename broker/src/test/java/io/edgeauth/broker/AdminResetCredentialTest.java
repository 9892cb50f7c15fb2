package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code admin reset-credential} (tour Z, Z3 and Z4): refused while a broker holds the data directory, the new file
 * written whole and owner-only, the reset audited, and every failure one {@code edgeauth: } line with its exit code.
 */
class AdminResetCredentialTest {
    @TempDir
    Path dir;

    private Path config(Path data, Path audit) throws Exception {
        return Files.writeString(dir.resolve("reset.yaml"), "dataDir: " + data + "\n"
                + (audit == null ? "" : "audit:\n  file: " + audit + "\n"));
    }

    @Test
    void aBadOrMissingConfigOrDataDirectoryIsOneLineNotAStackTrace() throws Exception {
        BrokerCliTest.Result missing = BrokerCliTest.run("admin", "reset-credential", "-c", dir.resolve("none.yaml").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).startsWith("edgeauth: ").contains("none.yaml").doesNotContain("\tat ");

        Path bad = Files.writeString(dir.resolve("bad.yaml"), "http: {prot: 1}\n");
        BrokerCliTest.Result unknown = BrokerCliTest.run("admin", "reset-credential", "-c", bad.toString());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("edgeauth: ").contains("http.prot").doesNotContain("\tat ");

        BrokerCliTest.Result noData = BrokerCliTest.run("admin", "reset-credential", "-c",
                config(dir.resolve("no-such-data"), null).toString());
        assertThat(noData.exit()).isEqualTo(2);
        assertThat(noData.err()).startsWith("edgeauth: ").contains("no-such-data").contains("does not exist")
                .doesNotContain("\tat ");
        assertThat(dir.resolve("no-such-data")).as("not created").doesNotExist();
    }

    @Test
    void refusedWhileABrokerHoldsTheDataDirectoryThenResetWholeAndAudited() throws Exception {
        Path data = dir.resolve("data");
        Path audit = dir.resolve("audit.log");
        Path cfg = config(data, audit);
        String old;
        try (Broker broker = Broker.start(TestBrokers.config(data, Map.of("EDGEAUTH_AUDIT_FILE", audit.toString())))) {
            old = broker.newAdminCredential().orElseThrow();
            byte[] before = Files.readAllBytes(data.resolve("admin-credential.sha256"));
            BrokerCliTest.Result r = BrokerCliTest.run("admin", "reset-credential", "-c", cfg.toString());
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).startsWith("edgeauth: ").contains("in use by another broker process")
                    .doesNotContain("\tat ");
            assertThat(r.out()).doesNotContain("ea_admin_");
            assertThat(Files.readAllBytes(data.resolve("admin-credential.sha256"))).as("untouched").isEqualTo(before);
        }
        BrokerCliTest.Result r = BrokerCliTest.run("admin", "reset-credential", "-c", cfg.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String fresh = r.out().substring(r.out().indexOf("ea_admin_")).strip();
        Path file = data.resolve("admin-credential.sha256");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var left = Files.list(data)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary file left")
                    .noneMatch(n -> n.contains("admin-credential") && !n.equals("admin-credential.sha256"));
        }
        assertThat(Files.readString(audit)).contains("\"event\":\"admin.credential_reset\"");
        assertThat(BrokerCliTest.run("audit", "verify", audit.toString()).exit()).as("the chain still verifies").isZero();

        try (Broker broker = Broker.start(TestBrokers.config(data, Map.of("EDGEAUTH_AUDIT_FILE", audit.toString())))) {
            String base = "http://127.0.0.1:" + broker.httpPort();
            assertThat(new Http(base, fresh).get("/admin/services").statusCode()).isEqualTo(200);
            assertThat(new Http(base, old).get("/admin/services").statusCode()).isEqualTo(401);
        }
    }
}

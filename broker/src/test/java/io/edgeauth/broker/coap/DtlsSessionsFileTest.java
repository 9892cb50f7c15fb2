package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file's own rules; what it keeps across a real restart, {@code CoapDeviceAcrossRestartTest} shows. */
class DtlsSessionsFileTest {
    private static final byte[] MASTER = "a master secret of 32 bytes ....".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static DTLSConnector connector() {
        DtlsConfig.register();
        return new DTLSConnector(DtlsConnectorConfig.builder(Configuration.createStandardWithoutFile())
                .setAddress(new InetSocketAddress("127.0.0.1", 0))
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
                .setAdvancedPskStore(new DerivedPskStore(MASTER)).build());
    }

    @Test
    void isWrittenOwnerOnlyAndReadOnce() throws Exception {
        DtlsSessionsFile file = new DtlsSessionsFile(dir.resolve("s.bin"), MASTER);
        assertThat(file.save(connector())).isZero(); // no connections, but a file all the same
        assertThat(Files.getPosixFilePermissions(file.path())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(file.restore(connector())).isZero();
        assertThat(file.path()).doesNotExist();
        assertThat(dir.resolve("s.bin.restoring")).doesNotExist();
    }

    @Test
    void aFileLeftBesideARestoreIsNeverRead() throws Exception {
        DtlsSessionsFile file = new DtlsSessionsFile(dir.resolve("s.bin"), MASTER);
        Files.write(dir.resolve("s.bin.restoring"), new byte[] {1, 2, 3}); // a start that could not delete it
        assertThat(file.restore(connector())).isZero();
        assertThat(dir.resolve("s.bin.restoring")).doesNotExist();
    }

    @Test
    void aDamagedFileRestoresNothingAndIsRemoved() throws Exception {
        DtlsSessionsFile file = new DtlsSessionsFile(dir.resolve("s.bin"), MASTER);
        Files.write(file.path(), "not a sessions file".getBytes(StandardCharsets.US_ASCII));
        assertThat(file.restore(connector())).isZero();
        assertThat(file.path()).doesNotExist();
    }

    @Test
    void aSaveThatCannotWriteLeavesNoFile() throws Exception {
        Path gone = dir.resolve("missing-dir").resolve("s.bin");
        DtlsSessionsFile file = new DtlsSessionsFile(gone, MASTER);
        assertThat(file.save(connector())).isZero();
        assertThat(gone).doesNotExist();
        assertThat(gone.resolveSibling("s.bin.tmp")).doesNotExist();
    }
}

package io.edgeauth.simulator.onboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.simulator.InProcessBroker;
import io.edgeauth.simulator.fleet.FleetIdentities;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk import reads the broker's result lines while it is still uploading. The broker sends a batch's results
 * once it is committed and stops reading the upload while its results are not read (so it never holds a whole
 * import), so a client that reads the answer only after sending everything stalls as soon as both directions
 * outgrow the socket buffers: the first million-device run hung that way. Here the upload itself waits for a
 * result line before it sends the rest, which forces the shape on any machine.
 */
class BulkImportTest {
    @TempDir
    static Path dir;
    static InProcessBroker broker;

    @BeforeAll
    static void start() throws Exception {
        // the refused-upload cases send 21 wrong admin credentials from this address (20 in a loop, for a race), beyond
        // the broker's default bound (20 a minute), after which it answers 429 to every call from the address, the right
        // credential included: the bound is off for this class, as these tests are about the client, not the bound
        broker = new InProcessBroker(dir, Map.of("EDGEAUTH_HTTP_ADMIN_FAILURES_PER_ADDRESS_PER_MINUTE", "0"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void resultsAreReadWhileTheUploadIsStillGoing() throws Exception {
        FleetIdentities fleet = new FleetIdentities(InProcessBroker.SEED, "bulk-", DeviceIdentity.KeyType.EC_P256);
        CountDownLatch firstResult = new CountDownLatch(1);
        AtomicLong results = new AtomicLong();
        int head = 3 * 1024; // whole batches: the broker answers each once it is committed
        InputStream gate = new InputStream() {
            private boolean opened;

            @Override
            public int read() throws IOException {
                if (!opened) {
                    try {
                        if (!firstResult.await(20, TimeUnit.SECONDS)) {
                            throw new IOException("no result line arrived while the upload was going on");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                    opened = true;
                }
                return -1;
            }
        };
        InputStream body = new SequenceInputStream(new SequenceInputStream(BulkImport.lines(fleet, 0, head, "default"), gate),
                BulkImport.lines(fleet, head, 1000, "default"));

        BulkImport.Summary s = BulkImport.upload(URI.create(broker.url), broker.admin, body, line -> {
            results.incrementAndGet();
            firstResult.countDown();
        });

        assertThat(s.created()).isEqualTo(head + 1000);
        assertThat(s.refused()).isZero();
        assertThat(results).hasValue(head + 1000);
    }

    @Test
    void aRefusedUploadEndsWithTheBrokersAnswer() {
        FleetIdentities fleet = new FleetIdentities(InProcessBroker.SEED, "refused-", DeviceIdentity.KeyType.EC_P256);
        assertThatThrownBy(() -> BulkImport.importRange(URI.create(broker.url), "ea_admin_wrong", fleet, 0, 20_000, "default"))
                .isInstanceOf(IOException.class).hasMessageContaining("HTTP 401");
    }

    @Test
    void aSmallRefusedUploadEndsWithTheBrokersAnswerToo() {
        FleetIdentities fleet = new FleetIdentities(InProcessBroker.SEED, "refused-small-", DeviceIdentity.KeyType.EC_P256);
        for (int i = 0; i < 20; i++) {
            assertThatThrownBy(() -> BulkImport.importRange(URI.create(broker.url), "ea_admin_wrong", fleet, 0, 10, "default"))
                    .isInstanceOf(IOException.class).hasMessageContaining("HTTP 401").hasMessageContaining("admin credential");
        }
    }

    @Test
    void anAdminCallRefusedFor401SaysTheCredentialWasRefused() {
        assertThat(AdminApiOnboarding.ok("register", 401)).isCompletedExceptionally();
        assertThatThrownBy(() -> AdminApiOnboarding.ok("register", 401).join()).cause()
                .hasMessage("register:admin_credential_refused");
    }
}

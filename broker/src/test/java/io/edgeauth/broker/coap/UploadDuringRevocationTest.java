package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour V, V13: an {@code /authz-info} upload whose token passed the pipeline just before its subject was revoked,
 * and was bound just after the revocation's sweep of the bindings, stayed authorized until the token expired (MQTT
 * re-checks after binding; CoAP did not). The edge now checks again once the session is bound.
 */
class UploadDuringRevocationTest {
    @TempDir
    Path dir;
    EdgeFixture f;

    @AfterEach
    void close() throws Exception {
        f.close();
    }

    @Test
    void anUploadBoundAfterTheRevocationsSweepIsRefused() throws Exception {
        CompletableFuture<Void> revoked = new CompletableFuture<>();
        f = new EdgeFixture(dir, s -> s, null, pipeline -> request -> pipeline.authenticate(request)
                .thenCompose(session -> revoked.thenApply(v -> session))); // the answer waits for the revocation
        CoapClient c = f.plainClient("/authz-info");
        CompletableFuture<CoapResponse> upload = CompletableFuture.supplyAsync(() -> {
            try {
                return c.post(f.token("dev1"), MediaTypeRegistry.APPLICATION_CWT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500); // the pipeline checked the token; its answer is held
        f.revocations.revokeSubjectUntilLifted("dev1", "stolen"); // the sweep runs now, before the bind
        revoked.complete(null);
        CoapResponse answer = upload.get();
        assertThat(answer.getCode()).as("the upload is refused").isEqualTo(ResponseCode.UNAUTHORIZED);
        c.setURI(f.coap("/d/dev1/up/t")); // the same endpoint: the session the upload would have bound
        assertThat(c.post("1", MediaTypeRegistry.TEXT_PLAIN).getCode()).as("no session of a revoked subject")
                .isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(f.messaging.published()).isEmpty();
    }
}

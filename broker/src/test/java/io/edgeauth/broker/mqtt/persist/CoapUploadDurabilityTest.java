package io.edgeauth.broker.mqtt.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.coap.RouterCoapMessaging;
import io.edgeauth.broker.router.OverflowPolicy;
import io.edgeauth.broker.router.SubscriberQueue;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.store.FullDiskFilePath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a CoAP 2.04 waits for: an upload queued for a persistent MQTT session counts as accepted only once the
 * session journal holds it (as a PUBACK does), so a kill -9 cannot lose an acknowledged upload; one that no
 * persistent session takes is accepted at once.
 */
class CoapUploadDurabilityTest {
    @TempDir
    Path dir;

    @AfterEach
    void freeDisk() {
        FullDiskFilePath.full = false;
    }

    @Test
    void anUploadForAPersistentSessionCompletesOnlyOnceJournaled() {
        FullDiskFilePath.register();
        TopicRouter router = new TopicRouter(100, reason -> { });
        try (SessionJournal journal = new SessionJournal("full:" + dir.resolve("j.mv.db"))) {
            RouterCoapMessaging coap = new RouterCoapMessaging(router, journal);
            assertThat(coap.publishDurably("acme", "d/m1/up/t", bytes("nobody listens"), null, null))
                    .as("no persistent session took it: nothing to wait for").isDone();

            SubscriberQueue queue = new SubscriberQueue("acme/app", 100, 100, 10, OverflowPolicy.DROP_OLDEST, r -> { });
            queue.journal(journal, "acme\u0000app");
            router.subscribe("acme", "d/+/up/#", 1, queue);
            FullDiskFilePath.full = true;
            CompletableFuture<Void> stored = coap.publishDurably("acme", "d/m1/up/t", bytes("42"), null, null);
            await().atMost(Duration.ofSeconds(20)).until(() -> journal.unavailableReason().isPresent());
            assertThat(stored).as("not accepted while the journal cannot write it").isNotDone();

            FullDiskFilePath.full = false;
            assertThat(stored).succeedsWithin(Duration.ofSeconds(30));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

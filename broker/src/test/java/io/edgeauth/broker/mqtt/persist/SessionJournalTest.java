package io.edgeauth.broker.mqtt.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.store.FullDiskFilePath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionJournalTest {
    @TempDir
    Path dir;

    @AfterEach
    void freeDisk() {
        FullDiskFilePath.full = false;
    }

    private static RoutedMessage msg(String topic, String text) {
        return new RoutedMessage("acme", topic, text.getBytes(StandardCharsets.UTF_8), 1, false,
                List.of(new RoutedMessage.UserProperty("geo", "u33d")), "dev-1");
    }

    @Test
    void sessionsMessagesAndRetainedComeBackAfterReopen() {
        Path file = dir.resolve("j.mv.db");
        try (SessionJournal j = new SessionJournal(file)) {
            j.saveSession(new PersistedSession("acme\0app", "acme", "app", "did:x", 3600, Map.of("d/+/up/#", 1)));
            long a = j.append("acme\0app", new RoutedMessage("acme", "d/dev-1/up/t", "one".getBytes(StandardCharsets.UTF_8),
                    1, false, List.of(new RoutedMessage.UserProperty("geo", "u33d")), "dev-1",
                    MessageAttributes.of(1_000, 60, null, null, "d/dev-1/down/ack", new byte[] {7})));
            long b = j.append("acme\0app", msg("d/dev-1/up/t", "two"));
            long c = j.append("acme\0app", msg("d/dev-1/up/t", "three"));
            j.remove(b);
            j.append("acme\0gone", msg("d/dev-1/up/t", "orphan")); // its session was never saved
            j.retained(msg("d/dev-1/up/state", "on").withRetain(true));
            j.retained(msg("d/dev-1/up/old", "x").withRetain(true));
            j.cleared("acme", "d/dev-1/up/old");
            assertThat(a).isLessThan(c);
        }
        try (SessionJournal j = new SessionJournal(file)) {
            List<SessionJournal.Restored> restored = j.restore();
            assertThat(restored).hasSize(1);
            assertThat(restored.get(0).session().subscriptions()).containsEntry("d/+/up/#", 1);
            assertThat(restored.get(0).session().principal()).isEqualTo("did:x");
            assertThat(restored.get(0).messages()).extracting(m -> new String(m.message().payload(), StandardCharsets.UTF_8))
                    .containsExactly("one", "three");
            assertThat(restored.get(0).messages().get(0).message().userProperties())
                    .containsExactly(new RoutedMessage.UserProperty("geo", "u33d"));
            assertThat(restored.get(0).messages().get(0).message().attributes())
                    .as("expiry and response pair kept").satisfies(a -> {
                        assertThat(a.expiresAtMillis()).isEqualTo(61_000);
                        assertThat(a.responseTopic()).isEqualTo("d/dev-1/down/ack");
                        assertThat(a.correlationData()).containsExactly(7);
                    });
            assertThat(restored.get(0).messages().get(1).message().attributes()).isSameAs(MessageAttributes.NONE);
            assertThat(j.retainedMessages()).extracting(RoutedMessage::topic).containsExactly("d/dev-1/up/state");
            long next = j.append("acme\0app", msg("d/dev-1/up/t", "four"));
            assertThat(next).as("ids keep increasing across restarts")
                    .isGreaterThan(restored.get(0).messages().get(1).id());
        }
    }

    @Test
    void durabilityCallbacksRunAfterTheCommitInSequenceOrder() {
        try (SessionJournal j = new SessionJournal(dir.resolve("j.mv.db"))) {
            List<Long> order = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 1000; i++) {
                long seq = j.append("k", msg("t", "m" + i));
                j.whenDurable(seq, () -> {
                    assertThat(j.isDurable(seq)).isTrue();
                    order.add(seq);
                });
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> order.size() == 1000);
            assertThat(order).isSorted();
            assertThat(j.commits()).as("group commit: far fewer commits than changes").isLessThan(1000);
        }
    }

    /**
     * A full disk closes the journal's file (MVStore closes itself on a failed write): nothing is acknowledged
     * meanwhile, and once the disk takes writes again the journal reopens by itself, writes what waited, and
     * acknowledges it; readiness recovers without a restart.
     */
    @Test
    void aFullDiskHoldsAcknowledgementsAndTheJournalReopensWhenSpaceReturns() {
        FullDiskFilePath.register();
        Path file = dir.resolve("j.mv.db");
        try (SessionJournal j = new SessionJournal("full:" + file)) {
            j.saveSession(new PersistedSession("acme\0app", "acme", "app", "did:x", 3600, Map.of("d/#", 1)));
            long before = j.append("acme\0app", msg("d/dev-1/up/t", "before"));
            await().atMost(Duration.ofSeconds(20)).until(() -> j.isDurable(before));

            FullDiskFilePath.full = true;
            AtomicBoolean acknowledged = new AtomicBoolean();
            long during = j.append("acme\0app", msg("d/dev-1/up/t", "during"));
            j.whenDurable(during, () -> acknowledged.set(true));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(j.unavailableReason())
                    .hasValueSatisfying(r -> assertThat(r).contains("No space left on device")));
            assertThat(acknowledged).as("not acknowledged while the disk is full").isFalse();
            assertThat(j.isDurable(during)).isFalse();

            FullDiskFilePath.full = false;
            await().atMost(Duration.ofSeconds(30)).untilTrue(acknowledged);
            assertThat(j.unavailableReason()).isEmpty();
            assertThat(j.reopens()).isEqualTo(1);
            long after = j.append("acme\0app", msg("d/dev-1/up/t", "after"));
            await().atMost(Duration.ofSeconds(20)).until(() -> j.isDurable(after));
        }
        try (SessionJournal j = new SessionJournal(file)) {
            assertThat(j.restore()).singleElement().satisfies(r -> assertThat(r.messages())
                    .extracting(m -> new String(m.message().payload(), StandardCharsets.UTF_8))
                    .containsExactly("before", "during", "after"));
        }
    }

    /**
     * What a client may put in one PUBLISH within the default 256 KiB packet: 32768 user properties (5 bytes each, empty
     * name and value). Such a retained (or queued) message used to be journaled with its count as a negative short,
     * which the next start-up could not read: the broker did not start again until the journal was removed (tour AH,
     * AH2).
     */
    @Test
    void aMessageWithTensOfThousandsOfUserPropertiesComesBackAfterReopen() {
        Path file = dir.resolve("j.mv.db");
        List<RoutedMessage.UserProperty> many = new java.util.ArrayList<>();
        for (int i = 0; i < 70_000; i++) { // past both 32767 (a signed short) and 65535 (an unsigned one)
            many.add(new RoutedMessage.UserProperty("k", Integer.toString(i)));
        }
        try (SessionJournal j = new SessionJournal(file)) {
            j.saveSession(new PersistedSession("acme\0app", "acme", "app", "did:x", 3600, Map.of("d/+/up/#", 1)));
            j.retained(new RoutedMessage("acme", "d/dev-1/up/a", new byte[] {1}, 1, true, many.subList(0, 32_768), "dev-1"));
            j.retained(new RoutedMessage("acme", "d/dev-1/up/b", new byte[] {2}, 1, true, many.subList(0, 65_535), "dev-1"));
            j.append("acme\0app", new RoutedMessage("acme", "d/dev-1/up/c", new byte[] {3}, 1, false, many, "dev-1"));
        }
        try (SessionJournal j = new SessionJournal(file)) {
            List<RoutedMessage> back = j.retainedMessages();
            assertThat(back).extracting(m -> m.userProperties().size()).containsExactlyInAnyOrder(32_768, 65_535);
            List<SessionJournal.Restored> restored = j.restore();
            assertThat(restored.get(0).messages().get(0).message().userProperties()).isEqualTo(many);
        }
    }
}

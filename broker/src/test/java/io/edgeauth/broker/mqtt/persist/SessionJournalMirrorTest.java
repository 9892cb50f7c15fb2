package io.edgeauth.broker.mqtt.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.router.RoutedMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's mirror (the copy of queued messages in Redis with several nodes): a message is durable only
 * once it is committed locally and its copy is safe, so an acknowledgement never goes out before both; an
 * unmirrored queue waits for the commit alone; adoption and removal are told to the mirror.
 */
class SessionJournalMirrorTest {
    @TempDir
    Path dir;

    static RoutedMessage message(String text) {
        return new RoutedMessage("t", "d/x/up/a", text.getBytes(StandardCharsets.UTF_8), 1, false, List.of(), "x");
    }

    /** A mirror whose copies complete when the test says so. */
    static final class HeldMirror implements SessionJournal.Mirror {
        final Map<Long, CompletableFuture<Void>> copies = new ConcurrentHashMap<>();
        final List<String> adopted = new CopyOnWriteArrayList<>();
        final List<Long> removed = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<?> appended(String queueKey, long id, RoutedMessage message) {
            if (queueKey.equals("plain")) {
                return null; // not mirrored
            }
            CompletableFuture<Void> copy = new CompletableFuture<>();
            copies.put(id, copy);
            return copy;
        }

        @Override
        public void adopted(String queueKey, long id, String copyId) {
            adopted.add(queueKey + "=" + copyId);
        }

        @Override
        public void removed(long id) {
            removed.add(id);
        }
    }

    @Test
    void aMirroredMessageIsDurableOnlyOnceItsCopyIsSafe() throws Exception {
        HeldMirror mirror = new HeldMirror();
        try (SessionJournal journal = new SessionJournal(dir.resolve("j.mv.db"))) {
            journal.mirror(mirror);
            long id = journal.append("s1", message("a"));
            AtomicBoolean acknowledged = new AtomicBoolean();
            journal.whenDurable(journal.lastSequence(), () -> acknowledged.set(true));
            await().atMost(Duration.ofSeconds(10)).until(() -> journal.commits() > 0);
            assertThat(acknowledged).as("committed, but the copy is not safe yet").isFalse();
            assertThat(journal.isDurable(id)).isFalse();

            long later = journal.append("plain", message("b")); // unmirrored: held back only by the earlier copy
            assertThat(journal.isDurable(later)).isFalse();
            mirror.copies.get(id).complete(null);
            await().atMost(Duration.ofSeconds(10)).untilTrue(acknowledged);
            await().atMost(Duration.ofSeconds(10)).until(() -> journal.isDurable(later));

            long adopted = journal.adopt("s2", message("c"), "1700000000000-0");
            assertThat(mirror.adopted).containsExactly("s2=1700000000000-0");
            journal.remove(adopted);
            assertThat(mirror.removed).containsExactly(adopted);
            await().atMost(Duration.ofSeconds(10)).until(() -> journal.isDurable(journal.lastSequence()));
        }
    }

    @Test
    void aCopyThatFailsStillReleasesTheAcknowledgement() throws Exception {
        HeldMirror mirror = new HeldMirror();
        try (SessionJournal journal = new SessionJournal(dir.resolve("j.mv.db"))) {
            journal.mirror(mirror);
            long id = journal.append("s1", message("a"));
            mirror.copies.get(id).completeExceptionally(new IllegalStateException("redis out"));
            await().atMost(Duration.ofSeconds(10)).until(() -> journal.isDurable(id));
        }
    }
}

package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.Response;
import org.junit.jupiter.api.Test;

/** One notification outstanding at a time, each command until acknowledged, the oldest dropped when full. */
class ObservedCommandsTest {
    private final AtomicInteger notified = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final ObservedCommands commands = new ObservedCommands(notified::incrementAndGet, dropped::incrementAndGet);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Response r) {
        return r.getPayloadString();
    }

    /** What Californium does when the device's ACK for a CON notification arrives. */
    private static void ack(Response r) {
        r.setType(CoAP.Type.CON);
        assertThat(r.acknowledge()).isTrue();
    }

    @Test
    void nothingGoesOutBeforeTheRegistrationIsAnsweredThenWhatWaitedDoes() {
        commands.offer("d/dev1/down", bytes("early"));
        assertThat(notified).hasValue(0);
        commands.start();
        assertThat(notified).hasValue(1);
        assertThat(text(commands.notification())).isEqualTo("early");
    }

    @Test
    void aCommandPublishedWhileOneIsOutstandingWaitsForItsAcknowledgement() {
        commands.start();
        assertThat(text(commands.notification())).as("the registration's answer before any command").isEmpty();
        commands.offer("d/dev1/down", bytes("a"));
        commands.offer("d/dev1/down", bytes("b"));
        commands.offer("d/dev1/down", bytes("c"));
        assertThat(notified).as("one notification asked for, not three").hasValue(1);
        Response first = commands.notification();
        Response again = commands.notification(); // Californium rebuilding it: still the oldest
        assertThat(text(first)).isEqualTo("a");
        assertThat(text(again)).isEqualTo("a");

        ack(first);
        assertThat(notified).hasValue(2);
        ack(again); // the second copy's acknowledgement takes nothing more off
        assertThat(commands.waiting()).isEqualTo(2);
        Response second = commands.notification();
        assertThat(text(second)).isEqualTo("b");
        ack(second);
        Response third = commands.notification();
        assertThat(text(third)).isEqualTo("c");
        ack(third);
        assertThat(commands.waiting()).isZero();
        assertThat(text(commands.notification())).as("a re-registration gets the last one again").isEqualTo("c");

        int before = notified.get();
        commands.offer("d/dev1/down", bytes("d"));
        assertThat(notified).as("nothing outstanding: at once").hasValue(before + 1);
    }

    @Test
    void aNotificationThatFailedLetsTheNextCommandSendWhatWaits() {
        commands.start();
        commands.offer("d/dev1/down", bytes("a"));
        Response out = commands.notification();
        out.setTimedOut(true);
        commands.offer("d/dev1/down", bytes("b"));
        assertThat(notified).hasValue(2);
        assertThat(text(commands.notification())).as("a was never acknowledged").isEqualTo("a");
    }

    @Test
    void theOldestIsDroppedAndCountedWhenTheQueueIsFull() {
        commands.start();
        for (int i = 0; i <= ObservedCommands.CAPACITY; i++) {
            commands.offer("d/dev1/down", bytes("c" + i));
        }
        assertThat(dropped).hasValue(1);
        assertThat(commands.waiting()).isEqualTo(ObservedCommands.CAPACITY);
        assertThat(text(commands.notification())).isEqualTo("c1");
    }

    @Test
    void aCommandCarriesItsTopicAsLocationPathWhenEveryLevelCanBeOne() {
        commands.start();
        commands.offer("d/dev1/down/valve/", bytes("open"));
        assertThat(commands.notification().getOptions().getLocationPath()).containsExactly("d", "dev1", "down", "valve", "");
        assertThat(ObservedCommands.fitsLocationPath("d/dev1/down/" + "x".repeat(255))).isTrue();
        assertThat(ObservedCommands.fitsLocationPath("d/dev1/down/" + "x".repeat(256))).isFalse();
        assertThat(ObservedCommands.fitsLocationPath("d/dev1/down/..")).isFalse();
        assertThat(ObservedCommands.fitsLocationPath("d/dev1/down/./a")).isFalse();

        ObservedCommands other = new ObservedCommands(() -> { }, () -> { });
        other.start();
        other.offer("d/dev1/down/" + "é".repeat(128), bytes("long")); // 256 bytes in UTF-8
        Response r = other.notification();
        assertThat(r.getPayloadString()).isEqualTo("long");
        assertThat(r.getOptions().getLocationPath()).as("sent without its topic, not stuck").isEmpty();
    }

    @Test
    void aMovedQueueKeepsItsCommandsAndSendsThemOnlyOnceItsNewRelationStarted() {
        commands.start();
        commands.offer("d/dev1/down", bytes("a"));
        Response onOld = commands.notification();
        assertThat(notified).hasValue(1);

        commands.moveTo(null); // the relation ended: parked
        commands.offer("d/dev1/down", bytes("b"));
        ack(onOld); // a late acknowledgement on the old relation still counts
        assertThat(notified).as("nothing goes out while parked").hasValue(1);
        assertThat(commands.waiting()).isEqualTo(1);

        AtomicInteger onNew = new AtomicInteger();
        commands.moveTo(onNew::incrementAndGet);
        commands.offer("d/dev1/down", bytes("c"));
        assertThat(onNew).as("not before the new registration is answered").hasValue(0);
        commands.start();
        assertThat(onNew).hasValue(1);
        Response next = commands.notification();
        assertThat(text(next)).isEqualTo("b");
        ack(next);
        assertThat(onNew).hasValue(2);
        assertThat(text(commands.notification())).isEqualTo("c");
        assertThat(notified).hasValue(1);
        assertThat(dropped).hasValue(0);
    }

    /** A command whose Message Expiry Interval passed while it waited is not sent; it counts as dropped. */
    @Test
    void anExpiredCommandIsNotSent() {
        long now = System.currentTimeMillis();
        commands.offer("d/dev1/down/unlock", bytes("unlock"), now - 1);
        commands.offer("d/dev1/down/config", bytes("config"), now + 3_600_000);
        commands.start();
        assertThat(text(commands.notification())).isEqualTo("config");
        assertThat(dropped).hasValue(1);
        assertThat(commands.waiting()).isEqualTo(1);
    }

    /** The notification's block observer, as Californium copies it onto each block. */
    private static BlockwiseNotification blocks(Response r) {
        return r.getMessageObservers().stream().filter(o -> o instanceof BlockwiseNotification)
                .map(o -> (BlockwiseNotification) o).findFirst().orElseThrow();
    }

    /** Tour R, R12: a command in blocks is delivered once its last block went out, not on the first's ACK. */
    @Test
    void aCommandInBlocksLetsTheNextGoOnlyOnceItsLastBlockWasSentOrItsFetchTimedOut() {
        io.edgeauth.broker.testsupport.MutableClock clock =
                new io.edgeauth.broker.testsupport.MutableClock(java.time.Instant.now());
        ObservedCommands queue = new ObservedCommands(notified::incrementAndGet, dropped::incrementAndGet, clock);
        queue.start();
        queue.offer("d/dev1/down", bytes("big-a"));
        queue.offer("d/dev1/down", bytes("big-b"));
        queue.offer("d/dev1/down", bytes("big-c"));
        Response a = queue.notification();
        blocks(a).firstOfSeveralBlocksSent();
        ack(a);
        assertThat(notified).as("the device fetches a's other blocks first").hasValue(1);
        blocks(a).lastBlockSent();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(notified).as("after a short grace").hasValue(2));
        Response b = queue.notification();
        assertThat(text(b)).isEqualTo("big-b");
        blocks(b).firstOfSeveralBlocksSent();
        ack(b);
        queue.dropUnfetched(60_000);
        assertThat(notified).as("not yet stalled").hasValue(2);
        clock.advance(java.time.Duration.ofSeconds(61));
        queue.dropUnfetched(60_000);
        assertThat(dropped).as("b's blocks were never fetched").hasValue(1);
        assertThat(notified).hasValue(3);
        assertThat(text(queue.notification())).isEqualTo("big-c");
    }
}

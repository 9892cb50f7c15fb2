package io.edgeauth.broker.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Queued messages whose Message Expiry Interval passed do not take the room of live ones. */
class SubscriberQueueExpiryTest {

    private static RoutedMessage msg(String text, long expiresAtMillis) {
        return new RoutedMessage("t", "d/a/down/x", text.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false,
                null, "svc", expiresAtMillis == 0 ? MessageAttributes.NONE
                : new MessageAttributes(expiresAtMillis, -1, null, null, null));
    }

    @Test
    void aFullOfflineQueueDropsItsExpiredMessagesBeforeRefusingANewOne() {
        List<String> drops = new ArrayList<>();
        SubscriberQueue q = new SubscriberQueue("s", 10, 2, 10, OverflowPolicy.DROP_NEW, drops::add);
        long now = System.currentTimeMillis();
        q.offer(msg("expired", now - 1), 1);
        q.offer(msg("live", now + 3_600_000), 1);
        assertThat(q.offer(msg("new", 0), 1)).as("the expired one made room").isEqualTo(Subscriber.Offer.ACCEPTED);
        assertThat(drops).containsExactly(SubscriberQueue.DROP_EXPIRED);
        assertThat(q.offer(msg("one more", 0), 1)).as("full of live messages").isEqualTo(Subscriber.Offer.DROPPED);
        assertThat(drops).containsExactly(SubscriberQueue.DROP_EXPIRED, SubscriberQueue.DROP_QUEUE_FULL);

        List<String> sent = new ArrayList<>();
        q.attach(d -> sent.add(new String(d.message().payload(), java.nio.charset.StandardCharsets.UTF_8)), Runnable::run, 10);
        assertThat(sent).containsExactly("live", "new");
    }
}

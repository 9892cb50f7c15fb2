package io.edgeauth.broker.coap;

import io.edgeauth.broker.policy.TopicFilters;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link CoapMessaging} inside one JVM: delivers each publish synchronously to the matching subscribers of
 * the same tenant and remembers every publish (for tests and the development broker without a router).
 * Thread-safe.
 */
public final class InMemoryCoapMessaging implements CoapMessaging {

    /** One published message as the edge handed it over. */
    public record Published(String tenant, String topic, byte[] payload, String geo) {
        public String text() {
            return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private record Subscription(String tenant, String filter, Listener onMessage) { }

    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final List<Published> published = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger subscribeCalls = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean failNextSubscribe = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public java.util.concurrent.CompletableFuture<Void> publish(String tenant, String topic, byte[] payload, String geo,
                                                              String signature) {
        published.add(new Published(tenant, topic, payload.clone(), geo));
        for (Subscription s : subscriptions) {
            if (s.tenant.equals(tenant) && TopicFilters.matches(s.filter, topic)) {
                s.onMessage.onMessage(topic, payload.clone(), 0);
            }
        }
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    @Override
    public AutoCloseable subscribe(String tenant, String topic, Listener onMessage) {
        if (failNextSubscribe.compareAndSet(true, false)) {
            throw new IllegalStateException("router unavailable (test)");
        }
        Subscription s = new Subscription(Objects.requireNonNull(tenant), Objects.requireNonNull(topic),
                Objects.requireNonNull(onMessage));
        subscriptions.add(s);
        subscribeCalls.incrementAndGet();
        return () -> subscriptions.remove(s);
    }

    /** Everything published so far, oldest first. */
    public List<Published> published() {
        return new ArrayList<>(published);
    }

    /** Published messages on one topic of one tenant. */
    public List<Published> published(String tenant, String topic) {
        List<Published> out = new ArrayList<>();
        for (Published p : published) {
            if (p.tenant.equals(tenant) && p.topic.equals(topic)) {
                out.add(p);
            }
        }
        return out;
    }

    public int subscriberCount() {
        return subscriptions.size();
    }

    /** The next {@link #subscribe} throws, as a router that cannot take it. */
    public void failNextSubscribe() {
        failNextSubscribe.set(true);
    }

    /** How many subscriptions were made so far, ended ones included. */
    public int subscribeCalls() {
        return subscribeCalls.get();
    }
}

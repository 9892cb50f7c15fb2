package io.edgeauth.broker.router;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a publish did: how many subscribers matched, how many took the message, how many dropped it,
 * which subscribers are congested (the publisher should pause reading until each of them calls back
 * through {@link Subscriber#whenWritable}), and, when other nodes take part, {@code handoff}: completes
 * once the message is safe with every other node it went to (a QoS 1 acknowledgement waits for it); null
 * when nothing left this node. {@code retainRefused}: a retained message of a new topic beyond the
 * tenant's or the device's retained bound, neither kept nor delivered (MQTT answers 0x97 Quota exceeded).
 */
public record PublishResult(int matched, int accepted, int dropped, List<Subscriber> congested,
                            CompletableFuture<Void> handoff, boolean retainRefused) {
    /** A retained publish refused for want of room. */
    static final PublishResult RETAIN_REFUSED = new PublishResult(0, 0, 0, List.of(), null, true);

    public PublishResult {
        congested = List.copyOf(congested);
    }

    public PublishResult(int matched, int accepted, int dropped, List<Subscriber> congested,
                         CompletableFuture<Void> handoff) {
        this(matched, accepted, dropped, congested, handoff, false);
    }

    public PublishResult(int matched, int accepted, int dropped, List<Subscriber> congested) {
        this(matched, accepted, dropped, congested, null, false);
    }

    public boolean congestedAny() {
        return !congested.isEmpty();
    }

    /** Both hand-offs (either may be null). */
    static CompletableFuture<Void> both(CompletableFuture<Void> a, CompletableFuture<Void> b) {
        return a == null ? b : CompletableFuture.allOf(a, b);
    }

    /** {@code list} with {@code s}: a new list for the first, as most publishes congest nobody. */
    static List<Subscriber> add(List<Subscriber> list, Subscriber s) {
        List<Subscriber> out = list.isEmpty() ? new java.util.ArrayList<>(2) : list;
        out.add(s);
        return out;
    }
}

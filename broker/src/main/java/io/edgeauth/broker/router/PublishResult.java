package io.edgeauth.broker.router;

import java.util.List;

/**
 * What a publish did: how many subscribers matched, how many took the message, how many dropped it,
 * and which subscribers are congested (the publisher should pause reading until each of them calls
 * back through {@link Subscriber#whenWritable}).
 */
public record PublishResult(int matched, int accepted, int dropped, List<Subscriber> congested) {
    public PublishResult {
        congested = List.copyOf(congested);
    }

    public boolean congestedAny() {
        return !congested.isEmpty();
    }
}

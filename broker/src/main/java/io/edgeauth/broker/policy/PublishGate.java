package io.edgeauth.broker.policy;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.util.List;

/**
 * The one order in which every protocol edge checks a device's message before routing it: the topic
 * ACL, then the reported location, then the rate plan last, so a refused message never spends the
 * device's budget. Edges only map the returned refusal to their own codes. Stateless and thread-safe.
 */
public final class PublishGate {
    private final GeoPolicy geo;

    public PublishGate(GeoPolicy geo) {
        this.geo = geo;
    }

    /** Why a message was refused: the typed reason and a detail safe to log and return. */
    public record Refusal(RejectionReason reason, String detail) { }

    /**
     * @param location   the GeoHash the message reports (MQTT user property / CoAP query {@code geo}), or null
     * @param tokenCells the session token's {@code geo} cells
     * @return null if the message may be routed
     */
    public Refusal check(TopicAcl acl, RateLimiter limiter, List<String> tokenCells, String topic, int bytes,
                         String location) {
        if (!acl.mayPublish(topic)) {
            return new Refusal(RejectionReason.FORBIDDEN, "may not publish to " + topic);
        }
        if (location != null) {
            try {
                geo.checkLocation(location, tokenCells);
            } catch (TokenRejectedException e) {
                return new Refusal(e.reason(), e.getMessage());
            }
        }
        if (!limiter.tryAcquire(bytes)) {
            return new Refusal(RejectionReason.RATE_LIMITED, "over the device's rate plan");
        }
        return null;
    }
}

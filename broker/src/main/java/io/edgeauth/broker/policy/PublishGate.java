package io.edgeauth.broker.policy;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.util.List;
import java.util.Objects;

/**
 * The one order in which every protocol edge checks a device's message before routing it: the rate plan
 * first, then the topic ACL, the reported location and the payload signature (when the device sent one or
 * its tenant requires one). A refused message spends the device's budget like an accepted one: a device that
 * sends messages the gate refuses (a bad signature costs an EC verification each) is held to its plan's rate,
 * and once the budget is spent its messages are refused as over the plan, which is what the MQTT abuse
 * disconnect counts. Before 2026-12-07 the plan came last and refused messages were unlimited (tour Y, Y9).
 * Edges only map the returned refusal to their own codes; {@link #charge} is the only rate decision, also for
 * a message an edge refuses before the gate. Stateless and thread-safe.
 */
public final class PublishGate {
    private static final Refusal OVER_RATE = new Refusal(RejectionReason.RATE_LIMITED, "over the device's rate plan");

    private final GeoPolicy geo;
    private final PayloadCheck payloads;

    /** A gate without payload signature checks. */
    public PublishGate(GeoPolicy geo) {
        this(geo, PayloadCheck.NONE);
    }

    public PublishGate(GeoPolicy geo, PayloadCheck payloads) {
        this.geo = geo;
        this.payloads = Objects.requireNonNull(payloads, "payloads");
    }

    /** Why a message was refused: the typed reason and a detail safe to log and return. */
    public record Refusal(RejectionReason reason, String detail) { }

    /** The end-to-end payload signature check (see {@code telemetry.SignedTelemetry}). */
    @FunctionalInterface
    public interface PayloadCheck {
        /** No check: every message passes. */
        PayloadCheck NONE = (tenant, device, payload, signature) -> null;

        /**
         * @param device    the publishing device's id, or null when the publisher is not a device
         * @param signature the signature sent beside the message, or null
         * @return null if the message may pass
         */
        Refusal check(String tenant, String device, byte[] payload, String signature);
    }

    /**
     * @param location   the GeoHash the message reports (MQTT user property / CoAP query {@code geo}), or null
     * @param tokenCells the session token's {@code geo} cells
     * @return null if the message may be routed
     */
    public Refusal check(TopicAcl acl, RateLimiter limiter, List<String> tokenCells, String topic, int bytes,
                         String location) {
        return check(acl, limiter, tokenCells, topic, bytes, location, null, null, null, null);
    }

    /**
     * As {@link #check(TopicAcl, RateLimiter, List, String, int, String)}, with the payload signature check.
     *
     * @param tenant    the publisher's tenant; null skips the payload check
     * @param device    the publishing device's id, or null when the publisher is not a device
     * @param signature the payload signature sent beside the message (MQTT user property / CoAP query
     *                  {@code edgeauth-sig} / {@code sig}), or null
     */
    public Refusal check(TopicAcl acl, RateLimiter limiter, List<String> tokenCells, String topic, int bytes,
                         String location, String tenant, String device, byte[] payload, String signature) {
        Refusal overRate = charge(limiter, bytes);
        if (overRate != null) {
            return overRate;
        }
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
        if (tenant != null) {
            Refusal unsigned = payloads.check(tenant, device, payload, signature);
            if (unsigned != null) {
                return unsigned;
            }
        }
        return null;
    }

    /**
     * Takes one message of {@code bytes} from the device's budget, for any message it sent, refused or not.
     *
     * @return null if within the plan, else the over-rate refusal
     */
    public static Refusal charge(RateLimiter limiter, int bytes) {
        if (limiter.tryAcquire(bytes)) {
            return null;
        }
        if (bytes > limiter.largestMessage()) { // asked only once refused: nothing on the path of a message that passes
            // no wait lets it pass, so it is not refused as over the rate (which tells the sender to retry); it spends
            // one message like any refused message, so a sender that repeats it is held to its plan's rate
            return limiter.tryAcquire(0) ? new Refusal(RejectionReason.MESSAGE_TOO_LARGE, "the message's " + bytes
                    + " bytes are more than its rate plan's bytesPerSecond (" + limiter.largestMessage()
                    + ") admits at once: it never passes") : OVER_RATE;
        }
        return OVER_RATE;
    }

}

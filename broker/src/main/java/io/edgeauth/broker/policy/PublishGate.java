package io.edgeauth.broker.policy;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.util.List;
import java.util.Objects;

/**
 * The one order in which every protocol edge checks a device's message before routing it: the topic
 * ACL, then the reported location, then the payload signature (when the device sent one or its tenant
 * requires one), then the rate plan last, so a refused message never spends the device's budget.
 * Edges only map the returned refusal to their own codes. Stateless and thread-safe.
 */
public final class PublishGate {
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
        if (!limiter.tryAcquire(bytes)) {
            return new Refusal(RejectionReason.RATE_LIMITED, "over the device's rate plan");
        }
        return null;
    }
}

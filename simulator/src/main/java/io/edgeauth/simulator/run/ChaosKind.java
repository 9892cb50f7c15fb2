package io.edgeauth.simulator.run;

import java.util.Locale;

/**
 * The ways a chaos device misbehaves, and the refusal each must get. A chaos device that is accepted,
 * or refused for another reason, fails the run.
 */
public enum ChaosKind {
    /** Presents its token after it expired (waits past {@code exp} plus the broker's leeway). */
    EXPIRED("connect", "expired", 4),
    /** Its subject is revoked after it got its token; it connects with that token. */
    REVOKED("connect", "revoked", 5),
    /**
     * Gets its token in another tenant, is then moved into the run's tenant, and connects with it. The move
     * revokes the tokens it held (continuous access evaluation), so the broker refuses it as revoked before
     * it gets to compare tenants.
     */
    WRONG_TENANT("connect", "revoked", 5),
    /**
     * Is registered in a region (GeoHash cell) the broker node does not serve ({@code --broker-region} names the one it
     * does), gets a token carrying that cell ({@code geo}) and connects: the broker refuses it as outside its region.
     */
    WRONG_REGION("connect", "outside_region", 5),
    /** Presents its real token with the claims altered (scope widened, signature kept). */
    FORGED("connect", "bad_signature", 4),
    /** Sends the same client assertion to the token endpoint twice; the second must be refused. */
    REPLAYED("token", "replayed", 0);

    private final String stage;
    private final String reason;
    private final int mqtt3Code;

    ChaosKind(String stage, String reason, int mqtt3Code) {
        this.stage = stage;
        this.reason = reason;
        this.mqtt3Code = mqtt3Code;
    }

    /** The label used in options and reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The outcome expected: {@code stage:reason}. MQTT 3.1.1 has no reason strings, so a CONNECT refusal
     * is expected as its CONNACK code ({@code connect:code4} bad credentials, {@code connect:code5} not authorized).
     */
    public String expected(boolean mqtt5) {
        if (stage.equals("connect") && !mqtt5) {
            return "connect:code" + mqtt3Code;
        }
        return stage + ":" + reason;
    }

    public static ChaosKind parse(String label) {
        for (ChaosKind k : values()) {
            if (k.label().equalsIgnoreCase(label.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown chaos kind '" + label + "'; expected one of expired, revoked, wrong-tenant, wrong-region, forged, replayed");
    }
}

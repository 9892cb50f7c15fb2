package io.edgeauth.simulator.report;

/** The stages whose latency is recorded; the name is the key in the JSON and the label in the report. */
public enum Stage {
    /** {@code POST /admin/devices} (admin-API onboarding only). */
    REGISTER("register"),
    /** Client assertion signed and {@code POST /oauth/token} answered. */
    TOKEN("token"),
    /** TCP connect, CONNECT sent, CONNACK received. */
    CONNECT("connect"),
    /** CoAP: {@code POST /token} over the device's DTLS session answered (ACE, a client assertion). */
    COAP_TOKEN("coap_token"),
    /** CoAP: the DTLS handshake (first request sent to the connection established). */
    HANDSHAKE("handshake"),
    /**
     * CoAP: an abbreviated DTLS handshake on a held link after its requests went unanswered (the broker still knew the
     * session), from the retransmission that started it to the session established; a renewal the broker answered
     * with a full handshake counts as {@link #HANDSHAKE}.
     */
    RESUMPTION("resumption"),
    /** CoAP: {@code POST /authz-info} answered 2.01 (after the handshake). */
    AUTHZ("authz"),
    /** CoAP: confirmable telemetry {@code POST /d/{id}/up/...} to its 2.04. */
    COAP_POST("coap_post"),
    /** CoAP: Observe registration on {@code /d/{id}/down} to its first 2.05. */
    OBSERVE("observe"),
    /** CoAP: a command published (QoS 1, by the observer) to its arrival as an Observe notification on the device. */
    COMMAND("command"),
    /** PUBLISH sent to PUBACK received (QoS 1). */
    PUBLISH("publish"),
    /** PUBLISH sent to the observer receiving it: end-to-end through the broker. */
    DELIVERY("delivery"),
    /** A renewal's AUTH sent to the broker's AUTH success. */
    RENEWAL("renewal"),
    /** Revocation answered by the admin API to the live session being dropped. */
    REVOCATION_DROP("revocation_drop"),
    /** Restart scenario: a held session's loss of the broker noticed to the session authorized again. */
    RECONNECT("reconnect"),
    /** How late a session started against the open-loop schedule (concurrency full or the client behind). */
    START_LAG("start_lag"),
    /** A whole honest session, from its scheduled start to its clean disconnect. */
    SESSION("session");

    private final String key;

    Stage(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }
}

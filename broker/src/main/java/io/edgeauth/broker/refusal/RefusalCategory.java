package io.edgeauth.broker.refusal;

/**
 * The coarse class of a refusal, which is all a protocol edge needs to pick its status code. Each protocol
 * maps it in exactly one class: {@code mqtt.MqttReasons} (CONNACK, PUBACK, SUBACK, DISCONNECT),
 * {@code coap.CoapCodes} (response codes and the ACE error) and {@code http.HttpRefusals} (status and the
 * RFC 6749 / RFC 6750 error).
 */
public enum RefusalCategory {
    /** The credential itself is bad: malformed, badly signed, expired, replayed. */
    BAD_CREDENTIALS,
    /** The credential is fine but does not entitle the holder: revoked, wrong tenant, outside the ACL or region. */
    NOT_AUTHORIZED,
    /** A limit was reached: the rate plan, the connection guard, a token-request or admin-credential bound. */
    QUOTA_EXCEEDED,
    /**
     * The request is larger than a limit that does not refill: sending it again never helps, so no retry wait is
     * given (HTTP 413, CoAP 4.13, MQTT 5 PUBACK 0x97 as MQTT 5 has no PUBACK code for size, DISCONNECT 0x95).
     */
    TOO_LARGE,
    /** The server failed, not the client. */
    SERVER_ERROR,
    /**
     * The server cannot serve now (its store is out: disk full, Redis down); nothing was decided about the
     * client, which should retry later (HTTP 503, MQTT 0x88, CoAP 5.03).
     */
    UNAVAILABLE,
    /**
     * The node sheds load: it is at its admission limit and refused before doing any work; the client retries
     * after a backoff (HTTP 503 with Retry-After, MQTT 0x89 Server busy / 3.1.1 0x03, CoAP 5.03 with Max-Age).
     */
    BUSY
}

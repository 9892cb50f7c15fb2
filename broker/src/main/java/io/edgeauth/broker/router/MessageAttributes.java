package io.edgeauth.broker.router;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The MQTT 5 properties an application message carries from its publisher to every subscriber (§3.3.2.3): when it
 * expires, its payload format and content type, and the request/response pair (response topic, correlation data).
 * Immutable; {@link #NONE} for a message with none (CoAP's, an MQTT 3.1.1 client's, most MQTT 5 ones), so the
 * common case costs one shared reference. The correlation data array is owned by the attributes and never changed.
 *
 * @param expiresAtMillis when the message expires, epoch milliseconds on the broker's clock; 0: never
 * @param payloadFormat   the Payload Format Indicator (0 or 1), or -1 when absent
 * @param contentType     the Content Type, or null
 * @param responseTopic   the Response Topic, or null
 * @param correlationData the Correlation Data, or null
 */
public record MessageAttributes(long expiresAtMillis, int payloadFormat, String contentType, String responseTopic,
                                byte[] correlationData) {
    /** No attributes. */
    public static final MessageAttributes NONE = new MessageAttributes(0, -1, null, null, null);

    private static final int EXPIRY = 1;
    private static final int FORMAT = 2;
    private static final int CONTENT_TYPE = 4;
    private static final int RESPONSE_TOPIC = 8;
    private static final int CORRELATION = 16;

    public MessageAttributes {
        if (expiresAtMillis < 0 || payloadFormat < -1 || payloadFormat > 1) {
            throw new IllegalArgumentException("bad message attributes: expiry " + expiresAtMillis + ", format "
                    + payloadFormat);
        }
    }

    /**
     * The attributes of a message published now, at {@code nowMillis}; {@code expirySeconds} null or 0: it never
     * expires (0 is read as Mosquitto reads it: MQTT 5 gives it no meaning of its own). NONE when all are absent.
     */
    public static MessageAttributes of(long nowMillis, Integer expirySeconds, Integer payloadFormat, String contentType,
                                       String responseTopic, byte[] correlationData) {
        long expiry = expirySeconds == null || expirySeconds == 0 ? 0
                : nowMillis + Integer.toUnsignedLong(expirySeconds) * 1000L;
        return of0(expiry, payloadFormat == null ? -1 : payloadFormat, contentType, responseTopic, correlationData);
    }

    /** The same attributes with another expiry (epoch milliseconds; 0: never). */
    public MessageAttributes withExpiry(long epochMillis) {
        return of0(epochMillis, payloadFormat, contentType, responseTopic, correlationData);
    }

    /** Whether the message has expired at {@code nowMillis}. */
    public boolean expiredAt(long nowMillis) {
        return expired(expiresAtMillis, nowMillis);
    }

    /** The one expiry rule: {@code expiresAtMillis} (0: never) has passed at {@code nowMillis}. */
    public static boolean expired(long expiresAtMillis, long nowMillis) {
        return expiresAtMillis != 0 && nowMillis >= expiresAtMillis;
    }

    /**
     * The Message Expiry Interval a subscriber is sent at {@code nowMillis}: what the publisher gave less the time the
     * message waited here (§3.3.2.3.3), whole seconds rounded up, 0 once expired; -1 when it never expires.
     */
    public long remainingSeconds(long nowMillis) {
        if (expiresAtMillis == 0) {
            return -1;
        }
        long left = expiresAtMillis - nowMillis;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    /** Writes the attributes (a flag byte, then the present ones): the shared form of node and journal records. */
    public void write(DataOutputStream out) throws IOException {
        int flags = (expiresAtMillis != 0 ? EXPIRY : 0) | (payloadFormat >= 0 ? FORMAT : 0)
                | (contentType != null ? CONTENT_TYPE : 0) | (responseTopic != null ? RESPONSE_TOPIC : 0)
                | (correlationData != null ? CORRELATION : 0);
        out.writeByte(flags);
        if (expiresAtMillis != 0) {
            out.writeLong(expiresAtMillis);
        }
        if (payloadFormat >= 0) {
            out.writeByte(payloadFormat);
        }
        if (contentType != null) {
            out.writeUTF(contentType);
        }
        if (responseTopic != null) {
            out.writeUTF(responseTopic);
        }
        if (correlationData != null) {
            out.writeShort(correlationData.length);
            out.write(correlationData);
        }
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @throws IllegalArgumentException a flag or value no writer makes
     */
    public static MessageAttributes read(DataInputStream in) throws IOException {
        int flags = in.readUnsignedByte();
        if ((flags & ~(EXPIRY | FORMAT | CONTENT_TYPE | RESPONSE_TOPIC | CORRELATION)) != 0) {
            throw new IllegalArgumentException("unknown message attribute flags " + flags);
        }
        long expiry = (flags & EXPIRY) != 0 ? in.readLong() : 0;
        int format = (flags & FORMAT) != 0 ? in.readUnsignedByte() : -1;
        String contentType = (flags & CONTENT_TYPE) != 0 ? in.readUTF() : null;
        String responseTopic = (flags & RESPONSE_TOPIC) != 0 ? in.readUTF() : null;
        byte[] correlation = null;
        if ((flags & CORRELATION) != 0) {
            correlation = new byte[in.readUnsignedShort()];
            in.readFully(correlation);
        }
        return of0(expiry, format, contentType, responseTopic, correlation);
    }

    private static MessageAttributes of0(long expiry, int format, String contentType, String responseTopic,
                                         byte[] correlation) {
        if (expiry == 0 && format == -1 && contentType == null && responseTopic == null && correlation == null) {
            return NONE;
        }
        return new MessageAttributes(expiry, format, contentType, responseTopic, correlation);
    }
}

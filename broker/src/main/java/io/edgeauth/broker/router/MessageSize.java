package io.edgeauth.broker.router;

import java.util.List;

/**
 * What a message costs its subscribers in bytes: topic, payload, user properties (UTF-8) and the other properties it
 * carries, what a subscriber's PUBLISH carries beyond its fixed overhead. Every edge charges a message's rate plan
 * with this size, so that the byte budget counts the same bytes whichever protocol a message came by: before
 * 2026-12-08 CoAP and HTTP charged the payload alone, and a CoAP device on a 1000 B/s plan could route ten topics of
 * 1,000 characters a second that MQTT refused (tour H, H4). Stateless.
 */
public final class MessageSize {
    private MessageSize() {
    }

    /** The bytes a message costs: topic, payload, user properties and {@link #attributeBytes attributes}. */
    public static int forwarded(String topic, byte[] payload, List<RoutedMessage.UserProperty> properties,
                                MessageAttributes attributes) {
        long size = (long) payload.length + utf8Length(topic) + attributeBytes(attributes);
        for (RoutedMessage.UserProperty p : properties) {
            size += utf8Length(p.name()) + utf8Length(p.value());
        }
        return (int) Math.min(size, Integer.MAX_VALUE);
    }

    /** As {@link #forwarded}, for a message routed with at most the two given user properties (null: absent). */
    public static int forwarded(String topic, byte[] payload, String name1, String value1, String name2, String value2) {
        long size = (long) payload.length + utf8Length(topic) + property(name1, value1) + property(name2, value2);
        return (int) Math.min(size, Integer.MAX_VALUE);
    }

    private static long property(String name, String value) {
        return value == null ? 0 : utf8Length(name) + utf8Length(value);
    }

    /** The encoded size of a message's {@link MessageAttributes} as properties of a PUBLISH (identifier included). */
    public static long attributeBytes(MessageAttributes a) {
        if (a == MessageAttributes.NONE) {
            return 0;
        }
        long n = (a.expiresAtMillis() != 0 ? 5 : 0) + (a.payloadFormat() >= 0 ? 2 : 0);
        n += a.contentType() == null ? 0 : 3 + utf8Length(a.contentType());
        n += a.responseTopic() == null ? 0 : 3 + utf8Length(a.responseTopic());
        n += a.correlationData() == null ? 0 : 3 + a.correlationData().length;
        return n;
    }

    /**
     * The first field of a message the journal and the node records cannot hold, or null: they write strings as
     * {@link java.io.DataOutput#writeUTF}, at most 65,535 bytes of modified UTF-8, in which a character outside the BMP
     * takes 6 bytes (4 in MQTT's UTF-8), so a user property or Content Type of 10,923 such characters is valid MQTT that
     * was acknowledged and then could not be stored (tour AH, P1). A string of at most 21,845 chars always fits.
     */
    public static String unstorableField(List<RoutedMessage.UserProperty> properties, MessageAttributes attributes) {
        for (RoutedMessage.UserProperty p : properties) {
            if (!storable(p.name()) || !storable(p.value())) {
                return "a user property";
            }
        }
        return attributes.contentType() != null && !storable(attributes.contentType()) ? "the content type" : null;
    }

    private static boolean storable(String s) {
        if (s.length() <= MAX_MODIFIED_UTF8 / 3) {
            return true;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            n += ch != 0 && ch < 0x80 ? 1 : ch < 0x800 ? 2 : 3; // modified UTF-8: each surrogate alone, U+0000 in two
        }
        return n <= MAX_MODIFIED_UTF8;
    }

    private static final int MAX_MODIFIED_UTF8 = 65_535;

    /** UTF-8 length without encoding (a message is checked per message: no copy of each property). */
    public static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                n++;
            } else if (ch < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}

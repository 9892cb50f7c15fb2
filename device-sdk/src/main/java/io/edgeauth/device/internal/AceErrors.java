package io.edgeauth.device.internal;

import java.nio.charset.StandardCharsets;

/**
 * Reads the broker's CoAP error payload, the ACE error map of RFC 9200 (Content-Format {@code application/ace+cbor}):
 * {@code {30 (error): <abbreviation or text>, 31 (error_description): text}}. Only the small subset of CBOR such a
 * map uses is read (unsigned integers, definite text); anything else is not an ACE error. Not part of the API.
 */
public final class AceErrors {
    private static final int ERROR = 30;
    private static final int ERROR_DESCRIPTION = 31;
    /** RFC 9200 Figure 10: the OAuth error codes' CBOR abbreviations, 1 to 8. */
    private static final String[] NAMES = {null, "invalid_request", "invalid_client", "invalid_grant",
        "unauthorized_client", "unsupported_grant_type", "invalid_scope", "unsupported_pop_key",
        "incompatible_ace_profiles"};

    /** The decoded map: {@code error} (its name) and {@code description}, either possibly null. */
    public record AceError(String error, String description) { }

    private AceErrors() {
    }

    /** The ACE error in {@code payload}, or null when it is not one. */
    public static AceError decode(byte[] payload) {
        if (payload == null || payload.length == 0 || (payload[0] & 0xe0) != 0xa0 || (payload[0] & 0x1f) > 23) {
            return null;
        }
        Reader in = new Reader(payload);
        int entries = payload[0] & 0x1f;
        in.pos = 1;
        String error = null;
        String description = null;
        for (int i = 0; i < entries; i++) {
            long key = in.unsigned();
            Object value = in.value();
            if (key < 0 || value == null) {
                return null;
            }
            if (key == ERROR) {
                error = value instanceof Long code ? (code > 0 && code < NAMES.length ? NAMES[code.intValue()]
                        : "error " + code) : (String) value;
            } else if (key == ERROR_DESCRIPTION && value instanceof String text) {
                description = text;
            }
        }
        return in.pos == payload.length && (error != null || description != null) ? new AceError(error, description)
                : null;
    }

    /** A cursor over the bytes; every read answers -1 or null on what it does not read. */
    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        /** An unsigned integer (major type 0), or -1. */
        long unsigned() {
            return pos < b.length && (b[pos] & 0xe0) == 0 ? argument() : -1;
        }

        /** An unsigned integer as a Long, a definite text string as a String, else null. */
        Object value() {
            if (pos >= b.length) {
                return null;
            }
            int major = (b[pos] & 0xe0) >>> 5;
            if (major == 0) {
                long v = argument();
                return v < 0 ? null : v;
            }
            if (major != 3) {
                return null;
            }
            long length = argument();
            if (length < 0 || length > b.length - pos) {
                return null;
            }
            String text = new String(b, pos, (int) length, StandardCharsets.UTF_8);
            pos += (int) length;
            return text;
        }

        /** The argument of the item at {@code pos} (up to four bytes), advancing past its header; -1 if unread. */
        private long argument() {
            int info = b[pos] & 0x1f;
            pos++;
            if (info < 24) {
                return info;
            }
            int size = info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : 0;
            if (size == 0 || pos + size > b.length) {
                return -1;
            }
            long v = 0;
            for (int i = 0; i < size; i++) {
                v = (v << 8) | (b[pos++] & 0xff);
            }
            return v;
        }
    }
}

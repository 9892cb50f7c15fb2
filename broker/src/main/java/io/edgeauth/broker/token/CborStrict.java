package io.edgeauth.broker.token;

import com.upokecenter.cbor.CBOREncodeOptions;
import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;

/**
 * Strict CBOR decoding for hostile input. Before the CBOR library sees the bytes, an iterative
 * (non-recursive) scan checks they are exactly one well-formed item: definite lengths only, no
 * reserved encodings, no trailing bytes, nesting (arrays, maps and tags) at most {@code maxDepth}
 * deep, no length larger than the remaining input. The library then decodes with duplicate map keys
 * refused. Stateless and thread-safe.
 */
final class CborStrict {
    /** Deepest nesting any token structure needs (tags + COSE array + header/claims maps + cnf/act). */
    static final int MAX_DEPTH = 8;

    private static final CBOREncodeOptions OPTIONS = new CBOREncodeOptions("allowduplicatekeys=false");

    private CborStrict() {
    }

    /** Decodes exactly one CBOR item; any deviation is {@link RejectionReason#MALFORMED}. */
    static CBORObject decode(byte[] data, String what) throws TokenRejectedException {
        String problem = scan(data, MAX_DEPTH);
        if (problem != null) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, what + ": " + problem);
        }
        try {
            return CBORObject.DecodeFromBytes(data, OPTIONS);
        } catch (CBORException | IllegalArgumentException e) {
            // duplicate map keys end up here, as do encodings the scan let through but the library refuses
            throw new TokenRejectedException(RejectionReason.MALFORMED, what + ": invalid CBOR");
        }
    }

    /** Returns null if {@code data} is one acceptable CBOR item, else what is wrong with it. */
    static String scan(byte[] data, int maxDepth) {
        if (data == null || data.length == 0) {
            return "empty";
        }
        long[] remaining = new long[maxDepth + 1]; // items still expected at each open level
        int depth = 0;
        remaining[0] = 1;
        int pos = 0;
        while (true) {
            while (depth >= 0 && remaining[depth] == 0) {
                depth--;
            }
            if (depth < 0) {
                break;
            }
            remaining[depth]--;
            if (pos >= data.length) {
                return "truncated";
            }
            int ib = data[pos++] & 0xff;
            int major = ib >>> 5;
            int ai = ib & 0x1f;
            long val;
            if (ai < 24) {
                val = ai;
            } else if (ai <= 27) {
                int n = 1 << (ai - 24);
                if (pos + n > data.length) {
                    return "truncated";
                }
                val = 0;
                for (int i = 0; i < n; i++) {
                    val = (val << 8) | (data[pos++] & 0xff);
                }
            } else {
                return ai == 31 ? "indefinite length not allowed" : "reserved encoding";
            }
            switch (major) {
                case 0:
                case 1:
                case 7:
                    break; // integers, simple values, floats: argument already consumed
                case 2:
                case 3:
                    if (val < 0 || val > data.length - pos) {
                        return "truncated string";
                    }
                    if (major == 3 && !validUtf8(data, pos, (int) val)) {
                        // RFC 8949 §5.3.1: invalid; the library would read it (as U+FFFD or worse), another reader
                        // of the same signed bytes otherwise or not at all (tour J, J5)
                        return "text string is not UTF-8";
                    }
                    pos += (int) val;
                    break;
                case 4:
                case 5: {
                    long items = major == 4 ? val : val * 2;
                    if (val < 0 || items < 0 || items > data.length - pos) {
                        return "truncated container"; // every item needs at least one byte
                    }
                    if (depth + 1 > maxDepth) {
                        return "nested too deeply";
                    }
                    remaining[++depth] = items;
                    break;
                }
                case 6:
                    if (depth + 1 > maxDepth) {
                        return "nested too deeply";
                    }
                    remaining[++depth] = 1; // the tagged item
                    break;
                default:
                    return "invalid";
            }
        }
        return pos == data.length ? null : "trailing bytes";
    }

    /** Whether {@code data[from, from + length)} is well-formed UTF-8: shortest forms only, no surrogates, at most U+10FFFF. */
    static boolean validUtf8(byte[] data, int from, int length) {
        int i = from;
        while (i < from + length && data[i] >= 0) {
            i++; // ASCII, as nearly every claim is: no decoder needed
        }
        if (i == from + length) {
            return true;
        }
        java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        try {
            decoder.decode(java.nio.ByteBuffer.wrap(data, from, length));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }
}

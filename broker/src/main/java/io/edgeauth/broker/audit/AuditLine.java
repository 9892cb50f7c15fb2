package io.edgeauth.broker.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * The one text form of an audit event: a single-line JSON object, pure ASCII (non-ASCII and control characters
 * as {@code \}{@code uXXXX} escapes, so no field can end the line or look different to another reader), with
 * {@code ts, node, seq, prev, event, outcome} first and the event's fields after them. The line as written is
 * its own canonical form: {@link #hash} is SHA-256 over exactly these bytes, which the next line carries as
 * {@code prev}. Stateless and thread-safe.
 */
public final class AuditLine {
    /** Keys the chain owns; a field of the same name is written as {@code _<name>} instead. */
    public static final Set<String> RESERVED = Set.of("ts", "node", "seq", "prev", "event", "outcome");
    /** {@code prev} of the first line of a chain. */
    public static final String GENESIS = "";

    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private AuditLine() {
    }

    /**
     * The line for one event; {@code seq} below 0 writes neither {@code seq} nor {@code prev} (chain off).
     *
     * @param fields further facts; null values are left out; strings, numbers and booleans keep their JSON type,
     *               anything else is written as its {@code toString()}
     */
    public static String format(Instant ts, String node, long seq, String prev, String event, String outcome,
                                Map<String, ?> fields) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ts", ts.toString());
        o.put("node", node);
        if (seq >= 0) {
            o.put("seq", seq);
            o.put("prev", prev);
        }
        o.put("event", event);
        o.put("outcome", outcome);
        if (fields != null) {
            fields.forEach((k, v) -> put(o, RESERVED.contains(k) ? "_" + k : k, v));
        }
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an object node always serialises", e);
        }
    }

    private static void put(ObjectNode o, String key, Object v) {
        if (v == null) {
            return;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            o.put(key, ((Number) v).longValue());
        } else if (v instanceof Number n) {
            o.put(key, n.doubleValue());
        } else if (v instanceof Boolean b) {
            o.put(key, b);
        } else {
            o.put(key, v.toString());
        }
    }

    /** base64url (no padding) SHA-256 of a line's bytes (without its line end): the next line's {@code prev}. */
    public static String hash(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return hash(bytes, bytes.length);
    }

    /** {@link #hash(String)} over {@code bytes[0, length)}, as the verifier reads them. */
    public static String hash(byte[] bytes, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes, 0, length);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

package io.edgeauth.simulator.coap;

import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.edgeauth.device.ClientAssertions;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The ACE (RFC 9200) messages a CoAP device exchanges with the broker, in CBOR: the token request to
 * {@code /token}, its answer, and the error payload of a refusal. Stateless.
 */
final class AceMessages {
    /** ACE parameter abbreviations (RFC 9200 Figure 12). */
    static final int ACCESS_TOKEN = 1;
    static final int ERROR_DESCRIPTION = 31;
    static final int GRANT_TYPE = 33;
    /** {@code client_credentials} (RFC 9200 Figure 11). */
    static final int CLIENT_CREDENTIALS = 2;
    /** Longest answer parsed; the broker's are a few hundred bytes. */
    static final int MAX_ANSWER = 16 * 1024;
    /** A reason as the broker writes it: lower-case words and underscores. */
    private static final Pattern REASON = Pattern.compile("[a-z][a-z0-9_]{0,40}");

    private AceMessages() {
    }

    /** {@code {33: 2, "client_assertion_type": ..., "client_assertion": assertion, "token_format": format}}. */
    static byte[] tokenRequest(String assertion, String tokenFormat) {
        return CBORObject.NewMap()
                .Add(GRANT_TYPE, CLIENT_CREDENTIALS)
                .Add("client_assertion_type", ClientAssertions.ASSERTION_TYPE)
                .Add("client_assertion", assertion)
                .Add("token_format", tokenFormat)
                .EncodeToBytes();
    }

    /** The access token's bytes from a {@code /token} answer; IllegalArgumentException when it has none. */
    static byte[] accessToken(byte[] answer) {
        CBORObject m = map(answer);
        CBORObject t = m == null ? null : m.get(CBORObject.FromObject(ACCESS_TOKEN));
        if (t != null && t.getType() == CBORType.ByteString) {
            return t.GetByteString();
        }
        if (t != null && t.getType() == CBORType.TextString) {
            return t.AsString().getBytes(StandardCharsets.US_ASCII);
        }
        throw new IllegalArgumentException("token answer without access_token");
    }

    /** The broker's reason from an ACE error payload ({@code 31: "<reason>: <detail>"}), or null. */
    static String reason(byte[] payload) {
        CBORObject m = map(payload);
        CBORObject d = m == null ? null : m.get(CBORObject.FromObject(ERROR_DESCRIPTION));
        if (d == null || d.getType() != CBORType.TextString) {
            return null;
        }
        String s = d.AsString();
        int colon = s.indexOf(':');
        String reason = colon < 0 ? s : s.substring(0, colon);
        return REASON.matcher(reason).matches() ? reason : null; // never echo anything else into a report
    }

    private static CBORObject map(byte[] payload) {
        if (payload == null || payload.length == 0 || payload.length > MAX_ANSWER) {
            return null;
        }
        try {
            CBORObject o = CBORObject.DecodeFromBytes(payload);
            return o.getType() == CBORType.Map ? o : null;
        } catch (CBORException | IllegalStateException | IllegalArgumentException e) {
            return null;
        }
    }
}

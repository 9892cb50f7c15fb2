package io.edgeauth.broker.token;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import com.upokecenter.numbers.EInteger;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

/**
 * A decoded COSE_Sign1 or COSE_Mac0 message (RFC 9052), with its signature or MAC not yet checked.
 *
 * <p>We verify COSE ourselves rather than through COSE-Java: that library signs and verifies with
 * whatever provider the JCA picks globally, and the broker must hand ACCP to signature code explicitly
 * (see {@link io.edgeauth.broker.crypto.CryptoProviders}). Here the {@code Sig_structure} /
 * {@code MAC_structure} is built byte for byte and checked with {@link Signatures}.
 *
 * <p>Accepted shapes: optional CBOR Web Token tag 61, then optional tag 18 (Sign1) or 17 (Mac0), then
 * the 4-element array; any other tag is refused. An untagged message is a Sign1 or Mac0 according to
 * its algorithm. {@code alg} (label 1) must be an integer we know, in the protected bucket (RFC 9052
 * §3.1; an unprotected {@code alg} is refused even when the protected bucket is empty, so the cose-wg
 * examples sign-pass-01 and mac-pass-01..03, written for RFC 8152, are refused); {@code kid} (label 4) is a byte
 * string; {@code crit} (label 2) is refused (we implement no extensions); a label present in both
 * header buckets is refused. A protected bucket that decodes to an empty map is treated as the
 * zero-length string, as RFC 9052 §3 requires. Immutable.
 */
public final class CoseMessage {
    /** Which COSE structure this is. */
    public enum Type { SIGN1, MAC0 }

    private static final int TAG_CWT = 61;
    private static final int TAG_SIGN1 = 18;
    private static final int TAG_MAC0 = 17;
    private static final CBORObject LABEL_ALG = CBORObject.FromObject(1);
    private static final CBORObject LABEL_CRIT = CBORObject.FromObject(2);
    private static final CBORObject LABEL_KID = CBORObject.FromObject(4);
    private static final byte[] CONTEXT_SIGNATURE1 = "Signature1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTEXT_MAC0 = "MAC0".getBytes(StandardCharsets.US_ASCII);

    private final Type type;
    private final TokenAlgorithm algorithm;
    private final String kid;
    private final byte[] protectedBytes; // as signed: empty if the bucket is an empty map
    private final byte[] payload;
    private final byte[] signature;

    private CoseMessage(Type type, TokenAlgorithm algorithm, String kid, byte[] protectedBytes, byte[] payload,
                        byte[] signature) {
        this.type = type;
        this.algorithm = algorithm;
        this.kid = kid;
        this.protectedBytes = protectedBytes;
        this.payload = payload;
        this.signature = signature;
    }

    /**
     * Decodes a COSE_Sign1/COSE_Mac0 strictly (see class comment).
     *
     * @throws TokenRejectedException {@code MALFORMED} for bad CBOR, tags or structure;
     *                                {@code UNSUPPORTED_ALGORITHM} for a missing or unknown alg
     */
    public static CoseMessage decode(byte[] bytes) throws TokenRejectedException {
        CBORObject msg = CborStrict.decode(bytes, "COSE message");
        Type tagged = null;
        EInteger[] tags = msg.GetAllTags();
        int i = 0;
        if (i < tags.length && tags[i].equals(EInteger.FromInt32(TAG_CWT))) {
            i++;
        }
        if (i < tags.length) {
            if (tags[i].equals(EInteger.FromInt32(TAG_SIGN1))) {
                tagged = Type.SIGN1;
            } else if (tags[i].equals(EInteger.FromInt32(TAG_MAC0))) {
                tagged = Type.MAC0;
            } else {
                throw malformed("unexpected CBOR tag");
            }
            i++;
        }
        if (i != tags.length) {
            throw malformed("unexpected CBOR tag");
        }
        msg = msg.Untag();
        if (msg.getType() != CBORType.Array || msg.size() != 4) {
            throw malformed("not a COSE_Sign1/COSE_Mac0 array");
        }
        CBORObject prot = msg.get(0);
        CBORObject unprot = msg.get(1);
        CBORObject payload = msg.get(2);
        CBORObject sig = msg.get(3);
        if (!isBytes(prot) || unprot.isTagged() || unprot.getType() != CBORType.Map || !isBytes(payload) || !isBytes(sig)) {
            throw malformed("bad COSE structure (detached payloads are not supported)");
        }
        byte[] protBytes = prot.GetByteString();
        CBORObject protMap = protectedHeaders(protBytes, unprot);
        CBORObject alg = protMap.get(LABEL_ALG);
        TokenAlgorithm algorithm = null;
        if (alg != null && !alg.isTagged() && alg.getType() == CBORType.Integer && alg.CanValueFitInInt64()) {
            algorithm = TokenAlgorithm.fromCose(alg.AsInt64Value());
        }
        if (algorithm == null) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "unknown COSE alg");
        }
        Type type = algorithm.isMac() ? Type.MAC0 : Type.SIGN1;
        if (tagged != null && tagged != type) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "alg does not fit the COSE structure");
        }
        CBORObject kidObj = protMap.ContainsKey(LABEL_KID) ? protMap.get(LABEL_KID) : unprot.get(LABEL_KID);
        String kid = null;
        if (kidObj != null) {
            if (!isBytes(kidObj) || kidObj.GetByteString().length == 0 || kidObj.GetByteString().length > 256) {
                throw malformed("kid must be a non-empty byte string");
            }
            kid = printableOrBase64(kidObj.GetByteString());
        }
        return new CoseMessage(type, algorithm, kid, protMap.size() == 0 ? new byte[0] : protBytes,
                payload.GetByteString(), sig.GetByteString());
    }

    public Type type() {
        return type;
    }

    public TokenAlgorithm algorithm() {
        return algorithm;
    }

    /** The kid, as text if its bytes are printable ASCII, else base64url; null if absent. */
    public String kid() {
        return kid;
    }

    public byte[] payload() {
        return payload.clone();
    }

    byte[] payloadUnsafe() {
        return payload;
    }

    public byte[] signature() {
        return signature.clone();
    }

    byte[] signatureUnsafe() {
        return signature;
    }

    /** The exact bytes signed or MACed: {@code Sig_structure} or {@code MAC_structure}. */
    public byte[] toBeSigned(byte[] externalAad) {
        byte[] aad = externalAad == null ? new byte[0] : externalAad;
        byte[] context = type == Type.SIGN1 ? CONTEXT_SIGNATURE1 : CONTEXT_MAC0;
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 + protectedBytes.length + aad.length + payload.length);
        out.write(0x84); // array(4)
        head(out, 3, context.length);
        out.write(context, 0, context.length);
        head(out, 2, protectedBytes.length);
        out.write(protectedBytes, 0, protectedBytes.length);
        head(out, 2, aad.length);
        out.write(aad, 0, aad.length);
        head(out, 2, payload.length);
        out.write(payload, 0, payload.length);
        return out.toByteArray();
    }

    /** Checks the signature/MAC with {@code key}; false on any mismatch (including key/alg mismatch). */
    public boolean verify(Signatures signatures, Key key, byte[] externalAad) {
        byte[] tbs = toBeSigned(externalAad);
        return signatures.verify(algorithm, key, tbs, tbs.length, signature);
    }

    /** Writes a CBOR head (major type + definite length). */
    /**
     * Decodes a protected header bucket and checks both buckets the way every COSE message here is
     * checked (Sign1, Mac0 and Encrypt0): a map, no label in both, no {@code crit} (no extensions), and
     * {@code alg} never unprotected (RFC 9052 §3.1: there anyone could change it). Returns the protected map.
     */
    static CBORObject protectedHeaders(byte[] protBytes, CBORObject unprot) throws TokenRejectedException {
        CBORObject protMap = protBytes.length == 0 ? CBORObject.NewMap() : CborStrict.decode(protBytes, "protected header");
        if (protMap.isTagged() || protMap.getType() != CBORType.Map) {
            throw malformed("protected header is not a map");
        }
        Set<CBORObject> seen = new HashSet<>(protMap.getKeys());
        for (CBORObject k : unprot.getKeys()) {
            if (!seen.add(k)) {
                throw malformed("header label in both buckets");
            }
        }
        if (protMap.ContainsKey(LABEL_CRIT) || unprot.ContainsKey(LABEL_CRIT)) {
            throw malformed("crit header not supported");
        }
        if (unprot.ContainsKey(LABEL_ALG)) {
            throw malformed("alg must be in the protected header");
        }
        return protMap;
    }

    static void head(ByteArrayOutputStream out, int major, long len) {
        int mt = major << 5;
        if (len < 24) {
            out.write(mt | (int) len);
        } else if (len < 0x100) {
            out.write(mt | 24);
            out.write((int) len);
        } else if (len < 0x10000) {
            out.write(mt | 25);
            out.write((int) (len >>> 8));
            out.write((int) len);
        } else {
            out.write(mt | 26);
            for (int s = 24; s >= 0; s -= 8) {
                out.write((int) (len >>> s));
            }
        }
    }

    static String printableOrBase64(byte[] b) {
        for (byte x : b) {
            if (x < 0x21 || x > 0x7e) {
                return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static boolean isBytes(CBORObject o) {
        return o != null && !o.isTagged() && o.getType() == CBORType.ByteString;
    }

    private static TokenRejectedException malformed(String detail) {
        return new TokenRejectedException(RejectionReason.MALFORMED, detail);
    }
}

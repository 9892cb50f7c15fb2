package io.edgeauth.broker.token;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decodes a CWT (RFC 8392): a {@link CoseMessage} whose payload is a CBOR map of claims. Claim keys:
 * iss 1, sub 2, aud 3 (text or array of text), exp 4, nbf 5, iat 6 (integer or float NumericDate),
 * cti 7 (bytes; text if printable), cnf 8 (RFC 8747 {@code {3: kid}} read as {@code jkt} =
 * base64url(kid), or text keys {@code x5t#S256}/{@code jkt}), scope 9 (text, space-separated, or array
 * of text); broker claims as text keys {@code tenant_id}, {@code geo}, {@code region}, {@code owner}, {@code fleet_ca},
 * {@code act} ({@code {"sub": ...}} or {@code {2: ...}}), {@code parent_jti} (array of text). Unknown claims are ignored; a known claim of
 * the wrong type is {@code MALFORMED}. Stateless and thread-safe.
 */
final class CwtDecoder {
    static final int ISS = 1;
    static final int SUB = 2;
    static final int AUD = 3;
    static final int EXP = 4;
    static final int NBF = 5;
    static final int IAT = 6;
    static final int CTI = 7;
    static final int CNF = 8;
    static final int SCOPE = 9;
    static final int CNF_KID = 3;
    /** RFC 8747 §3.1: the holder's key by value. */
    static final int CNF_COSE_KEY = 1;
    /** Largest NumericDate we accept (year 9999): keeps every later computation far from overflow. */
    private static final long MAX_SECONDS = 253402300799L;

    private CwtDecoder() {
    }

    static DecodedToken decode(byte[] token) throws TokenRejectedException {
        CoseMessage msg = CoseMessage.decode(token);
        if (msg.kid() == null) {
            throw new TokenRejectedException(RejectionReason.MISSING_KID, "kid required");
        }
        CBORObject map = CborStrict.decode(msg.payloadUnsafe(), "CWT claims");
        if (map.isTagged() || map.getType() != CBORType.Map) {
            throw malformed("CWT claims are not a map");
        }
        byte[] tbs = msg.toBeSigned(null);
        return new DecodedToken(TokenFormat.CWT, msg.algorithm(), msg.kid(), tbs, tbs.length,
                msg.signatureUnsafe(), claims(map));
    }

    static RawClaims claims(CBORObject m) throws TokenRejectedException {
        return new RawClaims(text(at(m, ISS)), text(at(m, SUB)), textList(at(m, AUD)),
                date(at(m, EXP)), date(at(m, NBF)), date(at(m, IAT)), cti(at(m, CTI)),
                text(m.get("tenant_id")), scope(at(m, SCOPE)), geo(m.get("geo")),
                text(m.get("region")), cnf(at(m, CNF)), actor(m.get("act")), text(m.get("owner")),
                textList(m.get(JwtDecoder.PARENT_JTI)), text(m.get(JwtDecoder.FLEET_CA)));
    }

    private static final CBORObject[] INT_KEYS = new CBORObject[10];
    private static final CBORObject CNF_X5T = CBORObject.FromObject("x5t#S256");
    private static final CBORObject CNF_JKT = CBORObject.FromObject("jkt");

    static {
        for (int i = 0; i < INT_KEYS.length; i++) {
            INT_KEYS[i] = CBORObject.FromObject(i);
        }
    }

    /** Map lookup by integer key (never by array index). */
    private static CBORObject at(CBORObject map, int key) {
        return map.get(INT_KEYS[key]);
    }

    private static String text(CBORObject o) throws TokenRejectedException {
        if (o == null) {
            return null;
        }
        if (o.isTagged() || o.getType() != CBORType.TextString) {
            throw malformed("claim must be a text string");
        }
        return o.AsString();
    }

    /** The {@code geo} cells, an array of text (or one text); absent: none named (not region-restricted). */
    private static List<String> geo(CBORObject o) throws TokenRejectedException {
        if (o != null && !o.isTagged() && o.getType() == CBORType.Array && o.size() == 0) {
            throw GeoClaims.noCells();
        }
        return textList(o);
    }

    private static List<String> textList(CBORObject o) throws TokenRejectedException {
        List<String> out = new ArrayList<>();
        if (o == null) {
            return out;
        }
        if (!o.isTagged() && o.getType() == CBORType.Array) {
            for (int i = 0; i < o.size(); i++) {
                out.add(text(o.get(i)));
            }
        } else {
            out.add(text(o));
        }
        return out;
    }

    private static Set<String> scope(CBORObject o) throws TokenRejectedException {
        if (o == null) {
            return Set.of();
        }
        if (!o.isTagged() && o.getType() == CBORType.Array) {
            return new LinkedHashSet<>(textList(o));
        }
        return JwtDecoder.scope(text(o));
    }

    private static Instant date(CBORObject o) throws TokenRejectedException {
        if (o == null) {
            return null;
        }
        if (o.isTagged()) {
            throw malformed("NumericDate must be untagged");
        }
        long seconds;
        if (o.getType() == CBORType.Integer) {
            if (!o.CanValueFitInInt64()) {
                throw malformed("NumericDate out of range");
            }
            seconds = o.AsInt64Value();
        } else if (o.getType() == CBORType.FloatingPoint) {
            double d = o.AsDoubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d) || Math.abs(d) > MAX_SECONDS) {
                throw malformed("NumericDate out of range");
            }
            seconds = (long) Math.floor(d);
        } else {
            throw malformed("NumericDate must be a number");
        }
        if (Math.abs(seconds) > MAX_SECONDS) {
            throw malformed("NumericDate out of range");
        }
        return Instant.ofEpochSecond(seconds);
    }

    private static String cti(CBORObject o) throws TokenRejectedException {
        if (o == null) {
            return null;
        }
        if (!o.isTagged() && o.getType() == CBORType.ByteString) {
            return CoseMessage.printableOrBase64(o.GetByteString());
        }
        return text(o);
    }

    private static Confirmation cnf(CBORObject o) throws TokenRejectedException {
        if (o == null) {
            return Confirmation.NONE;
        }
        if (o.isTagged() || o.getType() != CBORType.Map) {
            throw malformed("cnf must be a map");
        }
        for (CBORObject member : o.getKeys()) {
            // as in JwtDecoder.cnf: a method the broker does not check (an Encrypted_COSE_Key, 2; ...) must not leave
            // the token a bearer token (tour J, J1); a COSE_Key is checked as its thumbprint (J7)
            if (!member.equals(CNF_X5T) && !member.equals(CNF_JKT) && !member.equals(INT_KEYS[CNF_KID])
                    && !member.equals(INT_KEYS[CNF_COSE_KEY])) {
                throw Confirmation.unchecked();
            }
        }
        String x5t = text(o.get(CNF_X5T));
        CBORObject coseKey = at(o, CNF_COSE_KEY);
        String jkt = CnfKeys.jkt(text(o.get(CNF_JKT)), coseKey == null ? null : CnfKeys.thumbprintOfCoseKey(coseKey));
        CBORObject kid = at(o, CNF_KID);
        if (jkt == null && kid != null) {
            if (kid.isTagged() || kid.getType() != CBORType.ByteString) {
                throw malformed("cnf kid must be a byte string");
            }
            jkt = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(kid.GetByteString());
        }
        Confirmation c = new Confirmation(x5t, jkt);
        if (c.isEmpty()) {
            throw Confirmation.unchecked();
        }
        return c;
    }

    private static String actor(CBORObject o) throws TokenRejectedException {
        if (o == null) {
            return null;
        }
        if (o.isTagged() || o.getType() != CBORType.Map) {
            throw malformed("act must be a map");
        }
        String sub = text(o.get("sub"));
        return sub != null ? sub : text(at(o, SUB));
    }

    private static TokenRejectedException malformed(String detail) {
        return new TokenRejectedException(RejectionReason.MALFORMED, detail);
    }
}

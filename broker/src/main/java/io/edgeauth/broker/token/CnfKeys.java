package io.edgeauth.broker.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.text.ParseException;
import java.util.Map;

/**
 * A {@code cnf} that carries the holder's public key by value (RFC 7800 §3.2 {@code jwk}, RFC 8747 §3.1 COSE_Key) is
 * checked as its RFC 7638 thumbprint ({@code jkt}): the key is the same whichever form names it, and the channel checks
 * compare thumbprints. Before tour J (J1, J7) such a {@code cnf} read as no binding at all, then as one the broker
 * could not check. Keys Nimbus refuses (an EC point off its curve, a private key) are malformed. Stateless.
 */
final class CnfKeys {
    // COSE_Key labels and values (RFC 9052 §7, RFC 9053 §7)
    private static final int KTY = 1;
    private static final int CRV = -1;
    private static final int X = -2;
    private static final int Y = -3;
    private static final int KTY_OKP = 1;
    private static final int KTY_EC2 = 2;

    private CnfKeys() {
    }

    /** The thumbprint of a {@code cnf.jwk}: a public EC, OKP or RSA key. */
    static String thumbprintOfJwk(Object jwk) throws TokenRejectedException {
        if (!(jwk instanceof Map<?, ?> map)) {
            throw malformed("cnf jwk must be an object");
        }
        try {
            @SuppressWarnings("unchecked")
            JWK key = JWK.parse((Map<String, Object>) map);
            if (key.isPrivate()) {
                throw malformed("cnf jwk holds a private key");
            }
            return key.computeThumbprint().toString();
        } catch (ParseException | JOSEException | ClassCastException e) {
            throw malformed("cnf jwk is no public key: " + e.getMessage());
        }
    }

    /** The thumbprint of a cnf COSE_Key: an EC2 key on P-256, P-384 or P-521, or an Ed25519 key, as the same JWK. */
    static String thumbprintOfCoseKey(CBORObject key) throws TokenRejectedException {
        if (key.isTagged() || key.getType() != CBORType.Map) {
            throw malformed("cnf COSE_Key must be a map");
        }
        try {
            int kty = intAt(key, KTY);
            int crv = intAt(key, CRV);
            Base64URL x = Base64URL.encode(bytesAt(key, X));
            JWK jwk;
            if (kty == KTY_EC2) {
                Curve curve = switch (crv) {
                    case 1 -> Curve.P_256;
                    case 2 -> Curve.P_384;
                    case 3 -> Curve.P_521;
                    default -> throw malformed("cnf COSE_Key: EC2 curve " + crv + " is not P-256, P-384 or P-521");
                };
                jwk = new ECKey.Builder(curve, x, Base64URL.encode(bytesAt(key, Y))).build();
            } else if (kty == KTY_OKP && crv == 6) {
                jwk = new OctetKeyPair.Builder(Curve.Ed25519, x).build();
            } else {
                throw malformed("cnf COSE_Key: key type " + kty + " with curve " + crv + " is no signature key here");
            }
            return jwk.computeThumbprint().toString();
        } catch (IllegalArgumentException | IllegalStateException | JOSEException e) {
            throw malformed("cnf COSE_Key is no public key: " + e.getMessage());
        }
    }

    /** The {@code jkt} a cnf names: its {@code jkt} member, its key's thumbprint, or both when they agree. */
    static String jkt(String member, String ofKey) throws TokenRejectedException {
        if (member != null && ofKey != null && !member.equals(ofKey)) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH, "cnf jkt and the key it carries differ");
        }
        return member != null ? member : ofKey;
    }

    private static int intAt(CBORObject map, int label) throws TokenRejectedException {
        CBORObject v = map.get(CBORObject.FromObject(label));
        if (v == null || v.isTagged() || v.getType() != CBORType.Integer || !v.CanValueFitInInt32()) {
            throw malformed("cnf COSE_Key: label " + label + " must be an integer");
        }
        return v.AsInt32Value();
    }

    private static byte[] bytesAt(CBORObject map, int label) throws TokenRejectedException {
        CBORObject v = map.get(CBORObject.FromObject(label));
        if (v == null || v.isTagged() || v.getType() != CBORType.ByteString) {
            throw malformed("cnf COSE_Key: label " + label + " must be a byte string");
        }
        return v.GetByteString();
    }

    private static TokenRejectedException malformed(String detail) {
        return new TokenRejectedException(RejectionReason.MALFORMED, detail);
    }
}

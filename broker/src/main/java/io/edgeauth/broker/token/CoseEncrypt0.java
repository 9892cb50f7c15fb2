package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.refusal.RejectionReason;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import com.upokecenter.numbers.EInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * COSE_Encrypt0 (RFC 9052 §5.2) with AES-GCM (RFC 9053 §4.1: alg 1, 2, 3 = A128GCM, A192GCM, A256GCM),
 * written by hand like {@link CoseMessage} (the project uses only COSE-Java's CBOR library, and its
 * Encrypt0Message accepts {@code alg} in the unprotected bucket): the header rules are
 * {@link CoseMessage#protectedHeaders}'s; partial IVs and detached ciphertext are refused, and the key
 * size is checked against the alg. Decoding goes through {@link CborStrict}. Stateless and thread-safe.
 */
final class CoseEncrypt0 {
    static final int TAG = 16;
    private static final CBORObject LABEL_ALG = CBORObject.FromObject(1);
    private static final CBORObject LABEL_KID = CBORObject.FromObject(4);
    private static final CBORObject LABEL_IV = CBORObject.FromObject(5);
    private static final CBORObject LABEL_PARTIAL_IV = CBORObject.FromObject(6);
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A decoded, not yet decrypted message. */
    record Parts(int alg, byte[] kid, byte[] protectedHeader, byte[] iv, byte[] ciphertext) {
        /** Key size in bytes that {@link #alg} needs. */
        int keyBytes() {
            return alg == 1 ? 16 : alg == 2 ? 24 : 32;
        }
    }

    private CoseEncrypt0() {
    }

    /** True if the bytes start with CBOR tag 16 (one byte: 0xd0). */
    static boolean looksLikeEncrypt0(byte[] bytes) {
        return bytes.length > 0 && (bytes[0] & 0xff) == 0xd0;
    }

    /** Encrypts {@code plaintext} under a 256-bit key: A256GCM, fresh 96-bit IV, kid in the unprotected bucket. */
    static byte[] encrypt(byte[] key, byte[] kid, byte[] plaintext) throws GeneralSecurityException {
        if (key.length != 32) {
            throw new IllegalArgumentException("A256GCM needs a 256-bit key");
        }
        byte[] protectedHeader = CBORObject.NewMap().Add(LABEL_ALG, 3).EncodeToBytes();
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, key, iv, protectedHeader, plaintext);
        CBORObject msg = CBORObject.NewArray().Add(protectedHeader)
                .Add(CBORObject.NewMap().Add(LABEL_KID, kid).Add(LABEL_IV, iv))
                .Add(ciphertext);
        return CBORObject.FromObjectAndTag(msg, TAG).EncodeToBytes();
    }

    /** Decodes the structure and headers; nothing is decrypted yet. */
    static Parts decode(byte[] bytes) throws TokenRejectedException {
        CBORObject msg = CborStrict.decode(bytes, "COSE_Encrypt0");
        EInteger[] tags = msg.GetAllTags();
        if (tags.length != 1 || !tags[0].equals(EInteger.FromInt32(TAG))) {
            throw malformed("not a tagged COSE_Encrypt0");
        }
        msg = msg.Untag();
        if (msg.getType() != CBORType.Array || msg.size() != 3) {
            throw malformed("not a COSE_Encrypt0 array");
        }
        CBORObject prot = msg.get(0);
        CBORObject unprot = msg.get(1);
        CBORObject ciphertext = msg.get(2);
        if (!isBytes(prot) || unprot.isTagged() || unprot.getType() != CBORType.Map || !isBytes(ciphertext)) {
            throw malformed("bad COSE_Encrypt0 structure (detached ciphertext is not supported)");
        }
        byte[] protBytes = prot.GetByteString();
        CBORObject protMap = CoseMessage.protectedHeaders(protBytes, unprot);
        CBORObject alg = protMap.get(LABEL_ALG);
        if (alg == null || alg.isTagged() || alg.getType() != CBORType.Integer || !alg.CanValueFitInInt32()
                || alg.AsInt32Value() < 1 || alg.AsInt32Value() > 3) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "COSE_Encrypt0 alg must be AES-GCM");
        }
        if (protMap.ContainsKey(LABEL_PARTIAL_IV) || unprot.ContainsKey(LABEL_PARTIAL_IV)) {
            throw malformed("partial IV not supported");
        }
        CBORObject iv = protMap.ContainsKey(LABEL_IV) ? protMap.get(LABEL_IV) : unprot.get(LABEL_IV);
        if (iv == null || !isBytes(iv) || iv.GetByteString().length != IV_BYTES) {
            throw malformed("IV must be 12 bytes");
        }
        CBORObject kid = protMap.ContainsKey(LABEL_KID) ? protMap.get(LABEL_KID) : unprot.get(LABEL_KID);
        if (kid != null && !isBytes(kid)) {
            throw malformed("kid must be a byte string");
        }
        return new Parts(alg.AsInt32Value(), kid == null ? null : kid.GetByteString(), protBytes, iv.GetByteString(),
                ciphertext.GetByteString());
    }

    /**
     * Decrypts with {@code key}; a failed tag check is {@code BAD_SIGNATURE} (a forgery), a key of the
     * wrong size for the alg {@code UNSUPPORTED_ALGORITHM}.
     */
    static byte[] decrypt(Parts parts, byte[] key) throws TokenRejectedException {
        if (key.length != parts.keyBytes()) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "alg does not fit the key");
        }
        try {
            return gcm(Cipher.DECRYPT_MODE, key, parts.iv(), parts.protectedHeader(), parts.ciphertext());
        } catch (AEADBadTagException e) {
            throw new TokenRejectedException(RejectionReason.BAD_SIGNATURE, TokenRejectedException.NOT_AUTHENTIC)
                    .auditDetail("ciphertext does not authenticate"); // answered as a forgery, told apart in the audit
        } catch (GeneralSecurityException e) {
            throw malformed("cannot decrypt");
        }
    }

    /** AES-GCM with the Enc_structure ["Encrypt0", protected, external_aad = h''] as additional data. */
    private static byte[] gcm(int mode, byte[] key, byte[] iv, byte[] protectedHeader, byte[] input)
            throws GeneralSecurityException {
        byte[] aad = CBORObject.NewArray().Add("Encrypt0").Add(protectedHeader).Add(new byte[0]).EncodeToBytes();
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
        c.updateAAD(aad);
        return c.doFinal(input);
    }

    private static boolean isBytes(CBORObject o) {
        return o != null && !o.isTagged() && o.getType() == CBORType.ByteString;
    }

    private static TokenRejectedException malformed(String detail) {
        return new TokenRejectedException(RejectionReason.MALFORMED, detail);
    }
}

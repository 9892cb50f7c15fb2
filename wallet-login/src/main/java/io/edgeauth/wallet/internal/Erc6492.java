package io.edgeauth.wallet.internal;

import io.edgeauth.wallet.SiweErrorCode;
import io.edgeauth.wallet.SiweException;
import java.util.Arrays;
import java.util.List;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Type;

/**
 * ERC-6492 wrapped signatures of contract wallets not deployed yet:
 * {@code abi.encode(address factory, bytes factoryCalldata, bytes signature) ++ magicBytes}. The ABI part is decoded by
 * web3j; anything it cannot decode, or that decodes to more bytes than it holds, is a malformed signature.
 */
public final class Erc6492 {
    /** The ERC's {@code magicBytes} suffix. */
    public static final byte[] MAGIC = Hex.decode("6492649264926492649264926492649264926492649264926492649264926492");

    /** The unwrapped parts: the call that deploys (or prepares) the wallet, and the wallet's own signature. */
    public record Wrapped(String target, byte[] data, byte[] signature) {
    }

    private Erc6492() {
    }

    /** True if {@code signature} ends with the magic suffix (then ecrecover must not be tried). */
    public static boolean isWrapped(byte[] signature) {
        return signature.length > MAGIC.length
                && Arrays.equals(signature, signature.length - MAGIC.length, signature.length, MAGIC, 0, MAGIC.length);
    }

    @SuppressWarnings("rawtypes")
    public static Wrapped unwrap(byte[] signature) throws SiweException {
        int bodyLength = signature.length - MAGIC.length;
        // address + two offsets + two lengths, every field one 32-byte word
        if (bodyLength < 5 * 32 || bodyLength % 32 != 0) {
            throw malformed("its ABI part is not a whole number of 32-byte words holding (address, bytes, bytes)");
        }
        // web3j's decoder trusts offsets and lengths (it reads past them or wraps around): bound them first
        long dataEnd = field(signature, bodyLength, 1);
        long sigEnd = field(signature, bodyLength, 2);
        if (!zero(signature, 0, 12) || dataEnd < 0 || sigEnd < 0) {
            throw malformed("its address, offsets or lengths do not fit inside it");
        }
        List<Type> parts;
        try {
            parts = FunctionReturnDecoder.decode(Hex.encode(Arrays.copyOf(signature, bodyLength)),
                    List.<TypeReference<Type>>of(cast(new TypeReference<Address>() { }),
                            cast(new TypeReference<DynamicBytes>() { }), cast(new TypeReference<DynamicBytes>() { })));
        } catch (RuntimeException e) {
            throw malformed("its ABI part does not decode as (address, bytes, bytes)");
        }
        if (parts.size() != 3) {
            throw malformed("its ABI part does not decode as (address, bytes, bytes)");
        }
        byte[] data = (byte[]) parts.get(1).getValue();
        byte[] inner = (byte[]) parts.get(2).getValue();
        if (data.length + inner.length > bodyLength) {
            throw malformed("its lengths point past its end");
        }
        return new Wrapped(((Address) parts.get(0)).getValue(), data, inner);
    }

    /** The end of the {@code index}-th head's dynamic field, or -1 when its offset or length leaves the body. */
    private static long field(byte[] b, int bodyLength, int index) {
        long offset = uint(b, 32 * index);
        if (offset < 96 || offset % 32 != 0 || offset + 32 > bodyLength) {
            return -1;
        }
        long length = uint(b, (int) offset);
        long end = offset + 32 + length;
        return length < 0 || end > bodyLength ? -1 : end;
    }

    /** A 32-byte big-endian word as a long, or -1 when it does not fit in 31 bits (no field is that large). */
    private static long uint(byte[] b, int at) {
        if (!zero(b, at, 28) || (b[at + 28] & 0x80) != 0) {
            return -1;
        }
        return ((b[at + 28] & 0xffL) << 24) | ((b[at + 29] & 0xffL) << 16) | ((b[at + 30] & 0xffL) << 8) | (b[at + 31] & 0xffL);
    }

    private static boolean zero(byte[] b, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static TypeReference<Type> cast(TypeReference<? extends Type> t) {
        return (TypeReference<Type>) (TypeReference<?>) t;
    }

    private static SiweException malformed(String why) {
        return new SiweException(SiweErrorCode.SIGNATURE_MALFORMED, "ERC-6492 signature: " + why);
    }
}

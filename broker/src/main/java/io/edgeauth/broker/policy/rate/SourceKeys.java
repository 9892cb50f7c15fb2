package io.edgeauth.broker.policy.rate;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The key a per-address budget counts a source under: an IPv4 address as it is, an IPv6 address by its /64. An IPv6
 * host is usually given a whole /64 and may send from any address in it, so a budget per full address let one host
 * take the next address of its prefix for each attempt: 30 attempts from one /64 all passed a bound of 3 a minute
 * (tour H, H3). A /64 shares one budget as the hosts behind one IPv4 NAT do. An IPv4-mapped IPv6 address counts as its
 * IPv4 address, and the loopback as itself.
 */
public final class SourceKeys {
    private SourceKeys() {
    }

    /** {@code source}'s key (null stays null). */
    public static InetAddress of(InetAddress source) {
        if (!(source instanceof Inet6Address) || source.isLoopbackAddress()) {
            return source;
        }
        byte[] b = source.getAddress();
        try {
            if (isIpv4Mapped(b)) {
                return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
            }
            byte[] prefix = new byte[16];
            System.arraycopy(b, 0, prefix, 0, 8);
            return InetAddress.getByAddress(prefix);
        } catch (UnknownHostException e) { // never for 4 or 16 bytes
            return source;
        }
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}

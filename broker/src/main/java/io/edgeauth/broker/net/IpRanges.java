package io.edgeauth.broker.net;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of IP addresses and CIDR ranges ({@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code 2001:db8::/32}), matched with
 * Netty's {@link IpSubnetFilterRule}. Only IP literals are read, never a host name (no lookup at start or per
 * request). Immutable, thread-safe.
 */
public final class IpRanges {
    private final List<IpSubnetFilterRule> rules;

    private IpRanges(List<IpSubnetFilterRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** @throws IllegalArgumentException naming the first entry that is not an IP address or CIDR range */
    public static IpRanges of(List<String> ranges) {
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String r : ranges) {
            rules.add(rule(r));
        }
        return new IpRanges(rules);
    }

    private static IpSubnetFilterRule rule(String range) {
        String text = range == null ? "" : range.strip();
        int slash = text.indexOf('/');
        String ip = slash < 0 ? text : text.substring(0, slash);
        boolean v4 = NetUtil.isValidIpV4Address(ip);
        if (!v4 && !NetUtil.isValidIpV6Address(ip)) {
            throw new IllegalArgumentException("expected an IP address or CIDR range (10.0.0.0/8), got '" + range + "'");
        }
        int max = v4 ? 32 : 128;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("expected a prefix length of 0 to " + max + ", got '" + range + "'");
        }
        return new IpSubnetFilterRule(NetUtil.createInetAddressFromIpAddressString(ip), prefix, IpFilterRuleType.ACCEPT);
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** Whether the IP literal {@code ip} is in one of the ranges (false for null or anything but a literal). */
    public boolean contains(String ip) {
        if (rules.isEmpty() || ip == null) {
            return false;
        }
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(ip);
        if (address == null) {
            return false;
        }
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(socket)) {
                return true;
            }
        }
        return false;
    }
}

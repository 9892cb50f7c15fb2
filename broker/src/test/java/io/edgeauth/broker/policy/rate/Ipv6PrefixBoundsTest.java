package io.edgeauth.broker.policy.rate;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.TokenRejectedException;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Per-address budgets count an IPv6 source by its /64 (tour H, H3): one host may send from any address of its /64, and
 * 30 attempts from 30 addresses of one /64 all passed a bound of 3 a minute. IPv4 and other prefixes are unchanged.
 */
class Ipv6PrefixBoundsTest {
    private static InetAddress at(String address) throws Exception {
        return InetAddress.getByName(address);
    }

    @Test
    void theConnectionGuardIsOneBudgetPerSlash64() throws Exception {
        LocalRateLimits limits = new LocalRateLimits(new LocalRateLimits.Settings(30, 3, 5, 1000, Duration.ofMinutes(1)));
        int admitted = 0;
        for (int i = 1; i <= 30; i++) {
            if (limits.tryConnect(null, at("2001:db8:1:2::" + Integer.toHexString(i)))) {
                admitted++;
            }
        }
        assertThat(admitted).as("30 addresses of one /64, 3 attempts a minute").isEqualTo(3);
        assertThat(limits.tryConnect(null, at("2001:db8:1:3::1"))).as("the next /64 has its own budget").isTrue();
        assertThat(limits.secondsUntilConnect(null, at("2001:db8:1:2:ffff::9"))).isPositive();
        for (int i = 1; i <= 3; i++) {
            assertThat(limits.tryConnect(null, at("192.0.2." + i))).as("IPv4 sources are counted each as before").isTrue();
        }
    }

    @Test
    void theTokenEndpointsAddressBoundLikewise() throws Exception {
        TokenRequestLimits limits = new TokenRequestLimits(new TokenRequestLimits.Settings(20, 20, 60, 60, 3), 1000);
        int admitted = 0;
        for (int i = 1; i <= 30; i++) {
            try {
                limits.takeRequest(at("2001:db8:1:2::" + Integer.toHexString(i)));
                admitted++;
            } catch (TokenRejectedException e) {
                assertThat(e.retryAfterSeconds()).isPositive();
            }
        }
        assertThat(admitted).isEqualTo(3);
    }

    @Test
    void keysAreTheSlash64TheIpv4OfAMappedAddressAndTheLoopbackItself() throws Exception {
        assertThat(SourceKeys.of(at("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))).isEqualTo(at("2001:db8:1:2::"));
        assertThat(SourceKeys.of(at("::ffff:192.0.2.7"))).isEqualTo(at("192.0.2.7"));
        assertThat(SourceKeys.of(at("::1"))).isEqualTo(at("::1"));
        assertThat(SourceKeys.of(at("192.0.2.7"))).isEqualTo(at("192.0.2.7"));
        assertThat(SourceKeys.of(null)).isNull();
    }
}

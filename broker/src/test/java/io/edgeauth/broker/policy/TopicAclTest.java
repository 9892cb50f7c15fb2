package io.edgeauth.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.PrincipalKind;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicAclTest {

    private static DeviceSession session(String principal, Set<String> owned, Set<String> scope) {
        return session(owned.isEmpty() ? PrincipalKind.DEVICE : PrincipalKind.WALLET, principal, owned, scope);
    }

    private static DeviceSession session(PrincipalKind kind, String principal, Set<String> owned, Set<String> scope) {
        Instant now = Instant.now();
        VerifiedToken t = new VerifiedToken(TokenFormat.JWT, "iss", principal, List.of(), now, null, now.plusSeconds(60),
                null, "k", "t", scope, List.of(), null, null, null, null, "fp");
        return new DeviceSession(kind, principal, "t", t, owned, "default", null);
    }

    @Test
    void deviceOwnsItsUpAndDownTopicsOnly() {
        TopicAcl acl = session("pump-7", Set.of(), Set.of()).topicAcl();
        assertThat(acl.mayPublish("d/pump-7/up/temp")).isTrue();
        assertThat(acl.mayPublish("d/pump-7/up")).isTrue();
        assertThat(acl.mayPublish("d/pump-7/down/cmd")).isFalse();
        assertThat(acl.mayPublish("d/pump-77/up/temp")).isFalse();
        assertThat(acl.mayPublish("d/pump-7/upper")).isFalse();
        assertThat(acl.maySubscribe("d/pump-7/down/#")).isTrue();
        assertThat(acl.maySubscribe("d/pump-7/down/+")).isTrue();
        assertThat(acl.maySubscribe("d/pump-7/up/#")).isFalse();
        assertThat(acl.maySubscribe("d/+/down/#")).isFalse();
        assertThat(acl.maySubscribe("d/#")).isFalse();
    }

    @Test
    void ownerSeesOwnedDevicesOnlyAndIsNotADevice() {
        String did = "did:pkh:eip155:1:0xab5801a7d398351b8be11c439e05c5b3259aec9b";
        TopicAcl acl = session(did, Set.of("pump-1", "pump-2"), Set.of()).topicAcl();
        assertThat(acl.maySubscribe("d/pump-1/up/#")).isTrue();
        assertThat(acl.mayPublish("d/pump-2/down/cmd")).isTrue();
        assertThat(acl.mayPublish("d/pump-3/down/cmd")).isFalse();
        assertThat(acl.mayPublish("d/pump-1/up/t")).isFalse(); // owners command, devices report
        assertThat(acl.mayPublish("d/" + did + "/up/t")).isFalse();
    }

    @Test
    void scopeGrantsMoreWithinTheTenant() {
        TopicAcl acl = session("gw", Set.of(), Set.of("pub:site/+/alarm", "sub:site/#", "telemetry", "pub:bad/#/x")).topicAcl();
        assertThat(acl.mayPublish("site/a/alarm")).isTrue();
        assertThat(acl.maySubscribe("site/a/#")).isTrue();
        assertThat(acl.mayPublish("bad/y/x")).isFalse(); // invalid filters grant nothing
    }

    @Test
    void aWildcardGrantReachesNoDollarTopics() {
        // a sub:# grant matches no $-topic (MQTT 5 4.7.2), so subscribing to one must not pass as covered by it: a
        // publish grant of # already could not reach them, a subscribe grant could (tour AH, AH1)
        TopicAcl acl = session("gw", Set.of(), Set.of("sub:#", "sub:+/status", "pub:#")).topicAcl();
        assertThat(acl.maySubscribe("site/a/status")).isTrue();
        assertThat(acl.maySubscribe("$SYS/#")).isFalse();
        assertThat(acl.maySubscribe("$SYS/broker/load")).isFalse();
        assertThat(acl.maySubscribe("$x/status")).isFalse();
        assertThat(acl.mayPublish("$SYS/broker/load")).isFalse();
    }

    /** The ACL as the contract defines it: plain filter lists, matched one by one. */
    private static boolean referencePublish(String device, Set<String> owned, List<String> scopePub, String topic) {
        List<String> filters = new ArrayList<>(scopePub);
        filters.add("d/" + device + "/up/#");
        owned.forEach(o -> filters.add("d/" + o + "/down/#"));
        return filters.stream().anyMatch(f -> TopicFilters.matches(f, topic));
    }

    private static boolean referenceSubscribe(String device, Set<String> owned, List<String> scopeSub, String filter) {
        List<String> grants = new ArrayList<>(scopeSub);
        grants.add("d/" + device + "/down/#");
        owned.forEach(o -> grants.add("d/" + o + "/up/#"));
        return grants.stream().anyMatch(g -> TopicFilters.covers(g, filter));
    }

    @Test
    void agreesWithTheFilterListDefinitionOnRandomTopics() {
        Set<String> owned = Set.of("y", "z");
        TopicAcl acl = session(PrincipalKind.DEVICE, "x", owned, Set.of("pub:d/w/up", "sub:d/+/up/t")).topicAcl();
        String[] levels = {"d", "x", "y", "w", "up", "down", "t", "", "upx"};
        Random rnd = new Random(7);
        for (int n = 0; n < 100_000; n++) {
            int count = 1 + rnd.nextInt(5);
            StringBuilder topic = new StringBuilder();
            StringBuilder filter = new StringBuilder();
            for (int i = 0; i < count; i++) {
                String level = levels[rnd.nextInt(levels.length)];
                topic.append(i > 0 ? "/" : "").append(level);
                int w = rnd.nextInt(8);
                String fl = w == 0 ? "+" : w == 1 && i == count - 1 ? "#" : level;
                filter.append(i > 0 ? "/" : "").append(fl);
            }
            String t = topic.toString();
            String f = filter.toString();
            assertThat(acl.mayPublish(t)).as("publish %s", t)
                    .isEqualTo(referencePublish("x", owned, List.of("d/w/up"), t));
            assertThat(acl.maySubscribe(f)).as("subscribe %s", f)
                    .isEqualTo(referenceSubscribe("x", owned, List.of("d/+/up/t"), f));
        }
    }
}

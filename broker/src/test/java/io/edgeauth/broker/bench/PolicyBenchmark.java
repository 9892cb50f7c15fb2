package io.edgeauth.broker.bench;

import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.policy.TopicFilters;
import io.edgeauth.broker.router.PublishResult;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.testsupport.CountingSubscriber;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Hot paths of the per-message policy: the topic ACL (a device's own topic, cached and not; an owner of
 * 100 devices; a refusal) beside one bare {@link TopicFilters#matches} as the floor, and the router's
 * match and fan-out in a tenant of 10,000 device subscriptions plus one {@code d/+/up/#} backend.
 * Topics cycle through 4,096 pre-built strings so the JIT cannot constant-fold them.
 * Run: {@code bench/jmh broker PolicyBenchmark -f 1 -wi 3 -i 5 -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyBenchmark {
    private static final int N = 4096;
    private static final byte[] PAYLOAD = new byte[64];

    private final String[] sameTopic = new String[N];
    private final String[] ownTopics = new String[N];
    private final String[] ownedTopics = new String[N];
    private final String[] deviceUpTopics = new String[N];
    private TopicAcl device;
    private TopicAcl owner;
    private TopicRouter router;
    private int i;

    private static DeviceSession session(String principal, Set<String> owned) {
        Instant now = Instant.now();
        VerifiedToken t = new VerifiedToken(TokenFormat.JWT, "bench", principal, List.of(), now, null,
                now.plusSeconds(3600), null, "k", "t", Set.of(), List.of(), null, null, null, null, "bench");
        return new DeviceSession(owned.isEmpty() ? io.edgeauth.broker.auth.PrincipalKind.DEVICE
                : io.edgeauth.broker.auth.PrincipalKind.WALLET, principal, "t", t, owned, "default", null);
    }

    @Setup
    public void setUp() {
        Set<String> owned = new HashSet<>();
        for (int d = 0; d < 100; d++) {
            owned.add("pump-" + d);
        }
        device = session("pump-7", Set.of()).topicAcl();
        owner = session("did:pkh:eip155:1:0xab5801a7d398351b8be11c439e05c5b3259aec9b", owned).topicAcl();
        for (int k = 0; k < N; k++) {
            sameTopic[k] = new String("d/pump-7/up/temp"); // equal, not identical: as decoded from the wire
            ownTopics[k] = "d/pump-7/up/sensor" + k;
            ownedTopics[k] = "d/pump-" + (k % 100) + "/down/cmd";
            deviceUpTopics[k] = "d/dev" + (k % 10_000) + "/up/temp";
        }
        router = new TopicRouter(1000, null);
        CountingSubscriber sink = new CountingSubscriber();
        for (int d = 0; d < 10_000; d++) {
            router.subscribe("t", "d/dev" + d + "/down/#", 1, sink);
        }
        router.subscribe("t", "d/+/up/#", 1, sink);
    }

    private int next() {
        i = (i + 1) & (N - 1);
        return i;
    }

    @Benchmark
    public boolean bareFilterMatch() {
        return TopicFilters.matches("d/pump-7/up/#", ownTopics[next()]);
    }

    @Benchmark
    public boolean aclDeviceSameTopic() {
        return device.mayPublish(sameTopic[next()]);
    }

    @Benchmark
    public boolean aclDeviceRotatingTopics() {
        return device.mayPublish(ownTopics[next()]);
    }

    @Benchmark
    public boolean aclOwnerOf100Devices() {
        return owner.mayPublish(ownedTopics[next()]);
    }

    @Benchmark
    public boolean aclRefused() {
        return device.mayPublish(ownedTopics[next()]);
    }

    @Benchmark
    public PublishResult routerPublishAmong10kSubscriptions() {
        return router.publish("t", deviceUpTopics[next()], PAYLOAD, 0, false, List.of(), "bench");
    }
}

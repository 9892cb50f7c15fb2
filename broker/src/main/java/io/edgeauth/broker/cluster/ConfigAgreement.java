package io.edgeauth.broker.cluster;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.health.BuildInfo;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.Range;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings every node of a cluster must share, compared across the live nodes: the issuer ({@code publicUrl}),
 * the token audiences, the tenants (with their security switches and a fingerprint of the HS256 secret, never the
 * secret), the trusted issuers, the rate plans, {@code tokens.maxLifetime} and {@code tokens.clockLeeway}. A node
 * with another issuer refuses the others' tokens and they refuse its; one without a tenant serves none of its keys;
 * a rate plan one node lacks gives its devices the default plan there. Each node publishes its own (plan limits and
 * issuer lists as digests) with its node id at start and every {@link #PERIOD_SECONDS} s, and warns, naming the node
 * and the settings, when a live node's differ; {@code edgeauth_cluster_config_mismatches} counts such nodes. A
 * warning, not a refusal: a rolling change of these settings passes through a mixed cluster. The record also carries
 * the node's {@link BuildInfo build}, not a setting to agree on: a node that sees a live node of another build warns
 * once, naming both builds, since old and new nodes may not do everything together (docs/upgrading.md; tour U, U10).
 */
final class ConfigAgreement implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigAgreement.class);
    static final String KEY = RedisStore.PREFIX + "node-config";
    /** The field of the record naming the node's build (absent in the records of builds before 2026-12-07). */
    static final String BUILD = "build";
    private static final long PERIOD_SECONDS = 30;

    private final String self;
    private final JsonObject facts;
    private final Clock clock;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "edgeauth-config-agreement");
        t.setDaemon(true);
        return t;
    });
    private volatile int mismatches;
    private volatile String reported = "";
    private volatile String reportedBuilds = "";

    ConfigAgreement(RedisStore store, String self, Map<String, String> facts, Clock clock, MeterRegistry meters) {
        this.self = self;
        this.facts = new JsonObject(new TreeMap<>(facts));
        this.clock = clock;
        this.connection = store.connectOwn();
        Gauge.builder("edgeauth.cluster.config.mismatches", this, a -> a.mismatches)
                .description("live nodes whose issuer, audiences, tenants, trusted issuers, rate plans or token"
                        + " lifetimes differ from this node's").register(meters);
    }

    /** The settings of {@code config} all nodes must share: readable where short, digests where long. */
    static Map<String, String> of(BrokerConfig config) {
        Map<String, String> facts = new TreeMap<>();
        facts.put(BUILD, BuildInfo.current().describe());
        facts.put("publicUrl", String.valueOf(config.publicUrl()));
        facts.put("tokens.audiences", String.valueOf(new TreeSet<>(config.acceptedAudiences())));
        facts.put("tenants", digest(config.tenants().stream().map(t -> t.id() + "|" + t.issuer() + "|"
                + t.algorithm()).sorted().toList().toString()));
        facts.put("trustedIssuers", digest(config.trustedIssuers().stream().map(i -> i.issuer()).sorted().toList()
                .toString()));
        facts.put("ratePlans", digest(new TreeMap<>(config.ratePlans()) + "|" + config.defaultRatePlan()));
        // a node accepting longer tokens (or more leeway) enforces another expiry; the switches change what is refused
        facts.put("tokens.maxLifetime", String.valueOf(config.tokens().maxLifetime()));
        facts.put("tokens.clockLeeway", String.valueOf(config.tokens().clockLeeway()));
        facts.put("tenants.security", digest(config.tenants().stream().map(t -> t.id() + "|"
                + t.requireSignedTelemetry() + "|" + t.encryptTokens() + "|" + new TreeSet<>(t.selfServiceScopes()) + "|"
                + (t.hs256Secret() == null ? "" : digest(t.hs256Secret()))).sorted().toList().toString()));
        return facts;
    }

    /** Publishes this node's settings and compares now (so a mismatch is in the start-up log), then periodically. */
    void start() {
        check();
        timer.scheduleWithFixedDelay(this::check, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    private void check() {
        try {
            RedisCommands<String, byte[]> redis = connection.sync();
            redis.hset(KEY, self, facts.encode().getBytes(StandardCharsets.UTF_8));
            List<String> differing = new ArrayList<>();
            List<String> otherBuilds = new ArrayList<>();
            int count = 0;
            for (byte[] member : redis.zrangebyscore(RouteTable.NODES, Range.create(clock.millis(), Double.MAX_VALUE))) {
                String node = new String(member, StandardCharsets.UTF_8);
                byte[] theirs = node.equals(self) ? null : redis.hget(KEY, node);
                if (theirs == null) {
                    continue; // this node, or one of a version that does not publish them
                }
                JsonObject record = new JsonObject(new String(theirs, StandardCharsets.UTF_8));
                if (!facts.getValue(BUILD).equals(record.getValue(BUILD))) {
                    otherBuilds.add(node + " runs " + record.getString(BUILD, "a build before 2026-12-07 (which does not say)"));
                }
                List<String> names = differences(record);
                if (!names.isEmpty()) {
                    count++;
                    differing.add(node + " (" + String.join(", ", names) + ")");
                }
            }
            mismatches = count;
            reportBuilds(String.join("; ", otherBuilds));
            String now = String.join("; ", differing);
            if (!now.equals(reported)) {
                reported = now;
                if (now.isEmpty()) {
                    LOG.info("cluster settings: every live node now has this node's issuer, audiences, tenants,"
                            + " trusted issuers, rate plans and token lifetimes");
                } else {
                    LOG.warn("cluster settings differ from this node's on {}: every node needs the same publicUrl,"
                            + " token audiences, tenants (and their switches), trusted issuers, rate plans, token"
                            + " maxLifetime and clockLeeway (tokens of one are refused by the other, devices get another"
                            + " plan or rule); fine only during a rolling change", now);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("cluster settings not compared this time: {}", e.toString());
        }
    }

    /** Once per change: a mixed cluster is expected during a rolling upgrade, not for long. */
    private void reportBuilds(String now) {
        if (now.equals(reportedBuilds)) {
            return;
        }
        reportedBuilds = now;
        if (now.isEmpty()) {
            LOG.info("cluster builds: every live node now runs this node's build {}", facts.getValue(BUILD));
        } else {
            LOG.warn("cluster of mixed builds: {}; this node {} runs {}. Fine only during a rolling upgrade: old and new"
                    + " nodes may not do everything together (see docs/upgrading.md)", now, self, facts.getValue(BUILD));
        }
    }

    private List<String> differences(JsonObject theirs) {
        List<String> names = new ArrayList<>();
        for (String name : facts.fieldNames()) {
            if (name.equals(BUILD)) {
                continue; // not a setting: reported on its own (reportBuilds)
            }
            // a setting an older node does not publish is not a difference: a rolling upgrade warns of nothing
            if (theirs.containsKey(name) && !facts.getValue(name).equals(theirs.getValue(name))) {
                names.add(name.equals("publicUrl") ? "publicUrl " + theirs.getValue(name) : name);
            }
        }
        return names;
    }

    private static String digest(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            connection.sync().hdel(KEY, self);
        } catch (RuntimeException e) {
            LOG.debug("node settings left in Redis: {}", e.toString());
        }
        connection.close();
    }
}

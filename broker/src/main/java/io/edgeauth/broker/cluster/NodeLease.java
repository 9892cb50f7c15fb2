package io.edgeauth.broker.cluster;

import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who holds this node's id: the key {@code ea:node-owner:<id>} holds a random token of this process, set with a
 * time to live of {@link #OWNER_TTL} and renewed with the node's lease (once a second). Two processes with one id
 * would share one inbox and each lose what the other reads, so a process refuses to start while the key holds
 * another token that is still being renewed. The rule that tells a crashed previous run from a live twin: a
 * crashed run stops renewing, so its key is gone at most {@link #OWNER_TTL} after its last renewal; a live one
 * renews it every second. A start that finds another token waits until that key would have expired (at most
 * {@link #OWNER_TTL} plus a second): gone, the id is free; still there, another process renewed it and the start is
 * refused. A clean stop deletes the key, so a restart does not wait. Thread-safe after construction.
 */
final class NodeLease {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLease.class);
    static final Duration OWNER_TTL = Duration.ofSeconds(5);
    /** Takes or renews the key for this token; else the remaining time to live of the other token's (0 or more). */
    private static final String CLAIM = "local held = redis.call('GET', KEYS[1])"
            + " if held and held ~= ARGV[1] then return math.max(0, redis.call('PTTL', KEYS[1])) end"
            + " redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return -1";
    /** Clean stop: the key goes and the lease ends now (not deleted: its persistent sessions' routes stay). */
    private static final String END = "local held = redis.call('GET', KEYS[1])"
            + " if held and held ~= ARGV[1] then return 0 end"
            + " redis.call('DEL', KEYS[1]) redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[3]) return 1";

    private final String self;
    private final String key;
    private final String token;
    private final Path idFile;
    private volatile boolean twinReported;

    /** @param idFile where an id not set in the config is kept (named in the refusal) */
    NodeLease(String self, Path idFile) {
        this.self = self;
        this.key = RedisStore.PREFIX + "node-owner:" + self;
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random);
        this.idFile = idFile;
    }

    /** At start, before this node uses its id: takes it, or throws when another live process holds it. */
    void claim(RedisCommands<String, byte[]> redis) {
        long deadline = System.nanoTime() + OWNER_TTL.plusSeconds(1).toNanos();
        boolean waited = false;
        while (true) {
            long other = claimOnce(redis);
            if (other < 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node id " + self + " is in use by another live process (it renewed"
                        + " the id's lease in Redis within the last " + OWNER_TTL.toSeconds() + " s): two nodes with one"
                        + " id share one inbox and lose messages. If this node's data directory is a copy of another"
                        + " node's, delete its node-id file (" + idFile + ") so it makes a new id; if the id is set"
                        + " (store.nodeId, EDGEAUTH_STORE_NODE_ID), set another one. A node restarting after a crash"
                        + " is not refused: it waits until its previous run's lease is " + OWNER_TTL.toSeconds()
                        + " s old.");
            }
            if (!waited) {
                waited = true;
                LOG.info("node id {} was held by another process {} ms ago: waiting up to {} s to see whether it still"
                        + " renews it (a live twin) or not (this node's crashed previous run)", self,
                        OWNER_TTL.toMillis() - other, OWNER_TTL.plusSeconds(1).toSeconds());
            }
            sleep(Math.min(250, other + 50));
        }
    }

    /** With each lease renewal: keeps the key; says once (an error) when another process took the id meanwhile. */
    void renew(RedisCommands<String, byte[]> redis) {
        if (claimOnce(redis) >= 0) {
            if (!twinReported) {
                twinReported = true;
                LOG.error("node id {} is now held by another process (one started while this node could not renew"
                        + " its lease): both share one inbox and lose messages; stop one, and give it another id"
                        + " (delete its node-id file, or set another store.nodeId)", self);
            }
        } else {
            twinReported = false;
        }
    }

    /** At a clean stop: this node's lease ends now, and its id is free at once. */
    void end(RedisCommands<String, byte[]> redis, long nowMillis) {
        redis.eval(END, ScriptOutputType.INTEGER, new String[] {key, RouteTable.NODES}, bytes(token),
                bytes(Long.toString(nowMillis - 1)), bytes(self));
    }

    private long claimOnce(RedisCommands<String, byte[]> redis) {
        Long other = redis.eval(CLAIM, ScriptOutputType.INTEGER, new String[] {key}, bytes(token),
                bytes(Long.toString(OWNER_TTL.toMillis())));
        return other == null ? -1 : other;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(Math.max(10, millis)); // waiting for a crashed run's key to expire
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for node id to be free", e);
        }
    }
}

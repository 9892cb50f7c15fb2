package io.edgeauth.broker.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code store.*} part of {@link ConfigValidator}: a Redis setting is refused unless it can work. */
final class StoreSettingsCheck {
    static final Set<String> OUTAGE_POLICIES = Set.of("fail-closed", "fail-open-revocations");
    /** scheme, authority (hosts, maybe userinfo), the rest (/db, #sentinel master). */
    private static final Pattern URI = Pattern.compile("(redis|rediss|redis-sentinel|rediss-sentinel)://([^/#?]+)(/\\d{1,2})?(#[A-Za-z0-9_.-]{1,64})?");
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9_.-]{1,253})(:\\d{1,5})?");

    private StoreSettingsCheck() {
    }

    static void check(List<String> errors, BrokerConfig c) {
        check(errors, c.store());
        if (c.store() != null && "redis".equals(c.store().type()) && c.publicUrl().isEmpty()) {
            // without a public URL each node names itself http://localhost:<port> as issuer and audience,
            // and no other node would accept its tokens
            boolean issuers = c.tenants().stream().allMatch(t -> t.issuer() != null && !t.issuer().isBlank());
            boolean audiences = c.tokens().audiences() != null && !c.tokens().audiences().isEmpty();
            if (!issuers || !audiences) {
                errors.add("publicUrl: store.type redis runs several nodes that must accept each other's tokens:"
                        + " set publicUrl (the address clients use, the same on every node), or every"
                        + " tenants[].issuer and tokens.audiences");
            }
        }
    }

    /** WAIT: a count a deployment can have, and a timeout the command timeout leaves room for. */
    private static void waitSettings(List<String> errors, BrokerConfig.Store s) {
        if (s.redisWaitReplicas() < 0 || s.redisWaitReplicas() > 32) {
            errors.add("store.redisWaitReplicas: expected 0 to 32, got " + s.redisWaitReplicas());
        } else if (s.redisWaitReplicas() > 0 && s.type().equals("embedded")) {
            errors.add("store.redisWaitReplicas: only used with store.type redis (the embedded store has no replicas)");
        }
        Duration t = s.redisWaitTimeout();
        if (t == null || t.compareTo(Duration.ofMillis(10)) < 0 || s.redisTimeout() != null && t.compareTo(s.redisTimeout()) >= 0) {
            errors.add("store.redisWaitTimeout: expected 10ms up to less than store.redisTimeout (" + Durations.format(s.redisTimeout())
                    + ": the WAIT command itself must answer within it), got " + Durations.format(t));
        }
    }

    static void check(List<String> errors, BrokerConfig.Store s) {
        if (s == null || !Set.of("embedded", "redis").contains(s.type())) {
            errors.add("store.type: expected embedded or redis, got '" + (s == null ? null : s.type()) + "'");
            return;
        }
        if (s.redisTimeout() == null || s.redisTimeout().compareTo(Duration.ofMillis(100)) < 0
                || s.redisTimeout().compareTo(Duration.ofSeconds(60)) > 0) {
            errors.add("store.redisTimeout: expected 100ms to 60s, got " + Durations.format(s.redisTimeout()));
        }
        if (s.changeStreamLength() < 1000 || s.changeStreamLength() > 10_000_000) {
            errors.add("store.changeStreamLength: expected 1000 to 10000000, got " + s.changeStreamLength());
        }
        if (s.nodeId() != null && !s.nodeId().isEmpty() && !NODE_ID.matcher(s.nodeId()).matches()) {
            errors.add("store.nodeId: expected 1 to 64 of A-Z a-z 0-9 _ . - (or empty for a generated id), got '"
                    + printable(s.nodeId()) + "'");
        }
        if (s.inboxLength() < 1000 || s.inboxLength() > 10_000_000) {
            errors.add("store.inboxLength: expected 1000 to 10000000, got " + s.inboxLength());
        }
        if (s.nodeLease() == null || s.nodeLease().compareTo(Duration.ofSeconds(1)) < 0
                || s.nodeLease().compareTo(Duration.ofMinutes(10)) > 0) {
            errors.add("store.nodeLease: expected 1s to 10min, got " + Durations.format(s.nodeLease()));
        }
        waitSettings(errors, s);
        if (!OUTAGE_POLICIES.contains(s.onOutage())) {
            errors.add("store.onOutage: expected fail-closed or fail-open-revocations, got '" + s.onOutage() + "'");
        }
        if (s.type().equals("embedded")) {
            redisOnly(errors, s);
        }
        if (s.type().equals("redis")) {
            redisUri(errors, s.redisUri());
            if (s.redisUser() != null && !s.redisUser().isEmpty()
                    && (s.redisPassword() == null || s.redisPassword().isEmpty())) {
                errors.add("store.redisUser: an ACL user needs store.redisPassword");
            }
            if (s.keyEncryptionKeyFile() == null) {
                errors.add("store.keyEncryptionKeyFile: store.type redis shares the signing keys between nodes,"
                        + " encrypted under this key: a file with 32 random bytes in base64, the same on every node"
                        + " (head -c 32 /dev/urandom | base64 > kek && chmod 600 kek)");
            }
            if (s.redisTrustStore() != null && (s.redisUri() == null || !s.redisUri().startsWith("rediss"))) {
                errors.add("store.redisTrustStore: only used with TLS (a rediss:// or rediss-sentinel:// URI)");
            }
        }
    }

    /** With the embedded store these keys would be ignored: refused by name (values not echoed: some are secrets). */
    private static void redisOnly(List<String> errors, BrokerConfig.Store s) {
        String why = ": only used with store.type redis, and store.type is embedded (remove it or set store.type: redis)";
        if (s.keyEncryptionKeyFile() != null) {
            errors.add("store.keyEncryptionKeyFile" + why + "; embedded keys are files in dataDir");
        }
        if (s.redisUri() != null && !s.redisUri().isEmpty()) {
            errors.add("store.redisUri" + why);
        }
        if (s.redisUser() != null && !s.redisUser().isEmpty()) {
            errors.add("store.redisUser" + why);
        }
        if (s.redisPassword() != null && !s.redisPassword().isEmpty()) {
            errors.add("store.redisPassword" + why);
        }
        if (s.redisTrustStore() != null) {
            errors.add("store.redisTrustStore" + why);
        }
        if (s.nodeId() != null && !s.nodeId().isEmpty()) {
            errors.add("store.nodeId" + why + "; it names a node's routes and inbox in Redis");
        }
    }

    private static void redisUri(List<String> errors, String uri) {
        Matcher m = uri == null ? null : URI.matcher(uri);
        if (m == null || !m.matches()) {
            errors.add("store.redisUri: store.type redis needs redis://host:port[/db], rediss://host:port[/db] (TLS)"
                    + " or redis-sentinel://host:port,host:port[/db]#master, got '" + printable(uri) + "'");
            return;
        }
        String authority = m.group(2);
        if (authority.contains("@")) {
            errors.add("store.redisUri: no credentials in the URI (they end up in logs and process lists);"
                    + " set store.redisPassword (and store.redisUser for an ACL user)");
            return;
        }
        boolean sentinel = m.group(1).endsWith("-sentinel");
        String[] hosts = authority.split(",", -1);
        if (!sentinel && hosts.length > 1) {
            errors.add("store.redisUri: several hosts need the redis-sentinel:// scheme and #<master name>");
        }
        for (String h : hosts) {
            Matcher hp = HOST_PORT.matcher(h);
            if (!hp.matches() || hp.group(2) != null && Integer.parseInt(hp.group(2).substring(1)) > 65535) {
                errors.add("store.redisUri: '" + printable(h) + "' is not host[:port]");
            }
        }
        if (sentinel && m.group(4) == null) {
            errors.add("store.redisUri: a redis-sentinel:// URI must name the master after '#', e.g. #mymaster");
        }
        if (!sentinel && m.group(4) != null) {
            errors.add("store.redisUri: '#' names a Sentinel master; use redis-sentinel:// for Sentinel");
        }
    }

    /** A bounded, control-character-free echo of a bad value (it may come from the environment). */
    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String clipped = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        if (clipped.contains("@")) { // never echo what may be a password
            clipped = "<redacted>" + clipped.substring(clipped.lastIndexOf('@'));
        }
        return clipped.replaceAll("\\p{Cntrl}", "?");
    }
}

package io.edgeauth.broker;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.audit.AuditSink;
import io.edgeauth.broker.audit.ChainedAuditLog;
import io.edgeauth.broker.audit.RollingFileSink;
import io.edgeauth.broker.audit.anomaly.AnomalyWatch;
import io.edgeauth.broker.audit.anomaly.ImpossibleTravel;
import io.edgeauth.broker.audit.anomaly.RefusalBursts;
import io.edgeauth.broker.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;

/** Builds the broker's audit log from {@code audit.*} config: the sink, the chain, the anomaly watch. */
final class AuditSetup {
    private static final long TRACKED = 1_000_000;

    private AuditSetup() {
    }

    /**
     * The chained log on stdout or the configured rotating file, named {@code audit.node}, else {@code unnamed}'s
     * default (the node id where nodes share a store: host names repeat when several nodes run on one host, and
     * their chains then cannot be told apart in a merged file), else the host name.
     */
    public static ChainedAuditLog chain(BrokerConfig.Audit a, java.util.function.Supplier<String> unnamed, Clock clock) {
        AuditSink sink;
        if (a.file() == null) {
            sink = AuditSink.slf4j();
        } else {
            try {
                sink = new RollingFileSink(a.file(), a.maxFileSize(), a.maxHistory(), a.totalSizeCap());
            } catch (IOException e) {
                throw new UncheckedIOException("audit.file: " + e.getMessage(), e);
            }
        }
        String node = a.node().isEmpty() ? unnamed.get() : a.node();
        return new ChainedAuditLog(sink, new ChainedAuditLog.Settings(node == null ? hostName() : node, a.chain(),
                a.checkpointEvery()), clock);
    }

    /** {@link #chain} for {@code config}'s broker on {@code dataDir}: its node name as the broker names it. */
    public static ChainedAuditLog chain(BrokerConfig config, java.nio.file.Path dataDir, Clock clock) {
        return chain(config.audit(), () -> config.store().type().equals("redis")
                ? io.edgeauth.broker.cluster.NodeIdentity.resolve(config.store().nodeId(), dataDir) : null, clock);
    }

    /** {@code out} behind an anomaly watch as configured (either check may be off). */
    public static AuditLog withAnomalies(AuditLog out, BrokerConfig.Anomalies an, Clock clock) {
        ImpossibleTravel travel = an.maxTravelSpeedKmh() > 0 ? new ImpossibleTravel(an.maxTravelSpeedKmh(), TRACKED) : null;
        RefusalBursts bursts = an.refusalBurst() > 0 ? new RefusalBursts(an.refusalBurst(), an.refusalWindow(), TRACKED) : null;
        return travel == null && bursts == null ? out : new AnomalyWatch(out, travel, bursts, clock);
    }

    /**
     * Puts {@code audit} (the anomaly watch, if it is one: it owes the summaries of floods) in {@code closeables}
     * just before {@code chain}, so that what it writes at close is sealed by the chain's stop checkpoint.
     */
    public static void closeBefore(ChainedAuditLog chain, AuditLog audit, java.util.List<AutoCloseable> closeables) {
        if (audit instanceof AutoCloseable watch && audit != chain) {
            closeables.add(closeables.indexOf(chain), watch);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "node";
        }
    }
}

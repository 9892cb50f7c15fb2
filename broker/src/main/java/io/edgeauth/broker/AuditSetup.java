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

    /** The chained log on stdout or the configured rotating file. */
    public static ChainedAuditLog chain(BrokerConfig.Audit a, Clock clock) {
        AuditSink sink;
        if (a.file() == null) {
            sink = AuditSink.slf4j();
        } else {
            try {
                sink = new RollingFileSink(a.file(), a.maxFileSize(), a.maxHistory());
            } catch (IOException e) {
                throw new UncheckedIOException("audit.file: " + e.getMessage(), e);
            }
        }
        return new ChainedAuditLog(sink, new ChainedAuditLog.Settings(nodeName(a.node()), a.chain(),
                a.checkpointEvery()), clock);
    }

    /** {@code out} behind an anomaly watch as configured (either check may be off). */
    public static AuditLog withAnomalies(AuditLog out, BrokerConfig.Anomalies an, Clock clock) {
        ImpossibleTravel travel = an.maxTravelSpeedKmh() > 0 ? new ImpossibleTravel(an.maxTravelSpeedKmh(), TRACKED) : null;
        RefusalBursts bursts = an.refusalBurst() > 0 ? new RefusalBursts(an.refusalBurst(), an.refusalWindow(), TRACKED) : null;
        return travel == null && bursts == null ? out : new AnomalyWatch(out, travel, bursts, clock);
    }

    private static String nodeName(String configured) {
        if (!configured.isEmpty()) {
            return configured;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "node";
        }
    }
}

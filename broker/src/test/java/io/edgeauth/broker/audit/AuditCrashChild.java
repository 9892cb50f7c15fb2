package io.edgeauth.broker.audit;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The process {@link AuditCrashTest} kills: writes audit events to a file as fast as it can, prints {@code ACK} once
 * a durable event's {@code record} has returned (the moment a broker would answer its caller), and goes on writing
 * until it is killed. usage: AuditCrashChild FILE
 */
public final class AuditCrashChild {
    private AuditCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        ChainedAuditLog log = new ChainedAuditLog(new RollingFileSink(Path.of(args[0]), "100MB", 0),
                new ChainedAuditLog.Settings("crash", true, 1000), Clock.systemUTC());
        for (int i = 0; i < 20_000; i++) {
            log.record("auth.accepted", "ok", Map.of("sub", "before-" + i));
        }
        log.record("device.provisioned", "ok", Map.of("device", "acknowledged-device"));
        System.out.println("ACK");
        System.out.flush();
        for (long i = 0; ; i++) {
            log.record("auth.accepted", "ok", Map.of("sub", "after-" + i, "padding", "x".repeat(200)));
        }
    }
}

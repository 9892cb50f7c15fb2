package io.edgeauth.broker;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.audit.ChainedAuditLog;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigException;
import io.edgeauth.broker.config.ConfigLoader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * {@code admin reset-credential}: a new admin credential in the data directory of a broker that is not running.
 * Refused while a broker holds the directory (the embedded store's lock, which it takes as a broker does), written in
 * one atomic move (the old credential or the new one, never none), audited as {@code admin.credential_reset} into
 * {@code audit.file} (the broker's own chain, continued; without {@code audit.file} the broker's audit goes to its
 * standard output, which a separate process cannot write into: not audited, and the command says so).
 * Exit codes: 0 reset, 1 refused (a broker holds the directory or its audit file), 2 a bad or missing config, no data
 * directory, or a write that failed.
 */
final class CredentialReset {
    private CredentialReset() {
    }

    static int run(Path configFile, PrintStream out, PrintStream err) {
        BrokerConfig cfg;
        try {
            cfg = new ConfigLoader().load(configFile);
        } catch (ConfigException e) {
            err.println("edgeauth: " + e.getMessage());
            return 2;
        }
        Path data = cfg.dataDir().toAbsolutePath();
        if (!Files.isDirectory(data)) {
            err.println("edgeauth: the data directory " + data + " does not exist: run this where the broker's data"
                    + " directory is (dataDir, default ./edgeauth-data), or name the broker's config with -c");
            return 2;
        }
        boolean embedded = !cfg.store().type().equals("redis");
        String credential;
        try (AutoCloseable held = embedded ? io.edgeauth.broker.store.MvStoreStore.holdLock(data.resolve("state.mv.db"))
                : () -> { }) {
            ChainedAuditLog audit = cfg.audit().file() == null ? null : AuditSetup.chain(cfg, data, Clock.systemUTC());
            try {
                credential = AdminCredential.reset(data);
                if (audit != null) {
                    audit.record("admin.credential_reset", "ok", Map.of("dataDir", data.toString(), "channel", "cli"));
                }
            } finally {
                if (audit != null) {
                    audit.close();
                }
            }
        } catch (IllegalStateException e) { // the store's lock, or the audit file's
            err.println("edgeauth: the admin credential was not reset: " + e.getMessage());
            return 1;
        } catch (UncheckedIOException e) {
            err.println("edgeauth: the admin credential was not reset: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("edgeauth: the admin credential was not reset: " + e);
            return 2;
        }
        if (cfg.audit().file() == null) {
            err.println("edgeauth: note: not audited: audit.file is not set (the broker's audit goes to its own"
                    + " standard output)");
        }
        if (!embedded) {
            err.println("edgeauth: note: with store.type redis the data directory has no lock: make sure no broker runs"
                    + " on " + data);
        }
        out.println("new admin credential (shown once): " + credential);
        return 0;
    }
}

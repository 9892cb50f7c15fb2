package io.edgeauth.broker;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.audit.Slf4jAuditLog;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.http.HttpApi;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.store.Store;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running broker: wires the store, registry, revocations, token authority, authentication
 * pipeline and the HTTP, MQTT and CoAP edges from a {@link BrokerConfig}. {@link #start} blocks until
 * every listener is bound (port 0 picks free ports; the getters tell which); {@link #close} stops all.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Vertx vertx;
    private BrokerConfig config;
    private Store store;
    private DeviceRegistry registry;
    private RevocationService revocations;
    private AdminCredential adminCredential;
    private PrometheusMeterRegistry meters;
    private HttpServer http;

    private Broker(BrokerConfig config) {
        this.config = config;
        this.vertx = Vertx.vertx();
        closeables.add(() -> await(vertx.close(), "Vert.x close"));
    }

    /** Starts a broker; on failure everything started so far is stopped again. */
    public static Broker start(BrokerConfig config) {
        Broker broker = new Broker(config);
        try {
            broker.startComponents();
            return broker;
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    private void startComponents() {
        Clock clock = Clock.systemUTC();
        Path dataDir = prepareDataDir(config.dataDir());
        meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AuditLog audit = new Slf4jAuditLog();
        store = new MvStoreStore(dataDir.resolve("state.mv.db"), clock);
        ownerOnly(dataDir.resolve("state.mv.db"));
        closeables.add(0, store);
        registry = new DeviceRegistry(store);
        revocations = new RevocationService(store, clock, config.tokens().maxLifetime(), config.tokens().clockLeeway());
        long pruneTimer = vertx.setPeriodic(60_000, id -> vertx.executeBlocking(() -> {
            revocations.prune();
            return store.prune(clock.instant());
        }));
        closeables.add(0, () -> vertx.cancelTimer(pruneTimer));
        adminCredential = AdminCredential.loadOrCreate(dataDir);

        HttpApi api = new HttpApi(vertx)
                .health(this::health)
                .metrics(meters)
                .admin(adminCredential, registry, new DeviceValidator(config, clock), revocations,
                        tenant -> {
                            throw new IllegalArgumentException("key rotation is not available yet");
                        }, audit);
        http = await(api.listen(config.http().host(), config.http().port()), "HTTP listener");
        closeables.add(0, () -> await(http.close(), "HTTP close"));
        if (config.publicUrl().isEmpty()) {
            config = config.withPublicUrl("http://localhost:" + http.actualPort());
        }
        LOG.info("broker started: http={} data={}", http.actualPort(), dataDir);
    }

    /** Waits for a start/stop step; a step that fails or hangs stops start-up with its name. */
    static <T> T await(io.vertx.core.Future<T> future, String what) {
        try {
            return future.await(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + " did not complete within 30 s", e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
        }
    }

    private JsonObject health() {
        return new JsonObject().put("status", "UP")
                .put("devices", registry.size())
                .put("revocations", revocations.size())
                .put("store", config.store().type());
    }

    private static void ownerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // non-POSIX file system: the data directory's own mode protects it
        }
    }

    private static Path prepareDataDir(Path dir) {
        try {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // non-POSIX file system
            }
            return dir.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dir, e);
        }
    }

    public BrokerConfig config() {
        return config;
    }

    public int httpPort() {
        return http.actualPort();
    }

    /** The admin credential if this start created it (first start), else empty. */
    public java.util.Optional<String> newAdminCredential() {
        return adminCredential.createdNow();
    }

    /** One line per listening edge, for the start-up banner. */
    public List<String> listenerSummary() {
        return List.of();
    }

    public DeviceRegistry registry() {
        return registry;
    }

    public RevocationService revocations() {
        return revocations;
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping", e);
            }
        }
        closeables.clear();
    }
}

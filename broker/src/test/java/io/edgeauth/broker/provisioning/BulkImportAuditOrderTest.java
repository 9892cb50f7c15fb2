package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour V, V6: an import line and a DELETE of the same id at once leave the audit trail's last event for the id
 * saying whether it exists. The import's event (recorded once its commit is durable) is held back until the DELETE
 * had every chance to run; a DELETE takes the id's turn as {@code AdminApi} does.
 */
class BulkImportAuditOrderTest {
    @TempDir
    Path dir;

    @Test
    void aDeleteRacingAnImportLineIsAuditedAfterTheImportsEvent() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T08:00:00Z"));
        List<String> trail = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> importEventHeld = new CompletableFuture<>();
        AuditLog audit = new AuditLog() {
            @Override
            public void record(String event, String outcome, Map<String, ?> fields) {
                trail.add(event);
            }

            @Override
            public CompletableFuture<Void> recordAsync(String event, String outcome, Map<String, ?> fields) {
                return importEventHeld.thenRunAsync(() -> trail.add(event)); // a slow audit file, a long commit
            }
        };
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            DeviceRegistry registry = new DeviceRegistry(store);
            DeviceValidator validator = new DeviceValidator(new ConfigLoader().load(null, Map.of()).tenantIds(),
                    java.util.Set.of("default"), clock);
            registry.register(new Device("imp-1", "default", new Device.Credential(Device.CredentialType.X5T_S256,
                    "A".repeat(43)), List.of(), null, null, clock.instant()));
            BulkImporter importer = new BulkImporter(validator, registry, audit);
            BulkImporter.Batch batch = importer.importLines(List.of(new BulkImporter.Line(1,
                    "{\"id\":\"imp-1\",\"x5tS256\":\"" + "B".repeat(43) + "\"}")), "test");
            assertThat(batch.outcomes().get(0).result()).isEqualTo(BulkImporter.Result.UPDATED);

            CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> registry.turns().run("imp-1", () -> {
                if (registry.delete("imp-1")) {
                    audit.record("device.deleted", "ok", Map.of("device", "imp-1"));
                }
                return CompletableFuture.completedFuture(null);
            }));
            try {
                delete.get(500, TimeUnit.MILLISECONDS); // done at once unless it waits for the import's event
            } catch (java.util.concurrent.TimeoutException waiting) {
                // waits for the import's event, as it must
            }
            importEventHeld.complete(null);
            batch.durable().get(5, TimeUnit.SECONDS);
            delete.get(5, TimeUnit.SECONDS);
            String last = trail.get(trail.size() - 1);
            assertThat(last).as("the trail %s against the device's existence", trail)
                    .isEqualTo(registry.find("imp-1").isPresent() ? "device.registered" : "device.deleted");
        }
    }
}

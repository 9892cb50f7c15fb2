package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.FullDiskFilePath;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registration the store refused (disk full: the caller is answered 503) leaves the running registry as it was:
 * not found, a retry creates it (not "exists"), a refused replacement leaves the old credential in force; listeners
 * told of the change are told of its undo (tour P, F3; tour O, F6).
 */
class RefusedRegistrationTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final BrokerConfig config = new ConfigLoader().load(null, Map.of());
    private final DeviceValidator validator = new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(), clock);

    private final List<MvStoreStore> opened = new ArrayList<>();

    @AfterEach
    void freeDisk() {
        FullDiskFilePath.full = false;
        opened.forEach(MvStoreStore::close);
    }

    private MvStoreStore closeLater(MvStoreStore store) {
        opened.add(store);
        return store;
    }

    private Device device(String id, char thumbprint) {
        return validator.validate(Map.of("id", id, "x5tS256", String.valueOf(thumbprint).repeat(43)));
    }

    @Test
    void aRegistrationRefusedOnAFullDiskIsNotKeptAndARetryCreatesIt() {
        try (MvStoreStore store = FullDiskFilePath.store(dir.resolve("state.mv.db"), clock)) {
            DeviceRegistry registry = new DeviceRegistry(store);
            registry.register(device("kept", 'K'));
            Device old = registry.find("kept").orElseThrow();

            FullDiskFilePath.full = true;
            assertThatThrownBy(() -> registry.register(device("ghost", 'G')))
                    .isInstanceOf(StoreUnavailableException.class);
            assertThat(registry.find("ghost")).as("refused with 503, so not registered").isEmpty();
            assertThatThrownBy(() -> registry.register(device("kept", 'N')))
                    .isInstanceOf(StoreUnavailableException.class);
            assertThat(registry.find("kept")).as("a refused PUT leaves the old credential").containsSame(old);
            assertThat(registry.registerIfAbsent(device("zero-touch", 'Z')))
                    .failsWithin(Duration.ofSeconds(30));
            assertThat(registry.find("zero-touch")).isEmpty();
            assertThat(registry.size()).isEqualTo(1);

            FullDiskFilePath.full = false;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                try {
                    registry.register(device("after", 'A'));
                } catch (StoreUnavailableException e) {
                    throw new AssertionError(e.getMessage(), e);
                }
            });
            assertThat(registry.registerIfAbsent(device("ghost", 'G')).join()).as("a retry creates it").isEmpty();
            assertThat(registry.registerIfAbsent(device("zero-touch", 'Z')).join()).isEmpty();
            assertThat(registry.find("kept")).containsSame(old);
        }
        try (MvStoreStore reopened = new MvStoreStore(dir.resolve("state.mv.db"), clock)) {
            DeviceRegistry registry = new DeviceRegistry(reopened);
            assertThat(registry.find("ghost")).isPresent();
            assertThat(registry.find("kept")).get().extracting(d -> d.credential().value()).isEqualTo("K".repeat(43));
        }
    }

    @Test
    void writesRefusedInAnyOrderUndoToTheLastRecordNotRefused() {
        for (boolean firstFailsFirst : new boolean[] {true, false}) {
            ManualFeed feed = new ManualFeed();
            MvStoreStore store = new MvStoreStore(dir.resolve(firstFailsFirst + ".mv.db"), clock);
            DeviceRegistry registry = new DeviceRegistry(store, feed);
            CompletableFuture<Void> a = registry.registerAsync(device("d", 'A'));
            CompletableFuture<Void> b = registry.registerAsync(device("d", 'B'));
            StoreUnavailableException full = new StoreUnavailableException("disk full", null);
            if (firstFailsFirst) {
                feed.writes.get(0).completeExceptionally(full);
                feed.writes.get(1).completeExceptionally(full);
            } else {
                feed.writes.get(1).completeExceptionally(full);
                feed.writes.get(0).completeExceptionally(full);
            }
            assertThat(a).failsWithin(Duration.ofSeconds(10));
            assertThat(b).failsWithin(Duration.ofSeconds(10));
            assertThat(registry.find("d")).as("both refused, first failing first: " + firstFailsFirst).isEmpty();
            assertThat(registry.size()).isZero();
            store.close();
        }
    }

    @Test
    void aRefusedReplacementAfterADurableOneGoesBackToIt() {
        ManualFeed feed = new ManualFeed();
        MvStoreStore store = closeLater(new MvStoreStore(dir.resolve("s.mv.db"), clock));
        DeviceRegistry registry = new DeviceRegistry(store, feed);
        List<DeviceRegistry.AccessChange> told = new CopyOnWriteArrayList<>();
        registry.onAccessChange(told::add);
        CompletableFuture<Void> a = registry.registerAsync(device("d", 'A'));
        CompletableFuture<Void> b = registry.registerAsync(device("d", 'B'));
        Device newer = registry.find("d").orElseThrow();
        feed.writes.get(0).complete(null);
        feed.writes.get(1).completeExceptionally(new StoreUnavailableException("disk full", null));
        assertThat(a).succeedsWithin(Duration.ofSeconds(10));
        assertThat(b).failsWithin(Duration.ofSeconds(10));
        assertThat(registry.find("d")).get().extracting(d -> d.credential().value()).isEqualTo("A".repeat(43));
        assertThat(told).as("the change, then its undo").hasSize(2);
        assertThat(told.get(1).before()).isSameAs(newer);
        assertThat(told.get(1).after().credential().value()).isEqualTo("A".repeat(43));
    }

    @Test
    void aRefusedWriteThatANewerOneReplacedIsNotUndone() {
        ManualFeed feed = new ManualFeed();
        MvStoreStore store = closeLater(new MvStoreStore(dir.resolve("s.mv.db"), clock));
        DeviceRegistry registry = new DeviceRegistry(store, feed);
        CompletableFuture<Void> a = registry.registerAsync(device("d", 'A'));
        CompletableFuture<Void> b = registry.registerAsync(device("d", 'B'));
        feed.writes.get(1).complete(null);
        feed.writes.get(0).completeExceptionally(new StoreUnavailableException("disk full", null));
        assertThat(a).failsWithin(Duration.ofSeconds(10));
        assertThat(b).succeedsWithin(Duration.ofSeconds(10));
        assertThat(registry.find("d")).get().extracting(d -> d.credential().value()).isEqualTo("B".repeat(43));
    }

    @Test
    void aRefusedReplacementIsUndoneEvenWhenAListenerOfTheChangeFailed() {
        ManualFeed feed = new ManualFeed();
        MvStoreStore store = closeLater(new MvStoreStore(dir.resolve("s.mv.db"), clock));
        DeviceRegistry registry = new DeviceRegistry(store, feed);
        CompletableFuture<Void> a = registry.registerAsync(device("d", 'A'));
        feed.writes.get(0).complete(null);
        assertThat(a).succeedsWithin(Duration.ofSeconds(10));
        // the access re-evaluation's revocation fails on the same full disk
        registry.onAccessChange(c -> {
            throw new StoreUnavailableException("disk full", null);
        });
        CompletableFuture<Void> b = registry.registerAsync(device("d", 'B'));
        feed.writes.get(1).completeExceptionally(new StoreUnavailableException("disk full", null));
        assertThat(b).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withCauseInstanceOf(StoreUnavailableException.class);
        assertThat(registry.find("d")).as("undone before the caller is told").get()
                .extracting(d -> d.credential().value()).isEqualTo("A".repeat(43));
    }

    @Test
    void aWriteRefusedAfterATimeoutThatRanAfterAllComesBackThroughTheFeed() {
        for (boolean echoFirst : new boolean[] {true, false}) {
            ManualFeed feed = new ManualFeed();
            MvStoreStore store = closeLater(new MvStoreStore(dir.resolve(echoFirst + ".mv.db"), clock));
            DeviceRegistry registry = new DeviceRegistry(store, feed);
            CompletableFuture<Void> a = registry.registerAsync(device("d", 'A'));
            // Redis ran the script, but the answer came after the command timeout: the caller is told "refused"
            Runnable echo = () -> feed.listener.accept(new ChangeFeed.Change("d", Optional.of(feed.values.get(0))));
            if (echoFirst) {
                echo.run();
            }
            feed.writes.get(0).completeExceptionally(new StoreUnavailableException("redis timed out", null));
            assertThat(a).failsWithin(Duration.ofSeconds(10));
            if (!echoFirst) {
                assertThat(registry.find("d")).as("refused: not shown until the feed says otherwise").isEmpty();
                echo.run();
            }
            assertThat(registry.find("d")).as("the feed's change stands, echo first: " + echoFirst).get()
                    .extracting(d -> d.credential().value()).isEqualTo("A".repeat(43));
        }
    }

    /** A local feed whose writes complete when the test says, and whose changes the test delivers. */
    private static final class ManualFeed implements ChangeFeed {
        final List<CompletableFuture<Void>> writes = new ArrayList<>();
        final List<byte[]> values = new ArrayList<>();
        Consumer<Change> listener;

        @Override
        public synchronized CompletableFuture<Void> putAsync(String feed, String space, String key, byte[] value,
                                                             Instant expiresAt) {
            CompletableFuture<Void> write = new CompletableFuture<>();
            writes.add(write);
            values.add(value);
            return write;
        }

        @Override
        public void put(String feed, String space, String key, byte[] value, Instant expiresAt) {
            putAsync(feed, space, key, value, expiresAt).join();
        }

        @Override
        public void remove(String feed, String space, String key) {
        }

        @Override
        public AutoCloseable follow(String feed, Consumer<Change> listener, Runnable resync) {
            this.listener = listener;
            return () -> { };
        }

        @Override
        public boolean shared() {
            return false;
        }
    }
}

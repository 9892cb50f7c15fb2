package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.store.redis.RedisStore;
import io.edgeauth.broker.testsupport.RedisServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one Redis (tour V, V3, V11): a create or a conditional replace decided on what a node read is
 * checked against the store when written, so another node's write that landed in between is never overwritten.
 * The other node's write is put exactly into the window by a store that holds the reading node's answer.
 */
class CrossNodeCreateTest {
    @TempDir
    Path dir;

    private static Device device(String id, String key) {
        return new Device(id, "default", new Device.Credential(Device.CredentialType.JWK, "{\"k\":\"" + key + "\"}"),
                List.of(), null, null, Instant.parse("2026-12-07T00:00:00Z"));
    }

    @Test
    void ofTwoNodesCreatingOneIdOnlyOneCreatesAndTheOtherIsAnsweredWithItsRecord() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             RedisStore one = redis.connectStore();
             RedisStore two = redis.connectStore()) {
            DeviceRegistry nodeA = new DeviceRegistry(one, one.feed());
            PausingStore seenByB = new PausingStore(two);
            DeviceRegistry nodeB = new DeviceRegistry(seenByB, two.feed());
            seenByB.pauseAfterNextRead("devices");
            CompletableFuture<Optional<Device>> byB = CompletableFuture.supplyAsync(
                    () -> nodeB.registerIfAbsent(device("d-1", "kb")).join());
            seenByB.awaitRead(); // B found no record; A creates one now
            assertThat(nodeA.registerIfAbsent(device("d-1", "ka")).join()).as("A created it").isEmpty();
            seenByB.release();
            assertThat(byB.join()).as("B lost the race: answered with A's record, not told it created one")
                    .contains(device("d-1", "ka"));
            assertThat(nodeA.current("d-1")).as("A's record stays").contains(device("d-1", "ka"));
            assertThat(nodeB.current("d-1")).contains(device("d-1", "ka"));
        }
    }

    @Test
    void aConditionalReplaceOfARecordAnotherNodeDeletedIsRefused() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             RedisStore one = redis.connectStore();
             RedisStore two = redis.connectStore()) {
            DeviceRegistry nodeA = new DeviceRegistry(one, one.feed());
            DeviceRegistry nodeB = new DeviceRegistry(two, two.feed());
            Device read = device("d-2", "k1");
            nodeA.register(read);
            Device seenByB = nodeB.find("d-2").orElseThrow();
            assertThat(nodeA.delete("d-2")).isTrue();
            // B's mirror may still hold the record: the store's check decides
            CompletableFuture<Void> claimed = nodeB.replaceIfUnchanged(seenByB.withOwner("did:x"), seenByB);
            assertThatThrownBy(claimed::join).isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(RecordChangedException.class);
            assertThat(nodeA.current("d-2")).as("the deleted device stays deleted").isEmpty();
        }
    }

    @Test
    void aPutOnANodeThatHasNotMirroredTheRecordYetReplacesItAsReplacedAndTellsTheListeners() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             RedisStore one = redis.connectStore();
             RedisStore two = redis.connectStore()) {
            DeviceRegistry nodeA = new DeviceRegistry(one, one.feed());
            DeviceRegistry nodeB = new DeviceRegistry(two, two.feed());
            List<DeviceRegistry.AccessChange> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            nodeB.onAccessChange(heard::add);
            assertThat(nodeA.registerIfAbsent(device("d-3", "k1")).join()).isEmpty();
            Optional<Device> replaced = new DeviceCreation(nodeB, id -> false).replace(device("d-3", "k2"));
            assertThat(replaced).as("replaced, not created").contains(device("d-3", "k1"));
            assertThat(heard).as("the replaced record's tokens are revoked on the replacing node").singleElement()
                    .satisfies(c -> assertThat(c.changed()).contains("credential"));
            assertThat(nodeA.current("d-3")).contains(device("d-3", "k2"));
        }
    }
}

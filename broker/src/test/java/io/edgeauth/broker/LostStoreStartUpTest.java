package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory whose store is gone (missing or zero-length {@code state.mv.db}) next to the signing keys of a previous
 * run is refused at start with a message naming the file and the way out; it started empty without a word (tour P, F5).
 * A new directory, and one whose keys were moved away with the store on purpose, start.
 */
class LostStoreStartUpTest {
    @TempDir
    Path dir;

    @Test
    void aMissingStoreNextToKeysIsRefusedAndANewDirectoryStarts() throws Exception {
        Path data = dir.resolve("data");
        Broker.start(TestBrokers.config(data)).close(); // a new directory starts
        Path state = data.resolve("state.mv.db");
        assertThat(state).isNotEmptyFile();

        Files.delete(state);
        assertThatThrownBy(() -> Broker.start(TestBrokers.config(data)).close())
                .hasStackTraceContaining(state + " is missing")
                .hasStackTraceContaining("move keys/ away too");
        assertThat(state).as("no empty store created in its place").doesNotExist();

        Files.createFile(state);
        assertThatThrownBy(() -> Broker.start(TestBrokers.config(data)).close())
                .hasStackTraceContaining(state + " is empty (0 bytes)")
                .hasStackTraceContaining("Restore state.mv.db from a backup");

        Files.delete(state); // starting fresh on purpose: the keys go with the store
        Files.move(data.resolve("keys"), dir.resolve("keys.old"));
        Broker.start(TestBrokers.config(data)).close();
        assertThat(state).isNotEmptyFile();
    }
}

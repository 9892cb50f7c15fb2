package io.edgeauth.broker.mqtt.persist;

import io.edgeauth.broker.store.StoreReopener;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * The session journal's MVStore file and its three maps, opened together. MVStore closes a file itself when a
 * write to it fails (disk full, read-only, I/O error); the journal then opens a new {@code JournalFile} on the
 * same file name, which holds the last commit. Used by the journal's writer thread (and at start-up).
 */
final class JournalFile {
    /** A map of its own for the write that proves a reopened file takes commits. */
    private static final String PROBE_MAP = "edgeauth.probe";

    final MVStore store;
    final MVMap<Long, byte[]> messages;
    final MVMap<String, byte[]> sessions;
    final MVMap<String, byte[]> retained;

    private JournalFile(MVStore store) {
        this.store = store;
        this.messages = store.openMap("messages");
        this.sessions = store.openMap("sessions");
        this.retained = store.openMap("retained");
    }

    /**
     * Opens (or creates) the file.
     *
     * @throws IllegalStateException naming the file when it is locked or unreadable
     */
    static JournalFile open(String fileName) {
        try {
            return new JournalFile(new MVStore.Builder().fileName(fileName).open());
        } catch (MVStoreException e) {
            throw new IllegalStateException("cannot open the MQTT session journal " + fileName + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens the file again after a write failure and proves it takes a commit (opening only reads, so a disk that
     * is still full would look usable until the next write). {@code replay} applies the changes whose commit
     * failed before the probe's commit covers them too.
     *
     * @throws IllegalStateException with the operating system's reason while the file cannot be written
     */
    static JournalFile reopen(String fileName, java.util.function.Consumer<JournalFile> replay) {
        JournalFile f = open(fileName);
        try {
            replay.accept(f);
            f.store.<String, Long>openMap(PROBE_MAP).put("reopened", System.currentTimeMillis());
            f.store.commit();
        } catch (RuntimeException e) {
            f.store.closeImmediately();
            throw new IllegalStateException("still not writable: " + StoreReopener.rootCause(e), e);
        }
        if (f.store.isClosed()) {
            throw new IllegalStateException("still not writable: " + StoreReopener.rootCause(f.store.getPanicException()));
        }
        return f;
    }
}

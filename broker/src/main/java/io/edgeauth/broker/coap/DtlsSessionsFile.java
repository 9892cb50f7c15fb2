package io.edgeauth.broker.coap;

import io.edgeauth.broker.store.SealedChunks;
import io.edgeauth.broker.store.StateFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.californium.elements.PersistentComponent;
import org.eclipse.californium.elements.util.PersistentComponentUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DTLS listener's established connections kept across a clean restart (Scandium's own graceful-restart
 * serialization), so a fleet of DTLS devices goes on with the sessions it has instead of a handshake each, and
 * without first waiting out a request the restarted broker would drop unanswered. What the broker bound to a session
 * (the token, Observe relations) is not kept: a device's next request gets 4.01 and it uploads its token again.
 *
 * <p>The file holds session secrets. It is written owner-only, sealed ({@link SealedChunks}: AES-256-GCM in chunks)
 * under a key derived from the PSK master secret (without one, from the server's private key), so a changed master
 * (or key) makes it unreadable and nothing is restored. It is deleted as soon as it was read, before the listener starts:
 * restored a second time (after a crash) its record sequence windows would be stale and let recorded datagrams be
 * replayed. A {@code kill -9} writes nothing; the devices then handshake again.
 */
final class DtlsSessionsFile {
    private static final Logger LOG = LoggerFactory.getLogger(DtlsSessionsFile.class);
    /** Connections idle longer than this are not kept: such a device may well be gone. */
    static final Duration STALE_AFTER = Duration.ofHours(24);

    private final Path file;
    private final SecretKey key;

    /** @param pskMasterSecret the listener's PSK master, from which the file's key is derived */
    DtlsSessionsFile(Path file, byte[] pskMasterSecret) {
        this(file, pskMasterSecret, "edgeauth dtls sessions file v1");
    }

    private DtlsSessionsFile(Path file, byte[] secret, String info) {
        this.file = file;
        // HKDF(secret, info) as a device PSK, with an info no PSK identity can have (it holds spaces, which
        // DerivedPskStore refuses), so the key is no device's
        this.key = new SecretKeySpec(DerivedPskStore.derive(secret, info), "AES");
    }

    /**
     * The file of a DTLS listener with these settings, sealed under a key from its PSK master or, for a listener of
     * certificates alone, from its server private key (a new one makes the file unreadable, as a new master does;
     * before tour AF, AF4, such a listener kept nothing); null without DTLS, or with neither secret at hand.
     */
    static DtlsSessionsFile of(Path file, CoapSettings settings) {
        if (settings.dtlsPort() < 0) {
            return null;
        }
        if (settings.pskMasterSecret() != null) {
            return new DtlsSessionsFile(file, settings.pskMasterSecret());
        }
        byte[] serverKey = settings.serverKey() == null ? null : settings.serverKey().getEncoded();
        if (serverKey == null) { // a key that does not leave its token
            LOG.info("DTLS sessions are not kept across restarts: the server key cannot seal {}", file);
            return null;
        }
        try {
            return new DtlsSessionsFile(file, serverKey, "edgeauth dtls sessions file v1 server key");
        } finally {
            java.util.Arrays.fill(serverKey, (byte) 0);
        }
    }

    Path path() {
        return file;
    }

    /**
     * Loads the kept connections into {@code connector} (not yet started); the file is moved aside first and deleted
     * after, whether it could be read or not. Returns how many were restored (0 without a file, or when it cannot be
     * read: a changed PSK master, a damaged file).
     */
    int restore(PersistentComponent connector) {
        try {
            int restored = StateFiles.readOnce(file, 0, aside -> {
                PersistentComponentUtil util = new PersistentComponentUtil();
                util.add(connector);
                try (InputStream in = new BufferedInputStream(SealedChunks.opening(
                        new BufferedInputStream(Files.newInputStream(aside), 1 << 16), key), 1 << 16)) {
                    return Math.max(0, util.loadComponents(in));
                }
            });
            LOG.info("DTLS sessions restored: {}", restored);
            return restored;
        } catch (IOException | RuntimeException e) {
            LOG.warn("DTLS sessions of the last run not restored ({}): devices handshake again", e.toString());
            return 0;
        }
    }

    /**
     * Writes the connections of {@code connector} (stopped, not destroyed) through a temporary file and an atomic
     * rename. Returns how many were written; a failure (a full disk) is logged and leaves no file.
     */
    int save(PersistentComponent connector) {
        PersistentComponentUtil util = new PersistentComponentUtil();
        util.add(connector);
        try {
            int[] saved = {0};
            StateFiles.write(file, out -> {
                try (OutputStream sealed = SealedChunks.sealing(out, key)) {
                    saved[0] = util.saveComponents(sealed, STALE_AFTER.toSeconds());
                }
            });
            LOG.info("DTLS sessions kept for the next start: {} in {}", saved[0], file);
            return saved[0];
        } catch (IOException | RuntimeException e) {
            LOG.warn("DTLS sessions not kept ({}): devices will handshake again after the restart", e.toString());
            return 0;
        }
    }
}

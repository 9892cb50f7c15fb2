package io.edgeauth.broker.tls;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a listener's TLS material when its files change on disk: the server key store, the device trust store,
 * the CRL. The folders holding them are watched (a file replaced by a rename, as {@code mv}, a Kubernetes secret
 * or cert-manager do, is seen like one written in place); once they have been quiet for the debounce interval the
 * files' contents are compared with what was last loaded, and only a real change calls {@code reload}. A reload
 * that fails (a half-written or bad file) keeps the old material: the caller audits it, this logs it once, and
 * the same content is not tried again; the next change is. Where the file system sends no events (some network
 * and container mounts) the contents are also compared every {@code rescan}.
 *
 * <p>Lifecycle: construct, {@link #start()}, {@link #close()}. One daemon thread. Thread-safe.
 */
public final class TlsFileWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TlsFileWatcher.class);

    /** Reads the material again and puts it in force; throws (any runtime exception) when it is unusable. */
    @FunctionalInterface
    public interface Reload {
        void reload();
    }

    private final String listener;
    private final List<Path> files;
    private final Duration debounce;
    private final Duration rescan;
    private final Reload reload;
    private final WatchService watcher;
    /** The names, in the watched folders, whose change may change the files: theirs and their links' targets'. */
    private final Set<Path> names = new java.util.HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    private String loaded;
    private long reloads;
    private long comparisons;

    /**
     * @param listener  the listener's name for logs ({@code mqtt}, {@code coaps})
     * @param files     the files its material is read from (nulls are skipped)
     * @param debounce  how long the folders must be quiet before the files are compared (a copy in progress)
     * @param rescan    how often the files are compared without any event
     */
    public TlsFileWatcher(String listener, List<Path> files, Duration debounce, Duration rescan, Reload reload) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.files = files.stream().filter(Objects::nonNull).map(p -> p.toAbsolutePath().normalize()).distinct().toList();
        this.debounce = debounce;
        this.rescan = rescan;
        this.reload = Objects.requireNonNull(reload, "reload");
        try {
            this.watcher = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw new TlsMaterialException(listener + ": cannot watch the TLS files: " + e.getMessage(), e);
        }
        this.thread = new Thread(this::run, "tls-file-watch-" + listener);
        this.thread.setDaemon(true);
    }

    /** Takes the files as they are now as loaded, and starts watching their folders. */
    public synchronized TlsFileWatcher start() {
        loaded = fingerprint();
        Set<Path> folders = new LinkedHashSet<>();
        for (Path f : files) {
            folders.add(f.getParent());
            names.add(f.getFileName());
            try { // a symbolic link (a mounted secret): its target's folder changes too
                Path real = f.toRealPath();
                folders.add(real.getParent());
                names.add(real.getFileName());
            } catch (IOException e) {
                LOG.debug("{}: {} cannot be resolved now: {}", listener, f, e.toString());
            }
        }
        for (Path folder : folders) {
            try {
                folder.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            } catch (IOException e) {
                LOG.warn("{}: cannot watch {} ({}); its TLS files are compared every {} s only", listener, folder,
                        e.toString(), rescan.toSeconds());
            }
        }
        thread.start();
        LOG.info("{}: watching {} for changes", listener, files);
        return this;
    }

    /** How often the files were compared with what was loaded (for tests). */
    synchronized long comparisons() {
        return comparisons;
    }

    /** Reloads that ran because the files changed (for tests and metrics). */
    public synchronized long reloads() {
        return reloads;
    }

    private void run() {
        long quietUntil = 0; // nanoTime after which pending events are acted on; 0: none pending
        long nextRescan = System.nanoTime() + rescan.toNanos(); // kept on time however many other events come
        while (running) {
            long until = quietUntil != 0 && quietUntil - nextRescan < 0 ? quietUntil : nextRescan;
            WatchKey key;
            try {
                key = watcher.poll(Math.max(1, until - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            if (key != null) {
                boolean relevant = key.pollEvents().stream().anyMatch(this::mayChangeTheFiles);
                key.reset();
                if (relevant) {
                    quietUntil = System.nanoTime() + debounce.toNanos(); // wait until the writer is done
                }
                continue;
            }
            long now = System.nanoTime();
            if (quietUntil != 0 && now - quietUntil >= 0 || now - nextRescan >= 0) {
                quietUntil = 0;
                nextRescan = now + rescan.toNanos();
                checkNow();
            }
        }
    }

    /**
     * Whether an event may change the files: one of their names, an overflow (events were lost), or a Kubernetes
     * secret's {@code ..data} swap; the contents decide after. Other entries of the folder (a log, the store, the audit
     * file beside a CA file) woke the comparison on every write: about 1 % of the broker's CPU under onboarding load.
     */
    private boolean mayChangeTheFiles(java.nio.file.WatchEvent<?> event) {
        return event.kind() == StandardWatchEventKinds.OVERFLOW || !(event.context() instanceof Path name)
                || names.contains(name) || name.toString().startsWith("..");
    }

    /** Compares the files with what was last loaded and reloads when they differ. */
    synchronized void checkNow() {
        comparisons++;
        String now = fingerprint();
        if (now.equals(loaded)) {
            return;
        }
        loaded = now; // a bad content is tried once, not at every event
        reloads++;
        try {
            reload.reload();
            LOG.info("{}: reloaded after its files changed", listener);
        } catch (RuntimeException e) {
            LOG.error("{}: the changed files were refused; what is in use stays until they change again: {}",
                    listener, e.getMessage());
        }
    }

    /** SHA-256 over every file's content (a missing file counts as such). */
    private String fingerprint() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<String> parts = new ArrayList<>();
        for (Path f : files) {
            try {
                parts.add(HexFormat.of().formatHex(sha.digest(Files.readAllBytes(f))));
            } catch (NoSuchFileException e) {
                parts.add("missing");
            } catch (IOException e) {
                parts.add("unreadable " + e.getClass().getSimpleName());
            }
        }
        return String.join(",", parts);
    }

    @Override
    public void close() {
        running = false;
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.debug("{}: closing the file watch: {}", listener, e.toString());
        }
        thread.interrupt();
    }
}

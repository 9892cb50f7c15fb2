package io.edgeauth.broker.keys;

import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.Store;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@link KeyVault} of several nodes: keys and states in the shared {@link Store}, so every node
 * signs with the tenant's active key and serves the same JWKS. A private JWK is stored only encrypted
 * under the key-encryption key (AES-256-GCM, a fresh 96-bit nonce each, the tenant and kid bound as
 * associated data so a record cannot be moved to another kid); a leaked Redis dump leaks no signing
 * key. A state change is announced on the {@link ChangeFeed}, so a rotation on one node is in every
 * node's JWKS within the feed's delay; rotations are serialised across nodes by a lock entry with a TTL.
 */
public final class SharedKeyVault implements KeyVault {
    static final String KEYS = "signing-keys";
    static final String STATES = "signing-key-state";
    static final String FEED = "signing-keys";
    static final String LOCKS = "locks";
    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final Duration LOCK_LIFE = Duration.ofSeconds(30);
    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

    private final Store store;
    private final ChangeFeed feed;
    private final SecretKey kek;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final List<Consumer<String>> changeListeners = new CopyOnWriteArrayList<>();

    public SharedKeyVault(Store store, ChangeFeed feed, SecretKey kek, Clock clock) {
        this.store = store;
        this.feed = feed;
        this.kek = kek;
        this.clock = clock;
    }

    /** Reads a key-encryption key file: 32 random bytes in base64 (e.g. {@code head -c 32 /dev/urandom | base64}). */
    public static SecretKey readKeyEncryptionKey(Path file) throws IOException {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(KeyFiles.read(file, 1024).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new IOException("the key-encryption key file " + file + " is not base64");
        }
        if (raw.length != 32) {
            throw new IOException("the key-encryption key file " + file + " must hold 32 bytes (base64), it holds "
                    + raw.length);
        }
        SecretFiles.requireOwnerOnly("the key-encryption key file", file);
        SecretKey key = new SecretKeySpec(raw, "AES");
        Arrays.fill(raw, (byte) 0);
        return key;
    }

    @Override
    public Optional<String> readState(String tenant) {
        return store.get(STATES, tenant).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Override
    public void writeState(String tenant, String json) {
        feed.put(FEED, STATES, tenant, json.getBytes(StandardCharsets.UTF_8), null);
    }

    @Override
    public boolean createState(String tenant, String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (!store.putIfAbsent(STATES, tenant, bytes, null)) {
            return false;
        }
        feed.put(FEED, STATES, tenant, bytes, null); // announce the same value to nodes already running
        return true;
    }

    @Override
    public String readKey(String tenant, String kid) throws IOException {
        byte[] sealed = store.get(KEYS, id(tenant, kid)).orElseThrow(() ->
                new IOException("tenant " + tenant + ": key " + kid + " is not in the shared store"));
        return new String(open(sealed, aad(tenant, kid)), StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> findKey(String tenant, String kid) throws IOException {
        Optional<byte[]> sealed = store.get(KEYS, id(tenant, kid));
        return sealed.isEmpty() ? Optional.empty()
                : Optional.of(new String(open(sealed.get(), aad(tenant, kid)), StandardCharsets.UTF_8));
    }

    @Override
    public void writeKey(String tenant, String kid, String privateJwkJson) throws IOException {
        store.put(KEYS, id(tenant, kid), seal(privateJwkJson.getBytes(StandardCharsets.UTF_8), aad(tenant, kid)), null);
    }

    @Override
    public void deleteKey(String tenant, String kid) {
        store.remove(KEYS, id(tenant, kid));
    }

    @Override
    public <T> T exclusive(String tenant, IoAction<T> action) throws IOException {
        String lock = "signing-keys/" + tenant;
        byte[] token = new byte[16];
        random.nextBytes(token);
        Instant giveUp = clock.instant().plus(LOCK_WAIT);
        while (!store.putIfAbsent(LOCKS, lock, token, clock.instant().plus(LOCK_LIFE))) {
            if (clock.instant().isAfter(giveUp)) {
                throw new IOException("tenant " + tenant + ": another node holds the key rotation lock");
            }
            try {
                Thread.sleep(50); // rotations are rare and short: polling the lock is enough
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the key rotation lock", e);
            }
        }
        try {
            return action.run();
        } finally {
            if (store.get(LOCKS, lock).map(v -> Arrays.equals(v, token)).orElse(false)) {
                store.remove(LOCKS, lock);
            }
        }
    }

    /**
     * A feed is followed once per node, so the first listener starts following and every listener (the signing
     * keys, the token-encryption keys) hears each change.
     */
    @Override
    public void onChange(Consumer<String> tenantChanged) {
        boolean first;
        synchronized (changeListeners) {
            first = changeListeners.isEmpty();
            changeListeners.add(tenantChanged);
        }
        if (first) {
            feed.follow(FEED, change -> changeListeners.forEach(l -> l.accept(change.key())),
                    // after a trim or a data loss every tenant is read again: the store may hold no entry naming it
                    () -> changeListeners.forEach(l -> l.accept(null)));
        }
    }

    private static String id(String tenant, String kid) {
        return KeyIds.requireTenant(tenant) + "/" + kid;
    }

    private static byte[] aad(String tenant, String kid) {
        return ("edgeauth-signing-key\0" + tenant + "\0" + kid).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] seal(byte[] plain, byte[] aad) throws IOException {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            byte[] sealed = c.doFinal(plain);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt a signing key", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private byte[] open(byte[] sealed, byte[] aad) throws IOException {
        if (sealed.length < 1 + NONCE_BYTES + 16 || sealed[0] != VERSION) {
            throw new IOException("a shared signing key record has an unknown format");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, kek, new GCMParameterSpec(128, sealed, 1, NONCE_BYTES));
            c.updateAAD(aad);
            return c.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IOException("a shared signing key does not decrypt: another key-encryption key, or tampered", e);
        }
    }
}

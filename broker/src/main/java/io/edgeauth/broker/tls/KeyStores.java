package io.edgeauth.broker.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Locale;

/** Opens a JKS ({@code .jks}) or PKCS#12 (anything else) store, the two forms the listeners accept. */
final class KeyStores {
    private KeyStores() {
    }

    static String type(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
    }

    static KeyStore load(Path file, String password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(type(file));
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password == null ? new char[0] : password.toCharArray());
        }
        return ks;
    }
}

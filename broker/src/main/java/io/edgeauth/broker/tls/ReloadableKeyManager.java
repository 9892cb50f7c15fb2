package io.edgeauth.broker.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server's key and certificate chain, replaced at run time by {@link #swap}: handshakes after it present the
 * new certificate. An alias is prefixed with the generation it was chosen from, so a handshake that chose its
 * alias just before a swap still gets the key and chain of that generation. Thread-safe.
 */
public final class ReloadableKeyManager extends X509ExtendedKeyManager {
    private record Generation(long number, X509ExtendedKeyManager keys) {
    }

    /** A delegate's alias and the generation it belongs to. */
    private record Chosen(Generation generation, String alias) {
    }

    private volatile Generation current;
    private volatile Generation previous;

    public ReloadableKeyManager(X509ExtendedKeyManager keys) {
        this.current = new Generation(1, Objects.requireNonNull(keys, "keys"));
        this.previous = current;
    }

    /** New handshakes use {@code next} from now on. */
    public synchronized void swap(X509ExtendedKeyManager next) {
        previous = current;
        current = new Generation(current.number() + 1, Objects.requireNonNull(next, "next"));
    }

    private static String tag(Generation g, String alias) {
        return alias == null ? null : g.number() + "/" + alias;
    }

    /** The generation and the delegate's alias an alias of ours names; null if it names neither kept generation. */
    private Chosen resolve(String alias) {
        int slash = alias == null ? -1 : alias.indexOf('/');
        if (slash < 1) {
            return null;
        }
        String number = alias.substring(0, slash);
        for (Generation g : new Generation[] {current, previous}) {
            if (number.equals(Long.toString(g.number()))) {
                return new Chosen(g, alias.substring(slash + 1));
            }
        }
        return null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Generation g = current;
        return tag(g, g.keys().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Generation g = current;
        return tag(g, g.keys().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Generation g = current;
        String[] aliases = g.keys().getServerAliases(keyType, issuers);
        if (aliases == null) {
            return null;
        }
        String[] tagged = new String[aliases.length];
        for (int i = 0; i < aliases.length; i++) {
            tagged[i] = tag(g, aliases[i]);
        }
        return tagged;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Chosen c = resolve(alias);
        return c == null ? null : c.generation().keys().getCertificateChain(c.alias());
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Chosen c = resolve(alias);
        return c == null ? null : c.generation().keys().getPrivateKey(c.alias());
    }

    /** The server never authenticates as a client with these keys. */
    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }
}

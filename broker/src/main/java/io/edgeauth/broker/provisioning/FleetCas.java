package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.Store;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fleet CAs tenants trust: those in config and those added through the admin API (kept in the
 * store, so they survive restarts), minus withdrawn ones (a withdrawal is stored too and outlives a
 * restart, also for a CA from config). With a shared store every change goes through the {@link ChangeFeed}: a CA
 * trusted, replaced (a new CRL) or withdrawn on one node holds on every node within the feed's delay, not only after
 * their next start. Validates a device's chain against the CA that issued it. Thread-safe.
 */
public final class FleetCas {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FleetCas.class);
    static final String SPACE = "fleet-cas";
    static final String FEED = "fleet-cas";
    private static final ThreadLocal<CertificateFactory> FACTORIES = ThreadLocal.withInitial(() -> {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
    });

    private final Store store;
    private final ChangeFeed feed;
    private final Clock clock;
    private final List<BrokerConfig.FleetCa> fromConfig;
    /** The CAs of the config, by id: what a node trusts before (and beneath) any admin change. */
    private volatile Map<String, FleetCa> configured;
    private final Map<String, FleetCa> active = new ConcurrentHashMap<>();
    private final Map<String, FleetCa> withdrawn = new ConcurrentHashMap<>();

    /** Fleet CAs on a store no other node writes to. */
    public FleetCas(BrokerConfig.Provisioning config, Store store, Clock clock) {
        this(config, store, new LocalChangeFeed(store), clock);
    }

    /** Fleet CAs whose admin changes reach, and arrive from, every node following {@code feed}. */
    public FleetCas(BrokerConfig.Provisioning config, Store store, ChangeFeed feed, Clock clock) {
        this.store = store;
        this.feed = feed;
        this.clock = clock;
        this.fromConfig = List.copyOf(config.fleetCas());
        this.configured = read(fromConfig);
        synchronized (this) { // changes arriving during the load wait, then apply in order on top of it
            feed.follow(FEED, this::apply, this::reload);
            reload();
        }
        // an operator editing the config cannot see otherwise why a CA it lists refuses its devices
        for (String id : withdrawnFromConfig()) {
            LOG.warn("fleet CA '{}' of the config stays withdrawn (DELETE /admin/fleet-cas/{} is kept across restarts):"
                    + " its devices are refused until POST /admin/fleet-cas trusts it again", id, id);
        }
    }

    /** The ids of the config's fleet CAs that a withdrawal through the admin API keeps out. */
    public List<String> withdrawnFromConfig() {
        return fromConfig.stream().map(BrokerConfig.FleetCa::id).filter(withdrawn::containsKey).sorted().toList();
    }

    private static Map<String, FleetCa> read(List<BrokerConfig.FleetCa> cas) {
        Map<String, FleetCa> read = new HashMap<>();
        for (BrokerConfig.FleetCa c : cas) {
            try {
                List<X509CRL> crls = c.crlFile() == null ? List.of() : crls(Files.readAllBytes(c.crlFile()));
                FleetCa ca = new FleetCa(c.id(), c.tenant(), certificate(Files.readAllBytes(c.certificateFile())),
                        crls, DeviceIdRule.parse(c.deviceIdFrom()), c.template());
                Optional<String> twin = sameCaAs(ca, read.values().stream());
                if (twin.isPresent()) {
                    throw new IllegalArgumentException("the same CA (subject and key) as '" + twin.get()
                            + "': one CA under two ids would let one id's CRL or withdrawal be bypassed by the other");
                }
                read.put(c.id(), ca);
            } catch (IOException e) {
                throw new UncheckedIOException("provisioning.fleetCas: cannot read the files of '" + c.id() + "'", e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("provisioning.fleetCas '" + c.id() + "': " + e.getMessage(), e);
            }
        }
        return Map.copyOf(read);
    }

    /** The files the config's CAs are read from: each certificate and CRL file. */
    public List<Path> configFiles() {
        List<Path> files = new ArrayList<>();
        for (BrokerConfig.FleetCa c : fromConfig) {
            files.add(c.certificateFile());
            if (c.crlFile() != null) {
                files.add(c.crlFile());
            }
        }
        return files;
    }

    /**
     * Reads the config CAs' certificate and CRL files again (a CRL the CA published anew) and puts them in force, all or
     * none: when one file is unusable, this throws and every CA stays as it was. A CA of the same id replaced or
     * withdrawn through the admin API keeps that record, as at start.
     *
     * @return how many CAs the config holds, and each active CA as it was and as it is now
     * @throws IllegalArgumentException or {@link UncheckedIOException} when a file cannot be read or parsed
     */
    public synchronized Reloaded reloadConfigFiles() {
        Map<String, FleetCa> before = new HashMap<>(active);
        configured = read(fromConfig);
        reload();
        List<Reloaded.Change> changes = new ArrayList<>();
        active.forEach((id, ca) -> changes.add(new Reloaded.Change(before.get(id), ca)));
        return new Reloaded(configured.size(), changes);
    }

    /** What {@link #reloadConfigFiles} found: how many CAs the config holds, and every active CA before and after. */
    public record Reloaded(int configured, List<Change> changes) {
        /** One active CA after the reload, and the same id before it (null: not active before). */
        public record Change(FleetCa before, FleetCa after) {
        }
    }

    /**
     * Trusts a CA from now on (admin API); replaces a CA of the same id. Durable (and announced) when it returns.
     *
     * @throws IllegalStateException when the same CA (subject and key) is trusted, or was withdrawn, under another id:
     *     its CRL or withdrawal there would not hold here
     */
    public synchronized void add(FleetCa ca) {
        Optional<String> twin = sameCaAs(ca, java.util.stream.Stream.concat(active.values().stream(),
                withdrawn.values().stream()));
        if (twin.isPresent()) {
            throw new IllegalStateException("this CA (subject and key) is already known as '" + twin.get() + "'"
                    + (withdrawn.containsKey(twin.get()) ? " (withdrawn)" : "") + ": replace it under that id");
        }
        feed.put(FEED, SPACE, ca.id(), toJson(ca).put("withdrawn", false).encode().getBytes(StandardCharsets.UTF_8), null);
        withdrawn.remove(ca.id());
        active.put(ca.id(), ca);
    }

    /** Withdraws a CA: its devices' certificate chains, and the devices it provisioned, are refused from now on. */
    public synchronized boolean withdraw(String id) {
        FleetCa ca = active.get(id);
        if (ca == null) {
            return false;
        }
        feed.put(FEED, SPACE, id, toJson(ca).put("withdrawn", true).encode().getBytes(StandardCharsets.UTF_8), null);
        active.remove(id);
        withdrawn.put(id, ca);
        return true;
    }

    /** A change from the feed (another node's, or this node's own echo). */
    private synchronized void apply(ChangeFeed.Change change) {
        if (change.value().isPresent()) {
            applyRecord(change.key(), change.value().get());
            return;
        }
        withdrawn.remove(change.key()); // no record: back to what the config says
        FleetCa fromConfig = configured.get(change.key());
        if (fromConfig != null) {
            active.put(change.key(), fromConfig);
        } else {
            active.remove(change.key());
        }
    }

    /** Rebuilds the CAs from the config and the store (at start, and when the feed cannot say what was missed). */
    private synchronized void reload() {
        active.clear();
        withdrawn.clear();
        active.putAll(configured);
        store.forEach(SPACE, this::applyRecord);
    }

    private void applyRecord(String id, byte[] bytes) {
        JsonObject o;
        FleetCa ca;
        try {
            o = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
            ca = o.containsKey("certificate") ? fromJson(o) : configured.get(id);
        } catch (RuntimeException e) {
            // a record this version refuses (another CA's CRL, kept by an older one): the CA is not trusted, and a
            // config CA of the same id is not either, since the record may have withdrawn it
            LOG.error("fleet CA '{}' in the store is not usable ({}): not trusted until replaced through the admin API",
                    id, e.getMessage());
            active.remove(id);
            return;
        }
        if (ca == null) {
            return;
        }
        if (o.getBoolean("withdrawn", false)) {
            active.remove(id);
            withdrawn.put(id, ca);
        } else {
            withdrawn.remove(id);
            active.put(id, ca);
        }
    }

    public Collection<FleetCa> active() {
        return List.copyOf(active.values());
    }

    /**
     * How many active CAs have a CRL past its {@code nextUpdate} at {@code now}: their chains are refused
     * (revocation status undetermined) until a fresh CRL comes.
     */
    public int staleCrls() {
        Instant now = clock.instant();
        return (int) active.values().stream().filter(ca -> ca.crls().stream()
                .anyMatch(crl -> crl.getNextUpdate() != null && !now.isBefore(crl.getNextUpdate().toInstant())))
                .count();
    }

    /** Seconds until the earliest {@code nextUpdate} of an active CA's CRLs (negative once past); NaN with none. */
    public double secondsUntilCrlUpdate() {
        long now = clock.millis();
        return active.values().stream().flatMap(ca -> ca.crls().stream())
                .filter(crl -> crl.getNextUpdate() != null)
                .mapToDouble(crl -> (crl.getNextUpdate().getTime() - now) / 1000.0)
                .min().orElse(Double.NaN);
    }

    /** The active CA of this id, if any. */
    public Optional<FleetCa> activeCa(String id) {
        return Optional.ofNullable(active.get(id));
    }

    public boolean isWithdrawn(String id) {
        return withdrawn.containsKey(id);
    }

    /**
     * The active CA that issued the top of the chain, after validating the whole chain against it.
     *
     * @throws TokenRejectedException UNKNOWN_ISSUER (no trusted CA issued it), REVOKED (its CA was withdrawn,
     *         or the CRL lists it), EXPIRED, NOT_YET_VALID, BAD_SIGNATURE, FORBIDDEN (key usage)
     */
    public FleetCa validate(List<X509Certificate> chain) throws TokenRejectedException {
        if (chain.isEmpty()) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "empty certificate chain");
        }
        X509Certificate top = chain.get(chain.size() - 1);
        Optional<FleetCa> issuer = issuerOf(top, active);
        if (issuer.isEmpty()) {
            Optional<FleetCa> gone = issuerOf(top, withdrawn);
            if (gone.isPresent()) {
                throw new TokenRejectedException(RejectionReason.REVOKED, "fleet CA '" + gone.get().id() + "' was withdrawn");
            }
            throw new TokenRejectedException(RejectionReason.UNKNOWN_ISSUER,
                    "certificate chain does not lead to a fleet CA trusted here");
        }
        ChainValidator.validate(chain, issuer.get(), clock.instant());
        return issuer.get();
    }

    /** Another CA among {@code known} with the subject and key of {@code ca} under another id, if any. */
    private static Optional<String> sameCaAs(FleetCa ca, java.util.stream.Stream<FleetCa> known) {
        X509Certificate c = ca.certificate();
        return known.filter(o -> !o.id().equals(ca.id())
                        && o.certificate().getSubjectX500Principal().equals(c.getSubjectX500Principal())
                        && java.util.Arrays.equals(o.certificate().getPublicKey().getEncoded(), c.getPublicKey().getEncoded()))
                .map(FleetCa::id).findFirst();
    }

    /**
     * Whether the top of a client chain (leaf first) is, or is signed by, a fleet CA known here, active or
     * withdrawn: the TLS handshake's coarse gate in front of the token endpoint, which then {@link #validate}s
     * the chain and answers each refusal with its reason (expired, revoked, withdrawn, key usage).
     */
    public boolean issuedByKnownCa(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return false;
        }
        X509Certificate top = chain[chain.length - 1];
        return java.util.stream.Stream.concat(active.values().stream(), withdrawn.values().stream())
                .anyMatch(ca -> ca.certificate().equals(top) || signedBy(top, ca.certificate()));
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate ca) {
        if (!ca.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
            return false;
        }
        try {
            cert.verify(ca.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The CA whose name the top of the chain names as its issuer (or which is the top). Two CAs may share a subject name
     * (two vendors' "Fleet CA"): then the one whose key signed the top, so each vendor's devices meet their own CA and
     * its CRLs; a signature check only in that rare case, as the chain's validation checks it again.
     */
    private static Optional<FleetCa> issuerOf(X509Certificate top, Map<String, FleetCa> cas) {
        List<FleetCa> named = cas.values().stream()
                .filter(ca -> ca.certificate().getSubjectX500Principal().equals(top.getIssuerX500Principal())
                        || ca.certificate().equals(top))
                .toList();
        if (named.size() <= 1) {
            return named.stream().findFirst();
        }
        return named.stream().filter(ca -> ca.certificate().equals(top) || signedBy(top, ca.certificate())).findFirst()
                .or(() -> named.stream().findFirst());
    }

    /** This thread's X.509 factory: one per thread, as JCA engines are not documented as thread-safe. */
    static CertificateFactory certificateFactory() {
        return FACTORIES.get();
    }

    /** Parses one PEM or DER certificate. */
    public static X509Certificate certificate(byte[] pemOrDer) {
        try {
            return (X509Certificate) FACTORIES.get().generateCertificate(new ByteArrayInputStream(pemOrDer));
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("not an X.509 certificate (PEM or DER)");
        }
    }

    /** Parses PEM or DER CRLs. */
    public static List<X509CRL> crls(byte[] pemOrDer) {
        try (InputStream in = new ByteArrayInputStream(pemOrDer)) {
            List<X509CRL> out = new ArrayList<>();
            CertificateFactory.getInstance("X.509").generateCRLs(in).forEach(c -> out.add((X509CRL) c));
            if (out.isEmpty()) {
                throw new IllegalArgumentException("no CRL found");
            }
            return out;
        } catch (CRLException | CertificateException | IOException e) {
            throw new IllegalArgumentException("not an X.509 CRL (PEM or DER)");
        }
    }

    static JsonObject toJson(FleetCa ca) {
        JsonObject o = new JsonObject().put("id", ca.id()).put("tenant", ca.tenant())
                .put("deviceIdFrom", ca.deviceIdRule().configName()).put("template", ca.template());
        try {
            o.put("certificate", Base64.getEncoder().encodeToString(ca.certificate().getEncoded()));
            List<String> crls = new ArrayList<>();
            for (X509CRL crl : ca.crls()) {
                crls.add(Base64.getEncoder().encodeToString(crl.getEncoded()));
            }
            return o.put("crls", crls);
        } catch (CertificateException | CRLException e) {
            throw new IllegalStateException("cannot encode fleet CA " + ca.id(), e);
        }
    }

    private static FleetCa fromJson(JsonObject o) {
        List<X509CRL> crls = new ArrayList<>();
        o.getJsonArray("crls", new io.vertx.core.json.JsonArray()).forEach(c ->
                crls.addAll(crls(Base64.getDecoder().decode((String) c))));
        return new FleetCa(o.getString("id"), o.getString("tenant"),
                certificate(Base64.getDecoder().decode(o.getString("certificate"))), crls,
                DeviceIdRule.parse(o.getString("deviceIdFrom")), o.getString("template"));
    }
}

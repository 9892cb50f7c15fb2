package io.edgeauth.broker;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.coap.CoapEdge;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.EdgeSettings;
import io.edgeauth.broker.mqtt.MqttEdge;
import io.edgeauth.broker.provisioning.FleetCas;
import io.edgeauth.broker.tls.TlsFileWatcher;
import io.edgeauth.broker.tls.TlsMaterial;
import io.edgeauth.broker.tls.TlsMaterialException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reloading the TLS listeners' key store, trust store and CRL: on {@code POST /admin/tls/reload} (every listener)
 * and when the files change on disk (each listener whose files changed, through a {@link TlsFileWatcher}). The
 * MQTT TLS listeners reload through {@link MqttEdge#reloadTls()}; the DTLS listener reads {@code coap.keyStore},
 * {@code coap.trustStore} and {@code coap.crl} and swaps them in only when all are usable. Every reload is audited
 * ({@code tls.reloaded}, ok or refused). The config's fleet CA files (certificates and CRLs) are watched the same way
 * ({@code fleet_ca.reloaded}). Thread-safe.
 */
final class TlsReloads {
    /** How long the folders must be quiet before the files are compared (a copy or a rename in progress). */
    static final Duration DEBOUNCE = Duration.ofMillis(500);
    /** How often the files are compared where the file system sends no change events. */
    static final Duration RESCAN = Duration.ofSeconds(30);

    private final BrokerConfig config;
    private final MqttEdge mqtt;
    private final CoapEdge coap;
    private final io.edgeauth.broker.http.HttpsListener https;
    private final FleetCas fleetCas;
    private final io.edgeauth.broker.provisioning.ListedCertificates listed;
    private final AuditLog audit;

    /**
     * @param mqtt the MQTT edge, or null; {@code coap} the CoAP edge, or null; {@code https} the HTTPS listener, or
     *             null; {@code fleetCas} the fleet CAs, whose config files are watched as well; {@code listed} ends
     *             the tokens of devices a reloaded CRL newly lists
     */
    TlsReloads(BrokerConfig config, MqttEdge mqtt, CoapEdge coap, io.edgeauth.broker.http.HttpsListener https,
               FleetCas fleetCas, io.edgeauth.broker.provisioning.ListedCertificates listed, AuditLog audit) {
        this.config = config;
        this.mqtt = mqtt;
        this.coap = coap;
        this.https = https;
        this.fleetCas = fleetCas;
        this.listed = listed;
        this.audit = audit;
    }

    private boolean mqttTls() {
        return mqtt != null && mqtt.tlsEnabled();
    }

    private boolean dtlsCertificates() {
        return coap != null && coap.dtlsPort() >= 0 && config.coap().keyStore() != null;
    }

    /**
     * Reloads every TLS listener.
     *
     * @throws TlsMaterialException  when a file is unusable (that listener keeps its material)
     * @throws IllegalStateException when no listener has reloadable material
     */
    Map<String, TlsMaterial.Summary> reloadAll(java.util.function.UnaryOperator<AuditLog> request) {
        AuditLog trail = request.apply(audit); // the admin request's: its events name its source
        Map<String, TlsMaterial.Summary> done = new LinkedHashMap<>();
        if (mqttTls()) {
            done.put("mqtt", mqtt.reloadTls(trail));
        }
        if (dtlsCertificates()) {
            done.put("coaps", reloadDtls(trail));
        }
        if (https != null) {
            done.put("https", reloadHttps(trail));
        }
        if (done.isEmpty()) {
            throw new IllegalStateException("no TLS listener with reloadable material is configured");
        }
        return done;
    }

    /** Reads the DTLS listener's server key and chain, device trust store and CRL; swaps them only if all are usable. */
    synchronized TlsMaterial.Summary reloadDtls() {
        return reloadDtls(audit);
    }

    private synchronized TlsMaterial.Summary reloadDtls(AuditLog trail) {
        try {
            EdgeSettings.ServerIdentity identity = EdgeSettings.coapServerIdentity(config);
            EdgeSettings.DeviceTrustFiles trust = EdgeSettings.coapDeviceTrust(config);
            X509Certificate leaf;
            try {
                TlsMaterial.requireValidNow("coap.keyStore", config.coap().keyStore(), identity.chain().get(0));
                leaf = coap.reloadServerIdentity(identity.key(), identity.chain());
            } catch (IllegalArgumentException e) {
                throw new TlsMaterialException("coap.keyStore: " + config.coap().keyStore() + ": " + e.getMessage(), e);
            }
            int revoked = config.coap().trustStore() == null ? 0 : coap.reloadDeviceTrust(trust.anchors(), trust.crls());
            TlsMaterial.Summary s = new TlsMaterial.Summary(leaf.getSubjectX500Principal().getName(),
                    leaf.getSerialNumber().toString(16), TlsMaterial.sha256(leaf), leaf.getNotAfter().toInstant(),
                    trust.anchors().size(), revoked,
                    null);
            trail.record("tls.reloaded", "ok", Map.of("listener", "coaps", "serverSha256", s.serverSha256(),
                    "serverSerial", s.serverSerial(), "trustAnchors", s.trustAnchors(), "revokedEntries", revoked));
            return s;
        } catch (TlsMaterialException e) {
            trail.record("tls.reloaded", "refused", Map.of("listener", "coaps", "reason", e.getMessage()));
            throw e;
        }
    }

    /** Reads the HTTPS listener's key store, trust store and CRL again; the old material stays if one is unusable. */
    synchronized TlsMaterial.Summary reloadHttps() {
        return reloadHttps(audit);
    }

    private synchronized TlsMaterial.Summary reloadHttps(AuditLog trail) {
        try {
            TlsMaterial.Summary s = https.reload();
            trail.record("tls.reloaded", "ok", Map.of("listener", "https", "serverSha256", s.serverSha256(),
                    "trustAnchors", s.trustAnchors(), "revokedEntries", s.revokedEntries()));
            return s;
        } catch (TlsMaterialException e) {
            trail.record("tls.reloaded", "refused", Map.of("listener", "https", "reason", e.getMessage()));
            throw e;
        }
    }

    /** Starts watching each TLS listener's files; close the result to stop. */
    AutoCloseable watch() {
        List<TlsFileWatcher> watchers = new ArrayList<>();
        if (mqttTls()) {
            BrokerConfig.Mqtt m = config.mqtt();
            watchers.add(new TlsFileWatcher("mqtt", Arrays.asList(m.keyStore(), m.trustStore(), m.crl()), DEBOUNCE, RESCAN,
                    mqtt::reloadTls).start());
        }
        if (dtlsCertificates()) {
            BrokerConfig.Coap c = config.coap();
            watchers.add(new TlsFileWatcher("coaps", Arrays.asList(c.keyStore(), c.trustStore(), c.crl()), DEBOUNCE, RESCAN,
                    this::reloadDtls).start());
        }
        if (https != null) {
            BrokerConfig.HttpTls h = config.http().tls();
            watchers.add(new TlsFileWatcher("https", Arrays.asList(h.keyStore(), h.trustStore(), h.crl()), DEBOUNCE,
                    RESCAN, this::reloadHttps).start());
        }
        if (fleetCas != null && !fleetCas.configFiles().isEmpty()) {
            watchers.add(new TlsFileWatcher("fleet-cas", fleetCas.configFiles(), DEBOUNCE, RESCAN,
                    this::reloadFleetCas).start());
        }
        return () -> watchers.forEach(TlsFileWatcher::close);
    }

    /**
     * Reads the config's fleet CA files again (a CA that published a new CRL): all are put in force or, when one is
     * unusable, none, and the CAs in use stay.
     */
    synchronized void reloadFleetCas() {
        try {
            FleetCas.Reloaded reloaded = fleetCas.reloadConfigFiles();
            int revoked = reloaded.changes().stream()
                    .mapToInt(c -> listed.revokeNewlyListed(c.before(), c.after())).sum();
            audit.record("fleet_ca.reloaded", "ok", Map.of("fleetCas", reloaded.configured(),
                    "staleCrls", fleetCas.staleCrls(), "devicesRevoked", revoked));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            audit.record("fleet_ca.reloaded", "refused", Map.of("reason", String.valueOf(e.getMessage())));
            throw e;
        }
    }
}

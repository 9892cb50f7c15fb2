package io.edgeauth.broker.bench;

import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.provisioning.Herd;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.tls.TlsTestFiles;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A thundering herd over MQTT TLS: N bulk-imported devices with cached tokens all connect at once to a broker
 * process whose {@code admission.maxPendingTlsHandshakes} is CAP. The broker's TLS and MQTT paths are warmed
 * first (3 x 1,000 connects, 100 at a time). Reports how many devices connected, the time until the last one
 * did, the broker's CPU per device in all and by thread group, and how many connections were shed before
 * their handshake. The load client shares the machine (its CPU is not the broker's).
 * usage: TlsStormBench DEVICES CAP WORKDIR
 */
public final class TlsStormBench {
    private static final int WARM_UP = 1000;

    private TlsStormBench() {
    }

    public static void main(String[] args) throws Exception {
        int devices = Integer.parseInt(args[0]);
        int cap = Integer.parseInt(args[1]);
        Path work = Path.of(args[2]);
        FleetPki serverCa = new FleetPki("bench server CA");
        Path keyStore = TlsTestFiles.pkcs12(work.resolve("server.p12"), TlsTestFiles.server(serverCa));
        int tlsPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            tlsPort = free.getLocalPort();
        }
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(work.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", "-1", "EDGEAUTH_MQTT_TLS_PORT", Integer.toString(tlsPort),
                "EDGEAUTH_MQTT_KEY_STORE", keyStore.toString(), "EDGEAUTH_MQTT_KEY_STORE_PASSWORD", TlsTestFiles.PASS,
                "EDGEAUTH_MQTT_CLIENT_AUTH", "none", "EDGEAUTH_HTTP_MAX_PENDING_REQUESTS", "100000",
                "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "100000000",
                "EDGEAUTH_ADMISSION_MAX_PENDING_TLS_HANDSHAKES", Integer.toString(cap))),
                List.of("-Xmx1g"), ProcessBuilder.Redirect.DISCARD);
        try {
            List<DeviceIdentity> fleet = Herd.importFleet(broker, "storm-", devices);
            List<AccessToken> tokens = Herd.fetchTokens(broker, fleet);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", serverCa.caCertificate());
            for (int round = 0; round < 3; round++) {
                List<DeviceMqttClient> warm = clients(fleet, tokens, Math.min(WARM_UP, devices), tlsPort, trusted);
                for (int i = 0; i < warm.size(); i += 100) {
                    Herd.connectAll(warm.subList(i, Math.min(i + 100, warm.size())));
                }
                disconnect(warm);
            }
            Thread.sleep(3000); // let the JIT settle after the warm-up
            List<DeviceMqttClient> herd = clients(fleet, tokens, devices, tlsPort, trusted);
            Map<String, Long> threadsBefore = BrokerThreadCpu.ticksByGroup(broker.pid());
            long cpuBefore = MqttLoadBench.cpuTicks(broker.pid());
            long start = System.nanoTime();
            List<Throwable> failures = Herd.connectAll(herd);
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpuTicks = MqttLoadBench.cpuTicks(broker.pid()) - cpuBefore;
            String byThread = BrokerThreadCpu.perDevice(threadsBefore, BrokerThreadCpu.ticksByGroup(broker.pid()), devices);
            String metrics = new Http(broker.url(), null).get("/metrics").body();
            System.out.printf("tls_storm devices=%d max_pending_tls_handshakes=%d connected=%d failed=%d seconds=%.2f"
                            + " broker_cpu_us/device=%.0f shed_before_handshake=%.0f first_failure=%s"
                            + " broker_cpu_us/device_by_thread=%s%n", devices, cap, devices - failures.size(),
                    failures.size(), seconds, cpuTicks * 10_000.0 / devices,
                    Herd.metric(metrics, "edgeauth_admission_handshakes_shed_total\\{edge=\"mqtt\""),
                    failures.isEmpty() ? "-" : DeviceMqttClient.failureReason(failures.get(0)), byThread);
            disconnect(herd);
        } finally {
            broker.close();
        }
        System.exit(0);
    }

    private static List<DeviceMqttClient> clients(List<DeviceIdentity> fleet, List<AccessToken> tokens, int count,
                                                  int port, KeyStore trusted) {
        List<DeviceMqttClient> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            clients.add(DeviceMqttClient.builder().identity(fleet.get(i)).serverHost("localhost").serverPort(port)
                    .trustStore(trusted).token(tokens.get(i)).busyRetries(30).build());
        }
        return clients;
    }

    private static void disconnect(List<DeviceMqttClient> clients) throws Exception {
        CompletableFuture.allOf(clients.stream().filter(DeviceMqttClient::isConnected).map(DeviceMqttClient::disconnect)
                .toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    }
}

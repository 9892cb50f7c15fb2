package io.edgeauth.broker.bench.chaos;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * {@code bench/chaos}: under load (registrations, token issuance and revocation, SIWE logins, refresh
 * rotations, a QoS 1 stream to a persistent subscriber, CoAP/DTLS devices uploading confirmable telemetry to
 * the same subscriber and observing their commands) the broker is killed with SIGKILL at a random
 * moment of each round and restarted; after every restart the ledger of acknowledged effects is checked,
 * and at the end the subscriber drains. Prints one summary line; exits 1 on any violation or lost message.
 * Usage: {@code ChaosRun [rounds=5] [maxRoundSeconds=12] [seed]}. A run must end within the tokens'
 * 10-minute lifetime (the MQTT clients keep their first tokens).
 */
public final class ChaosRun {
    private ChaosRun() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int maxRoundSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : System.nanoTime();
        Random random = new Random(seed);
        Path dataDir = Files.createTempDirectory("edgeauth-chaos");
        ChaosBroker broker = new ChaosBroker(dataDir);
        ChaosLedger ledger = new ChaosLedger();
        List<String> violations = new ArrayList<>();
        List<Long> recoveryMillis = new ArrayList<>();
        long failed = 0;

        broker.start();
        Http admin = new Http(broker.url(), broker.admin());
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        DeviceIdentity publisher = DeviceIdentity.generate("chaos-pub");
        register(admin, publisher, "chaos-pub", did);
        DeviceIdentity tokenDevice = DeviceIdentity.generate("chaos-tok");
        register(admin, tokenDevice, "chaos-tok", null);
        String publisherToken = TokenClient.builder().brokerUri(URI.create(broker.url())).identity(publisher).build()
                .fetch().get(10, TimeUnit.SECONDS).value();
        String ownerToken = Wallets.siweLogin(broker.url(), wallet).getString("access_token");
        int coapDeviceCount = Integer.getInteger("chaos.coapDevices", 4);
        List<DeviceIdentity> coapDevices = new ArrayList<>();
        for (int i = 0; i < coapDeviceCount; i++) {
            DeviceIdentity d = DeviceIdentity.generate("chaos-coap-" + i);
            register(admin, d, d.deviceId(), did);
            coapDevices.add(d);
        }
        ChaosMqtt mqtt = new ChaosMqtt(ledger, "chaos-pub", publisherToken, did, ownerToken,
                coapDevices.stream().map(DeviceIdentity::deviceId).toList());
        ChaosCoap coap = new ChaosCoap(ledger, coapDevices, dataDir, broker.url());

        for (int round = 1; round <= rounds; round++) {
            mqtt.start(broker.mqttPort());
            coap.start(broker.dtlsPort());
            ChaosHttpLoad load = new ChaosHttpLoad(broker.url(), broker.admin(), ledger, "r" + round, tokenDevice);
            load.start();
            long runFor = 2000 + (long) (random.nextDouble() * (maxRoundSeconds * 1000L - 2000));
            Thread.sleep(runFor);
            broker.kill();
            failed += load.stop();
            mqtt.stop();
            coap.stop();
            long up = broker.start();
            recoveryMillis.add(up);
            List<String> found = ChaosChecks.verify(ledger, broker.url(), broker.admin(), broker.mqttPort(), "chaos-tok");
            found.forEach(v -> System.err.println("violation after round: " + v));
            violations.addAll(found);
        }
        mqtt.drain(broker.mqttPort(), 5000);
        broker.stop();

        Set<Integer> lost = new HashSet<>(ledger.published);
        lost.removeAll(ledger.received);
        Set<Long> coapLost = new HashSet<>(ledger.coapAcknowledged);
        coapLost.removeAll(ledger.coapReceived);
        System.out.printf("chaos: rounds=%d seed=%d registrations=%d revocations=%d siwe_logins=%d refresh_rotations=%d "
                        + "qos1_acked=%d qos1_received=%d qos1_lost=%d subscriber_sessions_resumed=%d subscriber_sessions_lost=%d "
                        + "restart_ms_max=%d unacknowledged_ops=%d violations=%d%n",
                rounds, seed, ledger.registered.size(), ledger.revokedTokens.size(), ledger.consumedLogins.size(),
                ledger.rotatedRefreshTokens.size(), ledger.published.size(), ledger.received.size(), lost.size(),
                mqtt.resumedSessions, mqtt.lostSessions, recoveryMillis.stream().mapToLong(Long::longValue).max().orElse(0),
                failed, violations.size());
        System.out.printf("chaos coap: devices=%d uploads_acked=%d uploads_received=%d uploads_acked_lost=%d "
                        + "uploads_unanswered=%d observe_relations=%d device_recovery_ms_max=%d%n",
                coapDevices.size(), ledger.coapAcknowledged.size(), ledger.coapReceived.size(), coapLost.size(),
                coap.unanswered.get(), coap.observations.get(),
                coap.recoveryMillis.stream().mapToLong(Long::longValue).max().orElse(0));
        System.exit(violations.isEmpty() && lost.isEmpty() && coapLost.isEmpty() ? 0 : 1);
    }

    private static void register(Http admin, DeviceIdentity identity, String id, String owner) {
        JsonObject body = new JsonObject().put("id", id).put("jwk", new JsonObject(identity.publicJwk().toJSONString()))
                .put("ratePlan", "chaos");
        if (owner != null) {
            body.put("owner", owner);
        }
        int status = admin.postJson("/admin/devices", body.encode()).statusCode();
        if (status != 201) {
            throw new IllegalStateException("registering " + id + ": " + status);
        }
    }
}

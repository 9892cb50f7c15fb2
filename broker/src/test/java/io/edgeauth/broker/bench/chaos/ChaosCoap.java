package io.edgeauth.broker.bench.chaos;

import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceCoapClient;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenFormat;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CoAP load of a chaos run: devices over DTLS (PSK derived from the broker's master secret) that upload
 * numbered telemetry as confirmable POSTs, one at a time each, and hold an Observe relation on their command
 * resource. An upload counts as acknowledged once the broker answered 2.04; its number goes to the ledger and must
 * reach the owner's persistent MQTT session whatever kills follow. The DTLS session and the Observe relation live
 * in the broker process only: after a restart each device does what a real one must, a new DTLS handshake, its
 * token uploaded again, a new observation; the time until its first acknowledged upload is its recovery.
 */
final class ChaosCoap {
    /** Uploads of the CoAP devices are told apart from the MQTT stream by their 8-byte payload. */
    static final int PAYLOAD_BYTES = 8;

    private final ChaosLedger ledger;
    private final List<DeviceIdentity> devices;
    private final Path pskMasterFile;
    private final String brokerUrl;
    private final AtomicLong seq = new AtomicLong();
    private final List<DeviceCoapClient> clients = new ArrayList<>();
    private final List<Thread> loops = new ArrayList<>();
    private volatile AtomicBoolean running = new AtomicBoolean();
    /** Milliseconds from a (re)start until each device's first acknowledged upload, across all restarts. */
    final List<Long> recoveryMillis = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Observe relations established (each device once per broker start). */
    final AtomicLong observations = new AtomicLong();
    /** Uploads cut off by a kill (no answer): neither acknowledged nor lost. */
    final AtomicLong unanswered = new AtomicLong();

    ChaosCoap(ChaosLedger ledger, List<DeviceIdentity> devices, Path dataDir, String brokerUrl) {
        this.ledger = ledger;
        this.devices = devices;
        this.pskMasterFile = dataDir.resolve("coap-psk-master.key");
        this.brokerUrl = brokerUrl;
    }

    /** Every device connects to a (re)started broker as a new DTLS client, observes, and starts uploading. */
    void start(int dtlsPort) throws Exception {
        long t0 = System.nanoTime();
        byte[] master = Files.readAllBytes(pskMasterFile);
        AtomicBoolean on = new AtomicBoolean(true);
        running = on;
        for (DeviceIdentity device : devices) {
            AccessToken cwt = TokenClient.builder().brokerUri(URI.create(brokerUrl)).identity(device)
                    .tokenFormat(TokenFormat.CWT).build().fetch().get(20, TimeUnit.SECONDS);
            DeviceCoapClient client = DeviceCoapClient.builder().serverUri(URI.create("coaps://127.0.0.1:" + dtlsPort))
                    .identity(device).psk(DerivedPskStore.derive(master, device.deviceId())).token(cwt).build();
            clients.add(client);
            client.uploadToken().get(30, TimeUnit.SECONDS);
            client.observeCommands(c -> { }).get(30, TimeUnit.SECONDS);
            observations.incrementAndGet();
            Thread loop = new Thread(() -> uploadWhile(on, client, t0), "chaos-coap-" + device.deviceId());
            loop.setDaemon(true);
            loop.start();
            loops.add(loop);
        }
    }

    private void uploadWhile(AtomicBoolean on, DeviceCoapClient client, long startedNanos) {
        boolean first = true;
        while (on.get()) {
            long n = seq.incrementAndGet();
            try {
                client.publishTelemetry("coap", ByteBuffer.allocate(PAYLOAD_BYTES).putLong(0, n).array())
                        .get(10, TimeUnit.SECONDS);
                ledger.coapAcknowledged.add(n);
                if (first) {
                    recoveryMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
                    first = false;
                }
            } catch (Exception e) {
                unanswered.incrementAndGet(); // the kill cut it off (or a timeout): not acknowledged
                return;
            }
        }
    }

    /** Stops uploading and drops the clients (their DTLS sessions died with the broker). */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : loops) {
            t.join(15_000);
        }
        loops.clear();
        clients.forEach(DeviceCoapClient::close);
        clients.clear();
    }
}

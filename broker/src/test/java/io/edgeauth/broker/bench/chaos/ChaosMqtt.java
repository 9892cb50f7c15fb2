package io.edgeauth.broker.bench.chaos;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The QoS 1 stream of a chaos run: a device publishes numbered messages to its telemetry topic and its
 * owner's wallet holds a persistent session (clean start off, session expiry 1 h) subscribed to them.
 * After each restart both reconnect as real clients would: the subscriber resumes its session, and
 * subscribes again only when the broker says the session is gone.
 */
final class ChaosMqtt {
    private static final int WINDOW = 32;

    private final ChaosLedger ledger;
    private final String deviceId;
    private final byte[] deviceToken;
    private final String ownerDid;
    private final byte[] ownerToken;
    private final java.util.List<String> coapDevices;
    private final AtomicInteger seq = new AtomicInteger();
    private volatile Mqtt5AsyncClient publisher;
    private volatile Mqtt5AsyncClient subscriber;
    private volatile AtomicBoolean publishing = new AtomicBoolean();
    private Thread publishLoop;
    int resumedSessions;
    int lostSessions;

    /** @param coapDevices the CoAP devices of {@link ChaosCoap}, whose uploads the subscriber takes too */
    ChaosMqtt(ChaosLedger ledger, String deviceId, String deviceToken, String ownerDid, String ownerToken,
              java.util.List<String> coapDevices) {
        this.ledger = ledger;
        this.coapDevices = coapDevices;
        this.deviceId = deviceId;
        this.deviceToken = deviceToken.getBytes(StandardCharsets.US_ASCII);
        this.ownerDid = ownerDid;
        this.ownerToken = ownerToken.getBytes(StandardCharsets.US_ASCII);
    }

    /** Connects both clients to a (re)started broker and starts publishing. */
    void start(int mqttPort) throws Exception {
        subscriber = Mqtt5Client.builder().identifier(ownerDid + "#chaos-owner").serverHost("127.0.0.1").serverPort(mqttPort)
                .buildAsync();
        subscriber.publishes(MqttGlobalPublishFilter.ALL, p -> {
            byte[] payload = p.getPayloadAsBytes();
            if (payload.length == ChaosCoap.PAYLOAD_BYTES) {
                ledger.coapReceived.add(ByteBuffer.wrap(payload).getLong());
            } else {
                ledger.received.add(ByteBuffer.wrap(payload).getInt());
            }
        });
        Mqtt5ConnAck ack = subscriber.connectWith().cleanStart(false).sessionExpiryInterval(3600)
                .simpleAuth().username(ownerDid).password(ownerToken).applySimpleAuth()
                .send().get(20, TimeUnit.SECONDS);
        if (ack.isSessionPresent()) {
            resumedSessions++;
        } else {
            if (seq.get() > 0) {
                lostSessions++;
            }
            subscriber.subscribeWith().topicFilter("d/" + deviceId + "/up/#").qos(MqttQos.AT_LEAST_ONCE)
                    .send().get(20, TimeUnit.SECONDS);
            for (String coapDevice : coapDevices) {
                subscriber.subscribeWith().topicFilter("d/" + coapDevice + "/up/#").qos(MqttQos.AT_LEAST_ONCE)
                        .send().get(20, TimeUnit.SECONDS);
            }
        }
        publisher = Mqtt5Client.builder().identifier(deviceId).serverHost("127.0.0.1").serverPort(mqttPort)
                .buildAsync();
        publisher.connectWith().cleanStart(true).simpleAuth().username(deviceId).password(deviceToken)
                .applySimpleAuth().send().get(20, TimeUnit.SECONDS);
        AtomicBoolean on = new AtomicBoolean(true);
        publishing = on;
        publishLoop = new Thread(() -> publishWhile(on, publisher), "chaos-publisher");
        publishLoop.setDaemon(true);
        publishLoop.start();
    }

    private void publishWhile(AtomicBoolean on, Mqtt5AsyncClient client) {
        Semaphore window = new Semaphore(WINDOW);
        String topic = "d/" + deviceId + "/up/chaos";
        while (on.get()) {
            try {
                if (!window.tryAcquire(1, TimeUnit.SECONDS)) {
                    continue;
                }
            } catch (InterruptedException e) {
                return;
            }
            int n = seq.incrementAndGet();
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(ByteBuffer.allocate(4).putInt(0, n)).send()
                    .whenComplete((result, error) -> {
                        if (error == null && result.getError().isEmpty()) {
                            ledger.published.add(n);
                        }
                        window.release();
                    });
        }
    }

    /** Stops publishing (before a kill is survived by a restart, the old clients are dropped). */
    void stop() throws InterruptedException {
        publishing.set(false);
        if (publishLoop != null) {
            publishLoop.join(10_000);
        }
        for (Mqtt5AsyncClient c : new Mqtt5AsyncClient[] {publisher, subscriber}) {
            if (c != null) {
                c.disconnect().exceptionally(e -> null);
            }
        }
    }

    /** After the last restart: the subscriber resumes and drains; waits until nothing more arrives. */
    void drain(int mqttPort, long quietMillis) throws Exception {
        start(mqttPort);
        publishing.set(false);
        publishLoop.join(10_000);
        int last = -1;
        long quietSince = System.currentTimeMillis();
        while (System.currentTimeMillis() - quietSince < quietMillis) {
            if (ledger.received.size() != last) {
                last = ledger.received.size();
                quietSince = System.currentTimeMillis();
            }
            Thread.sleep(200);
        }
    }
}

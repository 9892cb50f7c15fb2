package io.edgeauth.device;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands a device's MQTT command messages to the application's handler: a failing handler is logged, never thrown. */
final class CommandDispatch implements BiConsumer<String, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceMqttClient.class); // the client's log, as before
    private final String deviceId;
    private final Consumer<Command> handler;

    CommandDispatch(String deviceId, Consumer<Command> handler) {
        this.deviceId = deviceId;
        this.handler = handler;
    }

    @Override
    public void accept(String topic, byte[] payload) {
        String path = Topics.downPath(deviceId, topic);
        if (path == null) {
            LOG.debug("device {}: ignoring message on {}", deviceId, topic);
            return;
        }
        try {
            handler.accept(new Command(topic, path, payload));
        } catch (RuntimeException e) {
            LOG.warn("device {}: command handler failed", deviceId, e);
        }
    }
}

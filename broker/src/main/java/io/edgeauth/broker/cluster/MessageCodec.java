package io.edgeauth.broker.cluster;

import io.edgeauth.broker.router.RoutedMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A routed message as bytes between nodes (inbox streams, shared retained messages). Hand-written
 * {@link DataOutputStream} fields behind a version byte: only our nodes read it, and it is on the
 * per-message path. Decoding a malformed or foreign record fails with {@link IllegalArgumentException}.
 */
final class MessageCodec {
    private static final int VERSION = 1;
    /** Far above an MQTT packet's properties: a record claiming more is not ours. */
    private static final int MAX_PROPERTIES = 10_000;

    private MessageCodec() {
    }

    static byte[] encode(RoutedMessage m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + m.payload().length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(m.tenant());
            out.writeUTF(m.topic());
            out.writeByte(m.qos());
            out.writeBoolean(m.retain());
            out.writeUTF(m.origin() == null ? "" : m.origin());
            out.writeInt(m.userProperties().size());
            for (RoutedMessage.UserProperty p : m.userProperties()) {
                out.writeUTF(p.name());
                out.writeUTF(p.value());
            }
            out.writeInt(m.payload().length);
            out.write(m.payload());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    static RoutedMessage decode(byte[] record) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown message record version " + version);
            }
            String tenant = in.readUTF();
            String topic = in.readUTF();
            int qos = in.readUnsignedByte();
            boolean retain = in.readBoolean();
            String origin = in.readUTF();
            int count = in.readInt();
            if (count < 0 || count > MAX_PROPERTIES) {
                throw new IllegalArgumentException("bad property count " + count);
            }
            List<RoutedMessage.UserProperty> properties = new ArrayList<>(Math.min(count, 16));
            for (int i = 0; i < count; i++) {
                properties.add(new RoutedMessage.UserProperty(in.readUTF(), in.readUTF()));
            }
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new IllegalArgumentException("bad payload length " + length);
            }
            byte[] payload = in.readNBytes(length);
            if (in.available() != 0) {
                throw new IllegalArgumentException("trailing bytes after the payload");
            }
            return new RoutedMessage(tenant, topic, payload, qos, retain, properties, origin.isEmpty() ? null : origin);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated message record", e);
        }
    }
}

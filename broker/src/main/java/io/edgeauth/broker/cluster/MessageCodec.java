package io.edgeauth.broker.cluster;

import io.edgeauth.broker.router.MessageAttributes;
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
    /** Version 1 with {@link MessageAttributes} before the payload; written only for a message that has some. */
    private static final int VERSION_ATTRIBUTES = 2;

    private MessageCodec() {
    }

    static byte[] encode(RoutedMessage m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + m.payload().length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            boolean attributes = m.attributes() != MessageAttributes.NONE;
            out.writeByte(attributes ? VERSION_ATTRIBUTES : VERSION); // nodes of an older build still read the rest
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
            if (attributes) {
                m.attributes().write(out);
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
            if (version != VERSION && version != VERSION_ATTRIBUTES) {
                throw new IllegalArgumentException("unknown message record version " + version);
            }
            String tenant = in.readUTF();
            String topic = in.readUTF();
            int qos = in.readUnsignedByte();
            boolean retain = in.readBoolean();
            String origin = in.readUTF();
            int count = in.readInt();
            // bounded by the record itself (a property takes at least its two 2-byte lengths), not by a fixed number:
            // 10000 refused what one PUBLISH of the default 256 KiB can carry (52428; tour AH, AH4)
            if (count < 0 || count > in.available() / 4) {
                throw new IllegalArgumentException("bad property count " + count);
            }
            List<RoutedMessage.UserProperty> properties = new ArrayList<>(Math.min(count, 16));
            for (int i = 0; i < count; i++) {
                properties.add(new RoutedMessage.UserProperty(in.readUTF(), in.readUTF()));
            }
            MessageAttributes attributes = version == VERSION_ATTRIBUTES ? MessageAttributes.read(in) : MessageAttributes.NONE;
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new IllegalArgumentException("bad payload length " + length);
            }
            byte[] payload = in.readNBytes(length);
            if (in.available() != 0) {
                throw new IllegalArgumentException("trailing bytes after the payload");
            }
            return new RoutedMessage(tenant, topic, payload, qos, retain, properties, origin.isEmpty() ? null : origin,
                    attributes);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated message record", e);
        }
    }
}

package io.edgeauth.broker.mqtt.persist;

import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.RoutedMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal's binary records: a routed message (with the key of the session that owes it) and a
 * session's description. Hand-written with {@link DataOutputStream} because the records are tiny, only
 * this journal reads them, and a format library would cost more per message than the encoding itself; a
 * leading version byte lets a later format coexist.
 */
final class Records {
    private static final int VERSION = 1;
    /** A message record of version 1 with {@link MessageAttributes} before the payload (a message that has some). */
    private static final int VERSION_ATTRIBUTES = 2;
    /** The highest record version this build writes: the session journal's format in the data directory's marker. */
    static final int NEWEST_VERSION = VERSION_ATTRIBUTES;
    /** Two-byte counts from this value on escape to an int ({@link #writeCount}). */
    private static final int LONG_COUNT = 0xFFFF;
    private static final String JOURNAL_FILE = "mqtt-sessions.mv.db";

    private Records() {
    }

    static byte[] message(String sessionKey, RoutedMessage m) {
        return write(versionOf(m), out -> {
            out.writeUTF(sessionKey == null ? "" : sessionKey);
            writeMessage(out, m);
        });
    }

    /** A queued message: the session it belongs to and the message. */
    record QueuedMessage(String sessionKey, RoutedMessage message) {
    }

    static QueuedMessage readQueued(byte[] bytes) {
        return read(bytes, (in, version) -> new QueuedMessage(in.readUTF(), readMessage(in, version)));
    }

    static byte[] retained(RoutedMessage m) {
        return write(versionOf(m), out -> writeMessage(out, m));
    }

    static RoutedMessage readRetained(byte[] bytes) {
        return read(bytes, Records::readMessage);
    }

    private static int versionOf(RoutedMessage m) {
        return m.attributes() == MessageAttributes.NONE ? VERSION : VERSION_ATTRIBUTES;
    }

    static byte[] session(PersistedSession s) {
        return write(VERSION, out -> {
            out.writeUTF(s.key());
            out.writeUTF(s.tenant());
            out.writeUTF(s.clientId());
            out.writeUTF(s.principal());
            out.writeLong(s.expirySeconds());
            out.writeInt(s.subscriptions().size());
            for (Map.Entry<String, Integer> e : s.subscriptions().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeByte(e.getValue());
            }
        });
    }

    static PersistedSession readSession(byte[] bytes) {
        return read(bytes, (in, version) -> {
            String key = in.readUTF();
            String tenant = in.readUTF();
            String clientId = in.readUTF();
            String principal = in.readUTF();
            long expiry = in.readLong();
            int n = in.readInt();
            Map<String, Integer> subs = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                subs.put(in.readUTF(), (int) in.readByte());
            }
            return new PersistedSession(key, tenant, clientId, principal, expiry, subs);
        });
    }

    private static void writeMessage(DataOutputStream out, RoutedMessage m) throws IOException {
        out.writeUTF(m.tenant());
        out.writeUTF(m.topic());
        out.writeByte(m.qos());
        out.writeBoolean(m.retain());
        out.writeUTF(m.origin() == null ? "" : m.origin());
        writeCount(out, m.userProperties().size());
        for (RoutedMessage.UserProperty p : m.userProperties()) {
            out.writeUTF(p.name());
            out.writeUTF(p.value());
        }
        if (m.attributes() != MessageAttributes.NONE) {
            m.attributes().write(out);
        }
        out.writeInt(m.payload().length);
        out.write(m.payload());
    }

    private static RoutedMessage readMessage(DataInputStream in, int version) throws IOException {
        String tenant = in.readUTF();
        String topic = in.readUTF();
        int qos = in.readByte();
        boolean retain = in.readBoolean();
        String origin = in.readUTF();
        int n = readCount(in);
        List<RoutedMessage.UserProperty> props = new ArrayList<>(Math.min(n, 16));
        for (int i = 0; i < n; i++) {
            props.add(new RoutedMessage.UserProperty(in.readUTF(), in.readUTF()));
        }
        MessageAttributes attributes = version == VERSION_ATTRIBUTES ? MessageAttributes.read(in) : MessageAttributes.NONE;
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        return new RoutedMessage(tenant, topic, payload, qos, retain, props, origin.isEmpty() ? null : origin, attributes);
    }

    /**
     * A count as records have always written it, two bytes, when below {@value #LONG_COUNT}; else that escape and the
     * count as an int. A PUBLISH of the default 256 KiB holds up to 52428 user properties: written as a signed short,
     * 32768 and more came back negative and the journal could not be read at start-up (tour AH, AH2).
     */
    private static void writeCount(DataOutputStream out, int n) throws IOException {
        if (n < LONG_COUNT) {
            out.writeShort(n);
        } else {
            out.writeShort(LONG_COUNT);
            out.writeInt(n);
        }
    }

    /** What {@link #writeCount} wrote (and earlier builds' counts, which were below 32768 where readable at all). */
    private static int readCount(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        if (n == LONG_COUNT) {
            n = in.readInt();
            if (n < LONG_COUNT) {
                throw new IOException("bad user property count " + n);
            }
        }
        return n;
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in, int version) throws IOException;
    }

    private static byte[] write(int version, Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] bytes, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int version = in.readByte();
            if (version != VERSION && version != VERSION_ATTRIBUTES) {
                // a rollback after a newer build wrote this: said so, it is not damage (tour U, U1)
                throw new IllegalStateException("MQTT session record of version " + version + " (this build reads "
                        + VERSION + " and " + VERSION_ATTRIBUTES + "), in the session journal " + JOURNAL_FILE
                        + " of the data directory or moved from another node: written by a newer broker. Run that"
                        + " version again, or see docs/upgrading.md (rolling back)");
            }
            return reader.read(in, version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

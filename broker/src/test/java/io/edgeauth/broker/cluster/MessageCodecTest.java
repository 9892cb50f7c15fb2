package io.edgeauth.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.RoutedMessage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The record a message travels in between nodes: round trip, and malformed, oversized and hostile records refused. */
class MessageCodecTest {
    static final RoutedMessage MESSAGE = new RoutedMessage("acme", "d/x/up/temp", "21.5".getBytes(StandardCharsets.UTF_8),
            1, true, List.of(new RoutedMessage.UserProperty("geo", "u33d"), new RoutedMessage.UserProperty("geo", "u33e")),
            "x");

    @Test
    void roundTripKeepsEveryField() {
        RoutedMessage back = MessageCodec.decode(MessageCodec.encode(MESSAGE));
        assertThat(back.tenant()).isEqualTo("acme");
        assertThat(back.topic()).isEqualTo("d/x/up/temp");
        assertThat(back.payload()).isEqualTo(MESSAGE.payload());
        assertThat(back.qos()).isEqualTo(1);
        assertThat(back.retain()).isTrue();
        assertThat(back.userProperties()).isEqualTo(MESSAGE.userProperties());
        assertThat(back.origin()).isEqualTo("x");
        RoutedMessage bare = new RoutedMessage("t", "a", null, 0, false, null, null);
        assertThat(MessageCodec.decode(MessageCodec.encode(bare)).origin()).isNull();
    }

    static final RoutedMessage WITH_ATTRIBUTES = new RoutedMessage("acme", "d/x/down/read", new byte[] {1}, 1, false,
            List.of(), "svc", new MessageAttributes(1_765_000_000_000L, 1, "application/json", "d/x/up/reply",
            new byte[] {0, 1, (byte) 0xff}));

    @Test
    void theMessagesAttributesTravelAndAMessageWithoutAnyKeepsTheFirstVersion() {
        RoutedMessage back = MessageCodec.decode(MessageCodec.encode(WITH_ATTRIBUTES));
        assertThat(back.attributes().expiresAtMillis()).isEqualTo(1_765_000_000_000L);
        assertThat(back.attributes().payloadFormat()).isEqualTo(1);
        assertThat(back.attributes().contentType()).isEqualTo("application/json");
        assertThat(back.attributes().responseTopic()).isEqualTo("d/x/up/reply");
        assertThat(back.attributes().correlationData()).containsExactly(0, 1, 0xff);
        assertThat(MessageCodec.decode(MessageCodec.encode(MESSAGE)).attributes()).isSameAs(MessageAttributes.NONE);
        assertThat(MessageCodec.encode(MESSAGE)[0]).as("nodes of an older build read it").isEqualTo((byte) 1);
        assertThat(MessageCodec.encode(WITH_ATTRIBUTES)[0]).isEqualTo((byte) 2);
        byte[] good = MessageCodec.encode(WITH_ATTRIBUTES);
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> MessageCodec.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] unknownFlag = good.clone();
        unknownFlag[1 + 2 + 4 + 2 + 13 + 1 + 1 + 2 + 3 + 4] = (byte) 0x40; // after origin "svc" and 0 properties
        assertThatThrownBy(() -> MessageCodec.decode(unknownFlag)).hasMessageContaining("flags");
    }

    @Test
    void truncatedTrailingAndForeignRecordsAreRefused() {
        byte[] good = MessageCodec.encode(MESSAGE);
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> MessageCodec.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> MessageCodec.decode(trailing)).hasMessageContaining("trailing");
        byte[] otherVersion = good.clone();
        otherVersion[0] = 9;
        assertThatThrownBy(() -> MessageCodec.decode(otherVersion)).hasMessageContaining("version");
    }

    /**
     * A PUBLISH of the default 256 KiB packet holds up to 52428 user properties; above 10000 the other nodes refused
     * the record ("bad property count") and skipped it, so their subscribers never got a message that local ones and
     * the publisher's PUBACK said was routed (tour AH, AH4).
     */
    @Test
    void aMessageWithTensOfThousandsOfUserPropertiesTravels() {
        List<RoutedMessage.UserProperty> many = new java.util.ArrayList<>();
        for (int i = 0; i < 52_428; i++) {
            many.add(new RoutedMessage.UserProperty("", ""));
        }
        RoutedMessage m = new RoutedMessage("acme", "d/x/up/t", new byte[] {1}, 1, false, many, "x");
        assertThat(MessageCodec.decode(MessageCodec.encode(m)).userProperties()).hasSize(52_428);
    }

    @Test
    void hugeCountsAndLengthsAreRefusedBeforeAllocating() throws Exception {
        assertThatThrownBy(() -> MessageCodec.decode(record(Integer.MAX_VALUE, 0))).hasMessageContaining("property count");
        assertThatThrownBy(() -> MessageCodec.decode(record(-1, 0))).hasMessageContaining("property count");
        assertThatThrownBy(() -> MessageCodec.decode(record(0, Integer.MAX_VALUE))).hasMessageContaining("payload length");
        assertThatThrownBy(() -> MessageCodec.decode(record(0, -5))).hasMessageContaining("payload length");
        byte[] badQos = record(0, 0);
        badQos[1 + 2 + 1 + 2 + 1] = 7; // version, tenant "t", topic "a": then qos
        assertThatThrownBy(() -> MessageCodec.decode(badQos)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomBytesNeverEscapeAsAnotherException() {
        Random random = new Random(13);
        for (int i = 0; i < 5000; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            if (junk.length > 0 && random.nextBoolean()) {
                junk[0] = 1; // past the version check more often
            }
            try {
                MessageCodec.decode(junk);
            } catch (IllegalArgumentException expected) {
                // refused: the only allowed failure
            }
        }
    }

    /** A version 1 record for tenant "t", topic "a", QoS 0 with the given property count and payload length. */
    private static byte[] record(int properties, int payloadLength) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF("t");
            out.writeUTF("a");
            out.writeByte(0);
            out.writeBoolean(false);
            out.writeUTF("");
            out.writeInt(properties);
            out.writeInt(payloadLength);
        }
        return bytes.toByteArray();
    }
}

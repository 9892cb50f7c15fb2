package io.edgeauth.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RefusalCategory;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every refusal category on every MQTT packet that can carry a refusal, as the bytes on the wire. */
class MqttReasonsTest {

    @ParameterizedTest(name = "{0}: CONNACK 5 {1}, CONNACK 3.1.1 {2}, PUBACK {3}, SUBACK {4}, DISCONNECT {5}")
    @CsvSource({
            // category,     CONNACK v5, CONNACK v3, PUBACK, SUBACK, DISCONNECT
            "BAD_CREDENTIALS, 0x86,       4,          0x87,   0x87,   0x87",
            "NOT_AUTHORIZED,  0x87,       5,          0x87,   0x87,   0x87",
            "QUOTA_EXCEEDED,  0x97,       5,          0x97,   0x97,   0x97",
            "TOO_LARGE,       0x95,       5,          0x97,   0x97,   0x95",
            "SERVER_ERROR,    0x80,       3,          0x80,   0x80,   0x80",
            "UNAVAILABLE,     0x88,       3,          0x80,   0x80,   0x89",
            "BUSY,            0x89,       3,          0x80,   0x80,   0x89",
    })
    void eachCategoryHasOneCodePerPacket(RefusalCategory category, String connack5, int connack3, String puback,
                                         String suback, String disconnect) {
        assertThat(MqttReasons.connack(category, 5).byteValue() & 0xFF).isEqualTo(Integer.decode(connack5));
        assertThat(MqttReasons.connack(category, 4).byteValue() & 0xFF).isEqualTo(connack3);
        assertThat(MqttReasons.puback(category).byteValue() & 0xFF).isEqualTo(Integer.decode(puback));
        assertThat(MqttReasons.suback(category).byteValue() & 0xFF).isEqualTo(Integer.decode(suback));
        assertThat(MqttReasons.disconnect(category).byteValue() & 0xFF).isEqualTo(Integer.decode(disconnect));
    }

    @Test
    void theTableCoversEveryCategory() {
        Set<RefusalCategory> tabled = EnumSet.of(RefusalCategory.BAD_CREDENTIALS, RefusalCategory.NOT_AUTHORIZED,
                RefusalCategory.QUOTA_EXCEEDED, RefusalCategory.TOO_LARGE, RefusalCategory.SERVER_ERROR, RefusalCategory.UNAVAILABLE,
                RefusalCategory.BUSY);
        assertThat(tabled).containsExactlyInAnyOrder(RefusalCategory.values());
    }

    @Test
    void sessionEndsThatAreNoCategory() {
        assertThat(MqttReasons.sessionExpired().byteValue() & 0xFF).isEqualTo(0xA0); // maximum connect time
        assertThat(MqttReasons.rateAbuse().byteValue() & 0xFF).isEqualTo(0x96); // message rate too high
    }

    @Test
    void connectRefusalsBeforeAuthentication() {
        assertThat(MqttReasons.badAuthMethod(5).byteValue() & 0xFF).isEqualTo(0x8C);
        assertThat(MqttReasons.badAuthMethod(4).byteValue() & 0xFF).isEqualTo(4);
        assertThat(MqttReasons.badClientId(5).byteValue() & 0xFF).isEqualTo(0x85);
        assertThat(MqttReasons.badClientId(4).byteValue() & 0xFF).isEqualTo(2);
    }
}

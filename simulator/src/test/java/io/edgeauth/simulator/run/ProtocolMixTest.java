package io.edgeauth.simulator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ProtocolMixTest {
    @Test
    void sharesAreWhatTheWeightsSayAndEveryShardAgrees() {
        ProtocolMix quarter = ProtocolMix.parse("mqtt=3,coap=1");
        assertThat(quarter.coapShare()).isEqualTo(0.25);
        long coap = LongStream.range(0, 100_000).filter(i -> quarter.protocolOf(i) == ProtocolMix.Protocol.COAP).count();
        assertThat(coap).isBetween(24_000L, 26_000L);
        assertThat(quarter.protocolOf(12_345)).isEqualTo(ProtocolMix.parse("coap=1,mqtt=3").protocolOf(12_345));
        assertThat(ProtocolMix.parse("mqtt").anyCoap()).isFalse();
        assertThat(ProtocolMix.parse("COAP").anyMqtt()).isFalse();
        assertThat(ProtocolMix.parse("mqtt,coap").coapShare()).isEqualTo(0.5);
    }

    @Test
    void chaosDevicesSpreadOverBothProtocols() {
        ProtocolMix half = new ProtocolMix(0.5);
        ChaosPlan plan = new ChaosPlan(0.1, List.of(ChaosKind.FORGED));
        long chaos = LongStream.range(0, 20_000).filter(i -> plan.kindOf(i) != null).count();
        long chaosOnCoap = LongStream.range(0, 20_000).filter(i -> plan.kindOf(i) != null)
                .filter(i -> half.protocolOf(i) == ProtocolMix.Protocol.COAP).count();
        assertThat(chaosOnCoap).isBetween(chaos * 4 / 10, chaos * 6 / 10);
    }
}

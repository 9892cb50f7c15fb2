package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class Block1TransfersTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final Block1Transfers<String> transfers = new Block1Transfers<>(3, 2, 100, now::get);

    @Test
    void theUploadBeyondTheGlobalBoundIsRefusedWhateverItsPeer() {
        assertThat(transfers.start("a1", "a")).isTrue();
        assertThat(transfers.start("b1", "b")).isTrue();
        assertThat(transfers.start("c1", "c")).isTrue();
        assertThat(transfers.start("d1", "d")).as("a fourth upload, bound 3").isFalse();
        transfers.end("b1");
        assertThat(transfers.start("d1", "d")).as("once one ended").isTrue();
    }

    @Test
    void theUploadBeyondThePeersBoundIsRefusedWhileOtherPeersStillStartTheirs() {
        assertThat(transfers.start("a1", "a")).isTrue();
        assertThat(transfers.start("a2", "a")).isTrue();
        assertThat(transfers.start("a3", "a")).as("a third upload of one peer, bound 2").isFalse();
        assertThat(transfers.start("b1", "b")).isTrue();
        assertThat(transfers.start("a1", "a")).as("a restart of an upload in progress").isTrue();
    }

    @Test
    void anUploadWithoutABlockForItsLifetimeStopsCountingAndEachBlockStartsItAgain() {
        transfers.start("a1", "a");
        transfers.start("a2", "a");
        now.addAndGet(60);
        assertThat(transfers.proceed("a1")).isTrue();
        now.addAndGet(60);
        assertThat(transfers.proceed("a2")).as("120 ns without a block, lifetime 100").isFalse();
        assertThat(transfers.proceed("a1")).as("a block 60 ns ago").isTrue();
        assertThat(transfers.size()).isEqualTo(1);
        assertThat(transfers.start("a3", "a")).isTrue();
        assertThat(transfers.proceed("never")).isFalse();
    }

    @Test
    void theSettingsBoundTheTransfersAndTheirLifetime() {
        CoapSettings d = CoapSettings.defaults();
        assertThat(d.maxBlockTransfers()).isEqualTo(256);
        assertThat(d.maxBlockTransfersPerPeer()).isEqualTo(4);
        assertThat(d.blockwiseLifetime()).isEqualTo(Duration.ofSeconds(60));
        assertThatThrownBy(() -> d.toBuilder().maxBlockTransfers(0).maxBlockTransfersPerPeer(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.toBuilder().maxBlockTransfers(2).maxBlockTransfersPerPeer(3).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.toBuilder().blockwiseLifetime(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.toBuilder().blockwiseLifetime(Duration.ofHours(1)).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}

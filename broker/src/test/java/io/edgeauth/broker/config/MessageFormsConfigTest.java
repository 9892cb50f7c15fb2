package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Refusals say what is wrong in the config's own terms: no overflowed sizes, durations as written (not PT1S). */
class MessageFormsConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void anOverflowingFileSizeIsTooLargeNotTooSmall() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_AUDIT_MAX_FILE_SIZE", "9999999999GB")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("audit.maxFileSize: expected at most 1024GB")
                .hasMessageNotContaining("at least 1KB");
        assertThat(loader.load(null, Map.of("EDGEAUTH_AUDIT_MAX_FILE_SIZE", "1024GB", "EDGEAUTH_AUDIT_FILE", "audit.log"))
                .audit().maxFileSize())
                .isEqualTo("1024GB");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_AUDIT_MAX_FILE_SIZE", "10")))
                .hasMessageContaining("audit.maxFileSize: expected at least 1KB, got 10");
    }

    @Test
    void durationsArePrintedAsTheConfigWritesThem() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_NOTIFICATION_MAX_AGE", "2s",
                "EDGEAUTH_COAP_COMMAND_RETENTION", "1500ms")))
                .hasMessageContaining("coap.commandRetention: must be 0s or at least coap.notificationMaxAge (2s)")
                .hasMessageContaining("got 1500ms").hasMessageNotContaining("PT");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_IDLE_TIMEOUT", "2h")))
                .hasMessageContaining("got 2h");
        assertThat(Durations.format(Duration.ofMillis(1999))).isEqualTo("1999ms");
        assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(Durations.format(Duration.ofDays(2))).isEqualTo("2d");
    }
}

package io.edgeauth.broker.mqtt.persist;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.router.RoutedMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A session-journal record of a version this build does not know says where it is and that a newer broker wrote it;
 * "journal record of unknown version 2" named neither the file nor the cause, and an operator rolling back could not
 * tell it from damage (tour U, U1). How the records of known versions are read is unchanged.
 */
class RecordsOfANewerBrokerTest {
    @Test
    void aRecordOfAnUnknownVersionNamesTheJournalAndANewerBroker() {
        RoutedMessage m = new RoutedMessage("acme", "d/x/down", new byte[] {1}, 1, false, List.of(), null,
                io.edgeauth.broker.router.MessageAttributes.NONE);
        for (byte[] record : List.of(Records.retained(m), Records.message("s", m))) {
            record[0] = 9; // the version byte of a later format
            assertThatThrownBy(() -> Records.readRetained(record))
                    .hasMessageContaining("version 9").hasMessageContaining("mqtt-sessions.mv.db")
                    .hasMessageContaining("written by a newer broker").hasMessageContaining("docs/upgrading.md");
        }
        byte[] session = Records.session(new PersistedSession("k", "acme", "c", "d", 60, java.util.Map.of()));
        session[0] = 9;
        assertThatThrownBy(() -> Records.readSession(session)).hasMessageContaining("written by a newer broker");
    }

    /** The data directory's marker names the newest record version this build writes (a raise goes with it). */
    @Test
    void theFormatMarkerKnowsTheNewestRecordVersion() {
        org.assertj.core.api.Assertions.assertThat(io.edgeauth.broker.store.DataFormats.CURRENT.get("sessionJournal"))
                .isEqualTo(Records.NEWEST_VERSION);
    }
}

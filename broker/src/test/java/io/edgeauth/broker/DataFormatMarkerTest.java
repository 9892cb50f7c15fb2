package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.testsupport.TestBrokers;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory says which formats its files are in ({@code data-format.properties}, written at each start), and
 * a build that finds a format newer than it knows refuses to start before it reads anything, naming the file, both
 * versions and the way out. Nothing told which build wrote a directory: an old build read half of it and stopped on
 * the first record it did not know ("journal record of unknown version 2", "corrupt revocation record"; tour U, U10).
 */
class DataFormatMarkerTest {
    @TempDir
    Path dir;

    private static final Map<String, String> NO_EDGES = Map.of("EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1");

    @Test
    void aStartWritesTheFormatsItUses() throws Exception {
        Path data = dir.resolve("data");
        Broker.start(TestBrokers.config(data, NO_EDGES)).close();
        Properties marker = read(data.resolve("data-format.properties"));
        assertThat(marker.getProperty("store")).isEqualTo("1");
        assertThat(marker.getProperty("sessionJournal")).isEqualTo("2");
        assertThat(marker.getProperty("coapCommands")).isEqualTo("2");
        assertThat(marker.getProperty("audit")).isEqualTo("1");
        assertThat(marker.getProperty("writtenBy")).contains("commit");
    }

    @Test
    void aDirectoryOfANewerFormatIsRefusedAndLeftAsItWas() throws Exception {
        Path data = dir.resolve("data");
        Broker.start(TestBrokers.config(data, NO_EDGES)).close();
        Path file = data.resolve("data-format.properties");
        String newer = Files.readString(file).replaceAll("(?m)^sessionJournal=.*$", "sessionJournal=7")
                .replaceAll("(?m)^writtenBy=.*$", "writtenBy=9.0.0 (commit 0123456789ab)");
        Files.writeString(file, newer);
        byte[] store = Files.readAllBytes(data.resolve("state.mv.db"));

        assertThatThrownBy(() -> Broker.start(TestBrokers.config(data, NO_EDGES)).close())
                .hasMessageContaining(file.toString())
                .hasMessageContaining("sessionJournal 7").hasMessageContaining("knows up to 2")
                .hasMessageContaining("9.0.0 (commit 0123456789ab)").hasMessageContaining("docs/upgrading.md");
        assertThat(file).hasContent(newer);
        assertThat(data.resolve("state.mv.db")).as("the store not opened").hasBinaryContent(store);
    }

    @Test
    void aDirectoryFromBeforeTheMarkerOpensAsBefore() throws Exception {
        Path data = dir.resolve("data");
        Broker.start(TestBrokers.config(data, NO_EDGES)).close();
        Files.delete(data.resolve("data-format.properties")); // as every build before 2026-12-07 left it
        Broker.start(TestBrokers.config(data, NO_EDGES)).close();
        assertThat(data.resolve("data-format.properties")).exists();
    }

    private static Properties read(Path file) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file)));
        return p;
    }
}

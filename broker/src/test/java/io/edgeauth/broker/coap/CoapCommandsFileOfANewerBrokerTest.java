package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.store.ChecksummedFile;
import io.edgeauth.broker.testsupport.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CoAP commands file of a version this build does not know (a newer broker wrote it, then the operator rolled back)
 * is neither read nor deleted: it is kept under a name that says why, and the log names it and what to do. It was
 * deleted, and the commands waiting in it were gone for the newer build too (tour U, U2).
 */
class CoapCommandsFileOfANewerBrokerTest {
    @TempDir
    Path dir;

    @Test
    void aFileOfANewerVersionIsKeptAsideNotDeleted() throws Exception {
        Path path = dir.resolve("coap-commands.bin");
        ChecksummedFile.write(path, out -> {
            out.writeInt(0x45414343); // "EACC"
            out.writeInt(99); // a version this build cannot know
            out.writeUTF("whatever a newer layout holds");
        });
        byte[] written = Files.readAllBytes(path);

        try (LogCapture logs = LogCapture.of(CoapCommandsFile.class)) {
            assertThat(new CoapCommandsFile(path).restore()).isEmpty();
            Path kept = dir.resolve("coap-commands.bin.unread-v99");
            assertThat(kept).as("kept, byte for byte").exists().hasBinaryContent(written);
            assertThat(path).doesNotExist(); // this build's own file is written anew at its stop
            assertThat(logs.events()).anySatisfy(e -> assertThat(e.getFormattedMessage())
                    .contains(path.toString()).contains("version 99").contains("written by a newer broker")
                    .contains(kept.getFileName().toString()).contains("docs/upgrading.md"));
        }
    }

    /** The data directory's marker names this file's version (a raise goes with it). */
    @Test
    void theFormatMarkerKnowsThisFilesVersion() {
        assertThat(io.edgeauth.broker.store.DataFormats.CURRENT.get("coapCommands")).isEqualTo(CoapCommandsFile.VERSION);
    }
}

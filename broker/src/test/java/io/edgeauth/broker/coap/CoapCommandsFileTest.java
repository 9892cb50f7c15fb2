package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoapCommandsFileTest {
    @TempDir
    Path dir;

    private static CoapCommandsFile.Kept kept(String principal, String... payloads) {
        List<ObservedCommands.Command> commands = java.util.Arrays.stream(payloads)
                .map(p -> new ObservedCommands.Command("d/" + principal + "/down/" + p, p.getBytes(StandardCharsets.UTF_8)))
                .toList();
        return new CoapCommandsFile.Kept("acme", principal, "d/" + principal + "/down", commands);
    }

    @Test
    void keepsObserversAndTheirCommandsInOrderAndIsReadOnce() throws Exception {
        CoapCommandsFile file = new CoapCommandsFile(dir.resolve("c.bin"));
        file.save(List.of(kept("pump-1", "open", "close"), kept("pump-2")));
        assertThat(Files.getPosixFilePermissions(file.path())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        List<CoapCommandsFile.Kept> back = file.restore();
        assertThat(back).hasSize(2);
        assertThat(back.get(0).tenant()).isEqualTo("acme");
        assertThat(back.get(0).principal()).isEqualTo("pump-1");
        assertThat(back.get(0).topic()).isEqualTo("d/pump-1/down");
        assertThat(back.get(0).commands()).extracting(c -> c.topic + "=" + new String(c.payload, StandardCharsets.UTF_8))
                .containsExactly("d/pump-1/down/open=open", "d/pump-1/down/close=close");
        assertThat(back.get(1).commands()).isEmpty();
        assertThat(file.path()).doesNotExist();
        assertThat(file.restore()).as("never twice").isEmpty();
    }

    @Test
    void aTruncatedOrDamagedFileRestoresNothingAndIsRemoved() throws Exception {
        CoapCommandsFile file = new CoapCommandsFile(dir.resolve("c.bin"));
        file.save(List.of(kept("pump-1", "open", "close")));
        byte[] whole = Files.readAllBytes(file.path());
        for (int cut = 0; cut < whole.length; cut += 7) {
            Files.write(file.path(), java.util.Arrays.copyOf(whole, cut));
            assertThat(file.restore()).as("cut at %d", cut).isEmpty();
            assertThat(file.path()).doesNotExist();
        }
        byte[] flipped = whole.clone();
        flipped[whole.length / 2] ^= 0x10;
        Files.write(file.path(), flipped);
        assertThat(file.restore()).isEmpty();
    }

    @Test
    void aCommandTooLargeToKeepIsLeftOutAndTheRestKept() throws Exception {
        CoapCommandsFile file = new CoapCommandsFile(dir.resolve("c.bin"));
        List<ObservedCommands.Command> commands = List.of(
                new ObservedCommands.Command("d/pump-1/down/big", new byte[(1 << 20) + 1]),
                new ObservedCommands.Command("d/pump-1/down/" + "x".repeat(20_000), new byte[1]),
                new ObservedCommands.Command("d/pump-1/down/small", "ok".getBytes(StandardCharsets.UTF_8)));
        file.save(List.of(new CoapCommandsFile.Kept("acme", "pump-1", "d/pump-1/down", commands)));
        List<CoapCommandsFile.Kept> back = file.restore();
        assertThat(back).hasSize(1);
        assertThat(back.get(0).commands()).extracting(c -> c.topic).containsExactly("d/pump-1/down/small");
    }

    @Test
    void aFileLeftBesideARestoreIsNeverRead() throws Exception {
        CoapCommandsFile file = new CoapCommandsFile(dir.resolve("c.bin"));
        file.save(List.of(kept("pump-1", "open")));
        Files.move(file.path(), dir.resolve("c.bin.restoring"));
        assertThat(file.restore()).isEmpty();
        assertThat(dir.resolve("c.bin.restoring")).doesNotExist();
    }

    @Test
    void aCommandsExpiryIsKept() {
        CoapCommandsFile file = new CoapCommandsFile(dir.resolve("c.bin"));
        file.save(List.of(new CoapCommandsFile.Kept("acme", "pump-1", "d/pump-1/down", List.of(
                new ObservedCommands.Command("d/pump-1/down/a", new byte[] {1}, 1_765_000_000_000L),
                new ObservedCommands.Command("d/pump-1/down/b", new byte[] {2})))));
        assertThat(file.restore().get(0).commands()).extracting(c -> c.expiresAtMillis)
                .containsExactly(1_765_000_000_000L, 0L);
    }
}

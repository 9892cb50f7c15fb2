package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour AE, AE1: {@code audit verify --jwks} exited 0 ("every checkpoint verified") for lines no checkpoint sealed:
 * anyone who can write the file could cut it, start a chain of their own ({@code seq} 0, {@code prev} ""), or a node
 * of their own, and write any lines after it without checkpoints; or put the genuine first lines of an earlier run
 * (its signed start checkpoint) after the cut, so that its checkpoint verified the forged lines' segment.
 */
class UnsealedChainTest {
    @TempDir
    Path dir;
    AuditChainFixture f;
    List<String> run1;
    List<String> run2;

    @BeforeEach
    void log() throws Exception {
        f = new AuditChainFixture();
        run1 = f.log("n1", 40, 10, AuditChainFixture.ticking(Instant.parse("2026-12-01T00:00:00Z")));
        run2 = f.log("n1", 40, 10, AuditChainFixture.ticking(Instant.parse("2026-12-02T00:00:00Z")));
    }

    private ChainVerifier.Report verify(List<String> lines) throws Exception {
        return new ChainVerifier(f.jwks).verify(List.of(AuditChainFixture.write(dir.resolve("audit.log"), lines)));
    }

    @Test
    void twoRealRunsOnStdoutVerify() throws Exception {
        List<String> lines = new ArrayList<>(run1);
        lines.addAll(run2);
        ChainVerifier.Report r = verify(lines);
        assertThat(r.firstBreak()).isNull();
        assertThat(r.exitCode(true)).isZero();
        assertThat(r.notes()).singleElement().asString().contains("1 chain restart(s)")
                .contains("0 later line(s) not sealed");
    }

    @Test
    void aForgedRestartWithoutCheckpointsIsNotVerified() throws Exception {
        List<String> lines = new ArrayList<>(run1.subList(0, 20));
        lines.addAll(AuditChainFixture.forgedAfter("n1", 0, null, 5));
        ChainVerifier.Report r = verify(lines);
        assertThat(r.firstBreak()).isNull();
        assertThat(r.exitCode(true)).as("nothing proves the lines after the restart").isEqualTo(3);
        assertThat(r.unsealed()).singleElement().asString().contains("audit.log:21").contains("node n1");
    }

    @Test
    void aNodeWithoutAnyVerifiedCheckpointIsNotVerified() throws Exception {
        List<String> lines = new ArrayList<>(run1);
        lines.addAll(AuditChainFixture.forgedAfter("n9", 0, null, 5));
        ChainVerifier.Report r = verify(lines);
        assertThat(r.firstBreak()).isNull();
        assertThat(r.exitCode(true)).isEqualTo(3);
        assertThat(r.unsealed()).singleElement().asString().contains("node n9");
        assertThat(r.exitCode(false)).as("without a JWKS nothing is claimed about checkpoints").isZero();
    }

    @Test
    void theReplayedStartOfAnEarlierRunDoesNotSealForgedLines() throws Exception {
        List<String> lines = new ArrayList<>(run1);
        lines.addAll(run2.subList(0, 15));
        lines.add(run1.get(0)); // audit.started, seq 0
        lines.add(run1.get(1)); // its start checkpoint, signed a day before the lines above
        lines.addAll(AuditChainFixture.forgedAfter("n1", 2, run1.get(1), 5));
        ChainVerifier.Report r = verify(lines);
        assertThat(r.firstBreak()).isNotNull();
        assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.BAD_CHECKPOINT);
        assertThat(r.firstBreak().line()).isEqualTo("audit.log:" + (run1.size() + 15 + 2));
        assertThat(r.firstBreak().message()).contains("replayed");
        assertThat(r.unsealed()).as("a broken log is reported by its break alone").isEmpty();
    }

    /**
     * Tour AE, AE3: a file cut after any line verifies, checkpoints or not (nothing in a file says where it ended);
     * the summary names when the last verified checkpoint was signed, so the operator can compare it with when the
     * node last ran (a running node with traffic signs one every checkpointInterval).
     */
    @Test
    void theSummaryNamesWhenTheLastVerifiedCheckpointWasSigned() throws Exception {
        List<String> cut = run1.subList(0, 25);
        String lastCheckpoint = null;
        for (String l : cut) {
            if (l.contains("\"event\":\"audit.checkpoint\"")) {
                lastCheckpoint = l;
            }
        }
        String signed = new io.vertx.core.json.JsonObject(lastCheckpoint).getString("ts");
        ChainVerifier.Report r = verify(cut);
        assertThat(r.exitCode(true)).isZero();
        assertThat(r.notes()).singleElement().asString().contains("signed " + signed);
    }
}

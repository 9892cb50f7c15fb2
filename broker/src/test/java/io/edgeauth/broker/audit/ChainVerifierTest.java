package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier proves a good log unbroken and names the first altered, missing or reordered line, or a forged
 * checkpoint (issue 15, tamper-evident audit).
 */
class ChainVerifierTest {
    @TempDir
    Path dir;
    AuditChainFixture f;
    List<String> good;

    @BeforeEach
    void log() throws Exception {
        f = new AuditChainFixture();
        good = f.log("n1", 40, 10);
    }

    private ChainVerifier.Report verify(List<String> lines, JWKSet jwks) throws Exception {
        return new ChainVerifier(jwks).verify(List.of(AuditChainFixture.write(dir.resolve("audit.log"), lines)));
    }

    @Test
    void aGoodLogIsUnbrokenAndSealedByVerifiedCheckpoints() throws Exception {
        ChainVerifier.Report r = verify(good, f.jwks);
        assertThat(r.firstBreak()).isNull();
        assertThat(r.lines()).isEqualTo(good.size());
        assertThat(r.verified()).as("start and after every 10 events (nothing left to seal at stop)").isEqualTo(5);
        assertThat(r.exitCode(true)).isZero();
        assertThat(r.notes()).singleElement().asString().contains("node n1").contains("0 later line(s) not sealed");
        JsonObject first = new JsonObject(good.get(0));
        assertThat(first.getLong("seq")).isZero();
        assertThat(first.getString("prev")).isEmpty();
        assertThat(first.getString("event")).isEqualTo("audit.started");
    }

    @Test
    void withoutJwksTheChainIsCheckedAndCheckpointsAreLeftUnverified() throws Exception {
        ChainVerifier.Report r = verify(good, null);
        assertThat(r.firstBreak()).isNull();
        assertThat(r.unverified()).isEqualTo(5);
        assertThat(r.exitCode(false)).isZero();
    }

    @Test
    void anAlteredLineIsNamed() throws Exception {
        List<String> lines = new ArrayList<>(good);
        lines.set(5, lines.get(5).replace("pump-", "pwned-"));
        ChainVerifier.Report r = verify(lines, f.jwks);
        assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.ALTERED);
        assertThat(r.firstBreak().line()).isEqualTo("audit.log:6");
        assertThat(r.exitCode(true)).isEqualTo(1);
    }

    @Test
    void aLineWhosePrevWasRewrittenIsNamedItself() throws Exception {
        List<String> lines = new ArrayList<>(good);
        JsonObject o = new JsonObject(lines.get(7));
        lines.set(7, lines.get(7).replace(o.getString("prev"), "AAAA"));
        ChainVerifier.Report r = verify(lines, f.jwks);
        assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.ALTERED);
        assertThat(r.firstBreak().line()).isEqualTo("audit.log:8");
    }

    @Test
    void aLineWhoseSeqWasChangedIsNamed() throws Exception {
        List<String> lines = new ArrayList<>(good);
        lines.set(9, lines.get(9).replace("\"seq\":9,", "\"seq\":90,"));
        ChainVerifier.Report r = verify(lines, f.jwks);
        assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.ALTERED);
        assertThat(r.firstBreak().line()).isEqualTo("audit.log:10");
    }

    @Test
    void aDeletedLineIsNamedAsMissing() throws Exception {
        List<String> lines = new ArrayList<>(good);
        lines.remove(12);
        ChainVerifier.Report r = verify(lines, f.jwks);
        assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.MISSING);
        assertThat(r.firstBreak().message()).contains("seq 12 absent after audit.log:12");
    }

    @Test
    void swappedLinesAreNamedAsReordered() throws Exception {
        List<String> lines = new ArrayList<>(good);
        Collections.swap(lines, 20, 21);
        ChainVerifier.Report r = verify(lines, f.jwks);
        assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.REORDERED);
        assertThat(r.firstBreak().line()).isEqualTo("audit.log:21");
        assertThat(r.firstBreak().message()).contains("seq 20 comes later, at audit.log:22");
    }

    @Test
    void aLineMovedBackIsNamedAsReordered() throws Exception {
        List<String> lines = new ArrayList<>(good);
        lines.add(25, lines.remove(3)); // seq 3 now after seq 25
        ChainVerifier.Report r = verify(lines, f.jwks);
        assertThat(r.firstBreak().kind()).isIn(ChainVerifier.Kind.REORDERED);
        assertThat(r.firstBreak().line()).isEqualTo("audit.log:4");
    }

    @Test
    void aRewrittenChainWithoutTheKeyFailsAtTheFirstCheckpoint() throws Exception {
        // the forger re-chains the whole log after changing line 5, signing checkpoints with a key of their own
        AuditChainFixture forger = new AuditChainFixture();
        List<String> forged = forger.log("n1", 40, 10);
        ChainVerifier.Report chainOnly = verify(forged, null);
        assertThat(chainOnly.firstBreak()).as("the hash chain alone cannot tell").isNull();
        ChainVerifier.Report r = verify(forged, f.jwks);
        assertThat(r.firstBreak()).isNull();
        assertThat(r.verified()).isZero();
        assertThat(r.exitCode(true)).as("checkpoints by a key the JWKS lacks").isEqualTo(3);
    }

    @Test
    void aCheckpointWithAForgedSignatureIsABreak() throws Exception {
        List<String> lines = new ArrayList<>(good);
        int cp = indexOfCheckpoint(lines, 2);
        JsonObject o = new JsonObject(lines.get(cp));
        String jws = o.getString("jws");
        int sig = jws.lastIndexOf('.') + 1; // the signature's first character changes, whatever it was
        String bad = jws.substring(0, sig) + (jws.charAt(sig) == 'A' ? "B" : "A") + jws.substring(sig + 1);
        lines.set(cp, lines.get(cp).replace(jws, bad));
        // re-chain the next line so only the signature is wrong
        lines.set(cp + 1, lines.get(cp + 1).replace(new JsonObject(lines.get(cp + 1)).getString("prev"),
                AuditLine.hash(lines.get(cp))));
        ChainVerifier.Report r = verify(lines, f.jwks);
        assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.BAD_CHECKPOINT);
        assertThat(r.firstBreak().line()).isEqualTo("audit.log:" + (cp + 1));
    }

    @Test
    void hostileLinesAreMalformedNotCrashes() throws Exception {
        for (String hostile : List.of("", "not json", "[]", "{\"node\":\"n1\"}", "{\"node\":\"n1\",\"event\":\"x\",\"seq\":\"1\",\"prev\":1}",
                "{\"node\":\"n1\",\"event\":\"x\",\"seq\":-4,\"prev\":\"\"}", "x".repeat(AuditFiles.MAX_LINE_BYTES + 10))) {
            List<String> lines = new ArrayList<>(good);
            lines.add(3, hostile);
            ChainVerifier.Report r = verify(lines, f.jwks);
            assertThat(r.firstBreak()).as(hostile.length() > 80 ? "long line" : hostile).isNotNull();
            assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.MALFORMED);
            assertThat(r.firstBreak().line()).isEqualTo("audit.log:4");
        }
    }

    @Test
    void linesWrittenWithTheChainOffAreNotProof() throws Exception {
        AuditChainFixture.Lines sink = new AuditChainFixture.Lines();
        try (ChainedAuditLog log = new ChainedAuditLog(sink, new ChainedAuditLog.Settings("n1", false, 10),
                java.time.Clock.systemUTC())) {
            log.record("auth.accepted", "ok", java.util.Map.of());
        } // written by close() at the latest
        assertThat(new JsonObject(sink.lines.get(0)).containsKey("seq")).isFalse();
        assertThat(verify(sink.lines, null).firstBreak().kind()).isEqualTo(ChainVerifier.Kind.UNCHAINED);
    }

    @Test
    void interleavedNodesAreTwoChains() throws Exception {
        List<String> a = f.log("n1", 5, 10);
        List<String> b = f.log("n2", 5, 10);
        List<String> merged = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i < a.size()) {
                merged.add(a.get(i));
            }
            if (i < b.size()) {
                merged.add(b.get(i));
            }
        }
        ChainVerifier.Report r = verify(merged, f.jwks);
        assertThat(r.firstBreak()).isNull();
        assertThat(r.notes()).hasSize(2);
    }

    private static int indexOfCheckpoint(List<String> lines, int nth) {
        int seen = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("\"event\":\"audit.checkpoint\"") && ++seen == nth) {
                return i;
            }
        }
        throw new AssertionError("no checkpoint " + nth);
    }
}

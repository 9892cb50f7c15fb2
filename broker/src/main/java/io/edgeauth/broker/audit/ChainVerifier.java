package io.edgeauth.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWKSet;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Proves an audit log unbroken, or names its first break. Lines are read in order ({@link AuditFiles}: several
 * rotated files form one stream); each node's lines form their own chain. A line is in place when its
 * {@code seq} is one more than the node's previous line and its {@code prev} is that line's hash. When not:
 * <ul>
 *   <li>{@code prev} right, {@code seq} wrong: this line was ALTERED (its seq);</li>
 *   <li>{@code seq} right, {@code prev} wrong: the previous line was ALTERED, or this one if the next line's
 *       {@code prev} does not match it either;</li>
 *   <li>{@code seq} ahead: the lines between are MISSING, or REORDERED when the expected seq comes later;</li>
 *   <li>{@code seq} behind: REORDERED (or duplicated).</li>
 * </ul>
 * A line with {@code seq} 0 and an empty {@code prev} starts a new chain (a broker started without its previous
 * file). Checkpoint lines must sign this node, this seq and this line's {@code prev}; with a JWKS their signatures
 * are checked (a bad one is a break; a kid the JWKS lacks leaves the checkpoint unverified), every chain (a node's
 * lines from its first line or a restart) must hold a verified one (else it is reported unsealed: anyone who can write
 * the file can start a chain), and the first one after a restart must not be signed before the node's last one (else a
 * break: an earlier run's start replayed). Not thread-safe.
 */
public final class ChainVerifier {

    /** Kinds of break. */
    public enum Kind { ALTERED, MISSING, REORDERED, MALFORMED, UNCHAINED, BAD_CHECKPOINT }

    /** The first break: its kind, the line it names ({@code file:line}) and what was found. */
    public record Break(Kind kind, String line, String message) {
    }

    /**
     * The outcome.
     *
     * @param lines         lines read (up to the first break)
     * @param firstBreak    null if the chain is unbroken
     * @param verified      checkpoints whose signature the JWKS verified
     * @param unverified    checkpoints not verified (no JWKS given, or a kid it does not hold)
     * @param notes         per-node summaries and remarks, one line each
     * @param unsealed      chains (a node's lines from its first line or a restart on) that no checkpoint the JWKS
     *                      verified seals, one line each; always empty without a JWKS
     */
    public record Report(long lines, Break firstBreak, int verified, int unverified, List<String> notes,
                         List<String> unsealed) {
        /**
         * 0 unbroken (and, if a JWKS was given, every checkpoint verified and every chain sealed by one), 1 broken,
         * 3 unbroken but a checkpoint unverified or a chain without a verified checkpoint: nothing proves its lines
         * are the node's (whoever can write the file can start a chain or a node of their own).
         */
        public int exitCode(boolean jwksGiven) {
            if (firstBreak != null) {
                return 1;
            }
            return jwksGiven && (unverified > 0 || !unsealed.isEmpty()) ? 3 : 0;
        }
    }

    /** What the verifier remembers of a node's last line. */
    private static final class NodeState {
        final String node;
        long firstSeq;
        long seq;
        String hash;
        String ref;
        long lines;
        String sealedRef;
        long sealedSeq = -1;
        int restarts;
        /** Where the current chain began (the node's first line, or its last restart). */
        String chainStart;
        /** Signed time of the node's last verified checkpoint. */
        Instant lastSigned;
        String lastSignedRef;
        /** Set at a restart until the new chain's first verified checkpoint: that one must be signed after it. */
        Instant restartFloor;

        NodeState(String node) {
            this.node = node;
        }
    }

    private final JWKSet jwks;
    private final Signatures signatures = new Signatures(CryptoProviders.jdk());
    private final Map<String, NodeState> nodes = new HashMap<>();
    private final List<String> unsealed = new ArrayList<>();
    private int verified;
    private int unverified;
    private long lines;

    /** @param jwks keys to check checkpoint signatures with, or null to check only the chain */
    public ChainVerifier(JWKSet jwks) {
        this.jwks = jwks;
    }

    /** Verifies the files as one stream (see {@link AuditFiles#order}). */
    public Report verify(List<Path> files) throws IOException {
        try (AuditFiles.Lines in = AuditFiles.open(AuditFiles.order(files))) {
            return verify(in);
        }
    }

    Report verify(Iterator<AuditFiles.Line> in) {
        Break first = null;
        while (first == null && in.hasNext()) {
            first = check(in.next(), in);
        }
        List<String> notes = new ArrayList<>();
        nodes.values().stream().sorted(Comparator.comparing(s -> s.node)).forEach(s -> {
            notes.add(summary(s));
            unsealedChain(s);
        });
        // after a break the chains were not read to their end: the break is the finding
        return new Report(lines, first, verified, unverified, List.copyOf(notes),
                first == null ? List.copyOf(unsealed) : List.of());
    }

    private static String summary(NodeState s) {
        String sealed = s.sealedRef == null ? "no checkpoint verified"
                : "sealed through seq " + s.sealedSeq + " (checkpoint at " + s.sealedRef + ", signed " + s.lastSigned
                + "), "
                + (s.seq - s.sealedSeq) + " later line(s) not sealed yet";
        return "node " + s.node + ": " + s.lines + " line(s), seq " + s.firstSeq + ".." + s.seq
                + (s.restarts > 0 ? ", " + s.restarts + " chain restart(s)" : "") + "; " + sealed;
    }

    /**
     * Notes the node's current chain if no verified checkpoint seals it. A broker signs a checkpoint as soon as it
     * starts a chain; lines after a chain start that none seals may be anyone's.
     */
    private void unsealedChain(NodeState s) {
        if (jwks != null && s.sealedRef == null) {
            unsealed.add("node " + s.node + ": the chain from " + s.chainStart + " to " + s.ref
                    + " holds no checkpoint the JWKS verifies; nothing proves these lines are the node's");
        }
    }

    private Break check(AuditFiles.Line line, Iterator<AuditFiles.Line> rest) {
        lines++;
        Parsed p = Parsed.of(line);
        if (p.error != null) {
            return new Break(Kind.MALFORMED, line.ref(), line.ref() + " is not an audit record (" + p.error + ")");
        }
        if (p.seq < 0) {
            return new Break(Kind.UNCHAINED, line.ref(), line.ref() + " has no seq/prev: written with the chain off");
        }
        NodeState s = nodes.get(p.node);
        boolean genesis = p.seq == 0 && p.prev.equals(AuditLine.GENESIS);
        if (s == null || genesis) {
            if (s == null) {
                s = new NodeState(p.node);
                s.firstSeq = p.seq;
                nodes.put(p.node, s);
            } else {
                unsealedChain(s);
                s.restarts++;
                s.sealedRef = null;
                s.sealedSeq = -1;
                s.restartFloor = s.lastSigned;
            }
            s.chainStart = line.ref();
        } else {
            Break b = placement(s, p, line, rest);
            if (b != null) {
                return b;
            }
        }
        s.seq = p.seq;
        s.hash = line.hash();
        s.ref = line.ref();
        s.lines++;
        return p.checkpoint ? checkpoint(s, p, line) : null;
    }

    private Break placement(NodeState s, Parsed p, AuditFiles.Line line, Iterator<AuditFiles.Line> rest) {
        long expected = s.seq + 1;
        boolean prevOk = p.prev.equals(s.hash);
        if (prevOk && p.seq == expected) {
            return null;
        }
        String here = line.ref() + " (node " + p.node + ", seq " + p.seq + ")";
        if (prevOk) {
            return new Break(Kind.ALTERED, line.ref(), here + " altered: it follows " + s.ref + " but its seq is not "
                    + expected);
        }
        if (p.seq == expected) {
            AuditFiles.Line next = nextOf(p.node, rest);
            if (next != null && !line.hash().equals(Parsed.of(next).prev)) {
                return new Break(Kind.ALTERED, line.ref(), here + " altered: neither it nor " + next.ref()
                        + " chains to the line before");
            }
            return new Break(Kind.ALTERED, s.ref, s.ref + " (node " + p.node + ", seq " + s.seq
                    + ") altered: its hash is not the prev of " + line.ref());
        }
        if (p.seq > expected) {
            String later = find(p.node, expected, rest);
            if (later != null) {
                return new Break(Kind.REORDERED, line.ref(), here + " out of order: seq " + expected
                        + " comes later, at " + later);
            }
            return new Break(Kind.MISSING, line.ref(), "missing line(s) before " + here + ": seq " + expected
                    + (p.seq - 1 > expected ? ".." + (p.seq - 1) : "") + " absent after " + s.ref);
        }
        return new Break(Kind.REORDERED, line.ref(), here + " out of order or repeated: it comes after seq " + s.seq
                + " at " + s.ref);
    }

    private Break checkpoint(NodeState s, Parsed p, AuditFiles.Line line) {
        JwsCheckpoints.Verified v = p.jws == null ? null : JwsCheckpoints.verify(p.jws, jwks, signatures);
        String why = null;
        if (v == null || v.payload() == null) {
            why = "its jws is missing or unparseable";
        } else if (!JwsCheckpoints.text(v.payload(), "node").orElse("").equals(p.node)
                || v.payload().path("seq").asLong(-1) != p.seq
                || !JwsCheckpoints.text(v.payload(), "head").orElse("").equals(p.prev)) {
            why = "its signed node/seq/head are not this line's";
        } else if (v.check() == JwsCheckpoints.Check.INVALID) {
            why = "its signature does not verify (kid " + LogEscaping.escape(v.kid()) + ")";
        }
        if (why != null) {
            return new Break(Kind.BAD_CHECKPOINT, line.ref(), "checkpoint " + line.ref() + " is forged or altered: " + why);
        }
        if (v.check() == JwsCheckpoints.Check.VALID) {
            Instant signed = signedAt(v.payload());
            if (s.restartFloor != null && (signed == null || signed.isBefore(s.restartFloor))) {
                return new Break(Kind.BAD_CHECKPOINT, line.ref(), "checkpoint " + line.ref() + " is replayed: signed at "
                        + signed + ", before the checkpoint at " + s.lastSignedRef + " (" + s.restartFloor
                        + ") that precedes the chain restart at " + s.chainStart + "; lines of an earlier run put after it");
            }
            s.restartFloor = null;
            s.lastSigned = signed;
            s.lastSignedRef = line.ref();
            verified++;
            s.sealedRef = line.ref();
            s.sealedSeq = p.seq;
        } else {
            unverified++;
        }
        return null;
    }

    private static Instant signedAt(JsonNode payload) {
        try {
            return JwsCheckpoints.text(payload, "ts").map(Instant::parse).orElse(null);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static AuditFiles.Line nextOf(String node, Iterator<AuditFiles.Line> rest) {
        while (rest.hasNext()) {
            AuditFiles.Line l = rest.next();
            if (node.equals(Parsed.of(l).node)) {
                return l;
            }
        }
        return null;
    }

    private static String find(String node, long seq, Iterator<AuditFiles.Line> rest) {
        while (rest.hasNext()) {
            AuditFiles.Line l = rest.next();
            Parsed p = Parsed.of(l);
            if (node.equals(p.node) && p.seq == seq) {
                return l.ref();
            }
        }
        return null;
    }

    /** The chain fields of one line. */
    private record Parsed(String node, long seq, String prev, boolean checkpoint, String jws, String error) {
        static Parsed of(AuditFiles.Line line) {
            JsonNode n;
            try {
                n = AuditLine.JSON.readTree(line.text());
            } catch (IOException | RuntimeException e) {
                return new Parsed(null, -1, null, false, null, "not JSON");
            }
            if (n == null || !n.isObject() || !n.path("node").isTextual() || !n.path("event").isTextual()) {
                return new Parsed(null, -1, null, false, null, "no node or event");
            }
            String node = LogEscaping.escape(n.get("node").asText()); // it reaches the report: no control characters
            if (!n.has("seq")) {
                return new Parsed(node, -1, null, false, null, null);
            }
            if (!n.get("seq").isIntegralNumber() || n.get("seq").asLong(-1) < 0 || !n.path("prev").isTextual()) {
                return new Parsed(node, -1, null, false, null, "seq or prev malformed");
            }
            boolean checkpoint = ChainedAuditLog.CHECKPOINT.equals(n.get("event").asText());
            String jws = n.path("jws").isTextual() ? n.get("jws").asText() : null;
            return new Parsed(node, n.get("seq").asLong(), n.get("prev").asText(), checkpoint, jws, null);
        }
    }
}

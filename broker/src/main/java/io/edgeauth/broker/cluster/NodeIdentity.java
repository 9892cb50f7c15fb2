package io.edgeauth.broker.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * This node's id among the nodes sharing one Redis: {@code store.nodeId}, or a random id created once
 * and kept in {@code dataDir/node-id}. It must outlive a restart: it names the node's inbox stream, and
 * a restarted node takes back what its previous run read but had not acknowledged.
 */
public final class NodeIdentity {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private NodeIdentity() {
    }

    /** This node's id: {@code configured} when set, else the one kept in {@code dataDir/node-id} (made once). */
    public static String resolve(String configured, Path dataDir) {
        if (configured != null && !configured.isEmpty()) {
            return configured; // validated by the config check
        }
        Path file = dataDir.resolve("node-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!VALID.matcher(id).matches()) {
                    throw new IllegalStateException(file + " does not hold a node id (1 to 64 of A-Z a-z 0-9 _ . -);"
                            + " delete it to get a new one");
                }
                return id;
            }
            byte[] random = new byte[8];
            new java.security.SecureRandom().nextBytes(random);
            String id = "node-" + HexFormat.of().formatHex(random);
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the node id in " + file, e);
        }
    }
}

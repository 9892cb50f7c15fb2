package io.edgeauth.broker.policy;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.geo.GeoHash;
import java.util.List;

/**
 * GeoHash region rules of the contract (docs/contract.md): a token's {@code geo} cells must overlap the node's cell (one a
 * prefix of the other), and a location a client reports must lie inside one of its token's cells.
 * A token without a {@code geo} claim is not region-restricted. Immutable and thread-safe.
 */
public final class GeoPolicy {
    /** More cells than this in one token is refused: the claim is meant to be a handful of regions. */
    public static final int MAX_TOKEN_CELLS = 1024;

    private final String nodeCell;

    /** @param nodeCell the cell this node serves; empty = the whole world */
    public GeoPolicy(String nodeCell) {
        this.nodeCell = nodeCell == null ? "" : nodeCell;
    }

    public String nodeCell() {
        return nodeCell;
    }

    /** Refuses a token of a region-bound issuer on a node outside that issuer's region. */
    public void checkIssuerRegion(String issuer, String issuerCell) throws TokenRejectedException {
        if (nodeCell.isEmpty() || issuerCell == null || issuerCell.isEmpty() || overlaps(issuerCell, nodeCell)) {
            return;
        }
        throw new TokenRejectedException(RejectionReason.OUTSIDE_REGION,
                "issuer " + issuer + " serves region " + issuerCell + ", not this node's region " + nodeCell);
    }

    /** Refuses a token whose cells all lie outside the node's cell. */
    public void checkToken(List<String> tokenCells) throws TokenRejectedException {
        if (tokenCells.size() > MAX_TOKEN_CELLS) {
            throw new TokenRejectedException(RejectionReason.MALFORMED,
                    "token carries more than " + MAX_TOKEN_CELLS + " geo cells");
        }
        for (String cell : tokenCells) {
            if (!GeoHash.isValid(cell) || !cell.equals(cell.toLowerCase(java.util.Locale.ROOT))) {
                throw new TokenRejectedException(RejectionReason.MALFORMED, "token geo claim holds a non-GeoHash value");
            }
        }
        if (nodeCell.isEmpty() || tokenCells.isEmpty()) {
            return;
        }
        for (String cell : tokenCells) {
            if (overlaps(cell, nodeCell)) {
                return;
            }
        }
        throw new TokenRejectedException(RejectionReason.OUTSIDE_REGION,
                "token geo cells " + abbreviate(tokenCells) + " do not overlap this node's region " + nodeCell);
    }

    /** Refuses a reported location outside the token's cells or the node's cell. */
    public void checkLocation(String reported, List<String> tokenCells) throws TokenRejectedException {
        if (reported == null) {
            return;
        }
        if (!GeoHash.isValid(reported)) {
            throw new TokenRejectedException(RejectionReason.LOCATION_OUTSIDE_CELLS,
                    "reported location is not a GeoHash (1-12 of 0-9 b-h j k m n p-z)");
        }
        reported = reported.toLowerCase(java.util.Locale.ROOT);
        // inside the node's cell, as inside a token cell: a coarser report ("u" on a u33d node) says nothing about it
        if (!nodeCell.isEmpty() && !reported.startsWith(nodeCell)) {
            throw new TokenRejectedException(RejectionReason.OUTSIDE_REGION,
                    "reported location " + reported + " is outside this node's region " + nodeCell);
        }
        if (tokenCells.isEmpty()) {
            return;
        }
        for (String cell : tokenCells) {
            if (reported.startsWith(cell)) {
                return;
            }
        }
        throw new TokenRejectedException(RejectionReason.LOCATION_OUTSIDE_CELLS,
                "reported location " + reported + " is outside the token's cells " + abbreviate(tokenCells));
    }

    /** Two cells overlap when one is a prefix of the other. */
    public static boolean overlaps(String a, String b) {
        return GeoHash.overlaps(a, b);
    }

    private static String abbreviate(List<String> cells) {
        return cells.size() <= 5 ? cells.toString() : cells.subList(0, 5) + " (+" + (cells.size() - 5) + ")";
    }
}

package io.edgeauth.broker.policy;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.geo.GeoHash;
import java.util.List;

/**
 * GeoHash region rules of the contract (docs/contract.md): a token's {@code geo} cells, bounded by its region-bound
 * issuer's cell and the device's registered region ({@link #cellsInForce}), must overlap the node's cell (one a
 * prefix of the other), and a location a client reports must lie inside one of those cells.
 * A token without a {@code geo} claim and without such bounds is not region-restricted. Immutable and thread-safe.
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

    /**
     * The cells a token's holder may use: the token's {@code geo} cells within the cell of the issuer that signed it
     * (a region-bound outside issuer) and within the device's registered region. Each bound keeps, of a token cell and
     * a bound's cell that overlap, the finer one; an absent {@code geo} is the bound's cells. The token is refused if
     * no cell is left, or if what is left lies outside the node's cell ({@link #checkToken}).
     *
     * @param issuerCell   the issuer's cell ({@code trustedIssuers[].regionGeohash}), or null/empty: not bound
     * @param deviceRegion the device record's {@code region}, or empty: not bound
     */
    public List<String> cellsInForce(List<String> tokenCells, String issuerCell, List<String> deviceRegion)
            throws TokenRejectedException {
        checkToken(tokenCells);
        List<String> cells = tokenCells;
        if (issuerCell != null && !issuerCell.isEmpty()) {
            cells = within(cells, List.of(issuerCell), "its issuer's region");
        }
        cells = within(cells, deviceRegion, "the device's registered region");
        if (cells != tokenCells) {
            // only the node's cell: the cap is the token's, and a token within it bounded by a region within the
            // registry's (1000 cells) may give more finer cells; before, that was refused as a malformed token (tour G)
            checkOverlapsNode(cells);
        }
        return cells;
    }

    private static List<String> within(List<String> cells, List<String> bound, String what) throws TokenRejectedException {
        if (bound.isEmpty()) {
            return cells;
        }
        if (cells.isEmpty()) {
            return bound;
        }
        // cells are the token's (checked: lower-case GeoHashes) or a bound's previous result; the bound's cells come
        // validated from the config or the registry and are normalized once here. Each token cell meets the bound's
        // cells that are its prefixes (at most 12 lengths, looked up) and those it is a prefix of (a range of the
        // sorted cells), kept in the bound's order as before; before, every pair was compared (normalizing both) and
        // each kept cell searched in a list: about 23 ms per authentication for a 1000-cell region (tour G)
        String[] b = new String[bound.size()];
        java.util.Map<String, Integer> firstIndex = new java.util.HashMap<>();
        for (int i = 0; i < b.length; i++) {
            b[i] = GeoHash.normalize(bound.get(i));
            firstIndex.putIfAbsent(b[i], i);
        }
        Integer[] order = new Integer[b.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparing((Integer i) -> b[i]).thenComparing(i -> i));
        String[] sorted = new String[b.length];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = b[order[i]];
        }
        java.util.Set<String> kept = new java.util.LinkedHashSet<>();
        java.util.List<Integer> meets = new java.util.ArrayList<>();
        for (String cell : cells) {
            meets.clear();
            for (int n = 1; n <= cell.length(); n++) {
                Integer i = firstIndex.get(cell.substring(0, n));
                if (i != null) {
                    meets.add(i); // duplicates of a prefix give the same kept cell: the first stands for them
                }
            }
            int from = java.util.Arrays.binarySearch(sorted, cell);
            from = from >= 0 ? from : -from - 1;
            for (int k = from; k < sorted.length && sorted[k].startsWith(cell); k++) {
                if (sorted[k].length() > cell.length()) {
                    meets.add(order[k]);
                }
            }
            java.util.Collections.sort(meets);
            for (int i : meets) {
                kept.add(cell.length() >= b[i].length() ? cell : b[i]);
            }
        }
        if (kept.isEmpty()) {
            throw new TokenRejectedException(RejectionReason.OUTSIDE_REGION,
                    "token geo cells " + abbreviate(cells) + " lie outside " + what + " " + abbreviate(bound));
        }
        return List.copyOf(kept);
    }

    /** Refuses a token whose cells all lie outside the node's cell. */
    public void checkToken(List<String> tokenCells) throws TokenRejectedException {
        if (tokenCells.size() > MAX_TOKEN_CELLS) {
            throw new TokenRejectedException(RejectionReason.MALFORMED,
                    "token carries more than " + MAX_TOKEN_CELLS + " geo cells");
        }
        for (int i = 0; i < tokenCells.size(); i++) {
            String cell = tokenCells.get(i);
            if (!GeoHash.isValid(cell)) {
                throw new TokenRejectedException(RejectionReason.MALFORMED, "token geo claim: cell " + i
                        + " is not a GeoHash (1-12 of 0-9 b-h j k m n p-z)");
            }
            if (!cell.equals(cell.toLowerCase(java.util.Locale.ROOT))) {
                // a valid GeoHash, but cells in tokens are compared as written: say why it is refused (tour G)
                throw new TokenRejectedException(RejectionReason.MALFORMED, "token geo claim: cell " + i
                        + " is not in lower case (token cells must be lower-case GeoHashes)");
            }
        }
        checkOverlapsNode(tokenCells);
    }

    /** Refuses cells that all lie outside the node's cell (none: not restricted). */
    private void checkOverlapsNode(List<String> tokenCells) throws TokenRejectedException {
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

    /**
     * A location that passed {@link #checkLocation} as routed messages carry it: in lower case, as the broker writes
     * cells everywhere (GeoHash is case-insensitive; a subscriber filtering by prefix misfiled {@code U33DC}: tour Y,
     * Y8); null stays null.
     */
    public static String routed(String checkedLocation) {
        return checkedLocation == null ? null : GeoHash.normalize(checkedLocation);
    }

    /** Two cells overlap when one is a prefix of the other. */
    public static boolean overlaps(String a, String b) {
        return GeoHash.overlaps(a, b);
    }

    private static String abbreviate(List<String> cells) {
        return cells.size() <= 5 ? cells.toString() : cells.subList(0, 5) + " (+" + (cells.size() - 5) + ")";
    }
}

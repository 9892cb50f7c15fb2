package io.edgeauth.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.geo.GeoHash;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link GeoPolicy#cellsInForce} and the token checks (tour G). */
class GeoPolicyTest {
    private static final String ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

    private static List<String> cellsUnder(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; out.size() < n; i++) {
            out.add(prefix + ALPHABET.charAt(i / 32 % 32) + ALPHABET.charAt(i % 32));
        }
        return out;
    }

    /**
     * A token within the cap (1001 cells) bounded by a region within the registry's (1000 cells) gives 1999 cells in
     * force: before, they were held to the token's cap and the token was refused as malformed ("more than 1024").
     */
    @Test
    void aTokenWithinTheCapBoundedByARegionWithinItsCapIsNotRefusedAsMalformed() throws Exception {
        List<String> token = new ArrayList<>(List.of("u"));
        token.addAll(cellsUnder("s0", 1000));
        List<String> region = new ArrayList<>(cellsUnder("u0", 999));
        region.add("s");
        List<String> inForce = new GeoPolicy("").cellsInForce(token, null, region);
        assertThat(inForce).hasSize(1999).startsWith("u000", "u001").endsWith("s0z6", "s0z7");
        // the token's own cap stands
        List<String> tooMany = cellsUnder("s0", GeoPolicy.MAX_TOKEN_CELLS + 1);
        assertThatThrownBy(() -> new GeoPolicy("").cellsInForce(tooMany, null, List.of()))
                .isInstanceOfSatisfying(TokenRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectionReason.MALFORMED));
    }

    /** The old rule, pair by pair, as the reference for the cells in force and their order. */
    private static List<String> reference(List<String> cells, List<String> bound) {
        if (bound.isEmpty()) {
            return cells;
        }
        if (cells.isEmpty()) {
            return bound;
        }
        List<String> kept = new ArrayList<>();
        for (String cell : cells) {
            for (String b : bound) {
                String finer = cell.length() >= b.length() ? cell : b;
                if (GeoHash.overlaps(cell, b) && !kept.contains(finer)) {
                    kept.add(finer);
                }
            }
        }
        return kept;
    }

    @Test
    void theCellsInForceAreThoseOfThePairwiseRuleInItsOrder() throws Exception {
        Random rnd = new Random(11);
        GeoPolicy policy = new GeoPolicy("");
        for (int t = 0; t < 2000; t++) {
            List<String> token = randomCells(rnd, rnd.nextInt(8));
            List<String> region = randomCells(rnd, rnd.nextInt(8));
            String issuer = rnd.nextInt(3) == 0 ? randomCells(rnd, 1).get(0) : null;
            List<String> expected = issuer == null ? token : reference(token, List.of(issuer));
            boolean refused = !token.isEmpty() && issuer != null && expected.isEmpty();
            if (!refused) {
                expected = reference(expected, region);
                refused = expected.isEmpty() && !(token.isEmpty() && issuer == null && region.isEmpty());
            }
            String what = token + " / " + issuer + " / " + region;
            if (refused) {
                assertThatThrownBy(() -> policy.cellsInForce(token, issuer, region)).as(what)
                        .isInstanceOfSatisfying(TokenRejectedException.class,
                                e -> assertThat(e.reason()).isEqualTo(RejectionReason.OUTSIDE_REGION));
            } else {
                assertThat(policy.cellsInForce(token, issuer, region)).as(what).containsExactlyElementsOf(expected);
            }
        }
    }

    private static List<String> randomCells(Random rnd, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                s.append(ALPHABET.charAt(rnd.nextInt(3))); // three characters, so cells meet often, duplicates too
            }
            out.add(s.toString());
        }
        return out;
    }

    /** An upper-case cell is a GeoHash, so "non-GeoHash value" did not say why the token was refused. */
    @Test
    void aRefusedTokenCellIsNamedWithTheReason() {
        GeoPolicy policy = new GeoPolicy("u33d");
        assertThatThrownBy(() -> policy.cellsInForce(List.of("u33d", "U33E"), null, List.of()))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectionReason.MALFORMED);
                    assertThat(e.getMessage()).contains("cell 1").contains("lower case");
                });
        assertThatThrownBy(() -> policy.cellsInForce(List.of("u33a"), null, List.of()))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectionReason.MALFORMED);
                    assertThat(e.getMessage()).contains("cell 0").contains("not a GeoHash");
                });
    }
}

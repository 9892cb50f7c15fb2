package io.edgeauth.geo;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RegionSet against brute-force references over plain lists of cells. */
class RegionSetTest {
    private static final String ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

    /** Random cells clustered under "u3" (so prefixes nest) of length 2..6, sometimes a full sibling group. */
    static List<String> randomCells(Random rnd, int n) {
        List<String> cells = new ArrayList<>();
        while (cells.size() < n) {
            String c = "u3" + randomSuffix(rnd, rnd.nextInt(4));
            if (rnd.nextInt(20) == 0 && c.length() < 6) {
                cells.addAll(GeoHash.children(c));
            } else {
                cells.add(c);
            }
        }
        return cells;
    }

    static String randomSuffix(Random rnd, int len) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < len; i++) {
            // a small sub-alphabet makes sibling collisions and nesting likely
            b.append(ALPHABET.charAt(rnd.nextInt(4)));
        }
        return b.toString();
    }

    /** Area containment: a member is a prefix of c, or all 32 children of c are covered. */
    static boolean covered(List<String> set, String c) {
        if (set.stream().anyMatch(c::startsWith)) {
            return true;
        }
        boolean finerMembers = set.stream().anyMatch(s -> s.length() > c.length() && s.startsWith(c));
        return finerMembers && c.length() < 12 && GeoHash.children(c).stream().allMatch(k -> covered(set, k));
    }

    static boolean overlaps(List<String> set, String c) {
        return set.stream().anyMatch(s -> GeoHash.overlaps(s, c));
    }

    @Test
    void containsOverlapsUnionIntersectionMatchBruteForce() {
        Random rnd = new Random(42);
        for (int round = 0; round < 40; round++) {
            List<String> a = randomCells(rnd, 1 + rnd.nextInt(40));
            List<String> b = randomCells(rnd, 1 + rnd.nextInt(40));
            RegionSet sa = RegionSet.of(a);
            RegionSet sb = RegionSet.of(b);
            RegionSet union = sa.union(sb);
            RegionSet inter = sa.intersection(sb);
            assertThat(union).isEqualTo(RegionSet.of(concat(a, b)));
            for (int q = 0; q < 300; q++) {
                String cell = "u3" + randomSuffix(rnd, rnd.nextInt(6));
                if (q % 10 == 0) {
                    cell = GeoHash.encode(rnd.nextDouble() * 180 - 90, rnd.nextDouble() * 360 - 180, 1 + rnd.nextInt(12));
                }
                boolean inA = covered(a, cell);
                boolean inB = covered(b, cell);
                assertThat(sa.contains(cell)).as("%s in %s", cell, a).isEqualTo(inA);
                assertThat(union.contains(cell)).as("union %s", cell).isEqualTo(covered(concat(a, b), cell));
                assertThat(inter.contains(cell)).as("intersection %s", cell).isEqualTo(inA && inB);
                assertThat(sa.overlaps(cell)).as("overlaps %s", cell).isEqualTo(overlaps(a, cell));
                LatLon p = GeoHash.centre(cell);
                assertThat(sa.contains(p)).isEqualTo(a.stream().anyMatch(s -> GeoHash.contains(s, p.lat(), p.lon())));
            }
            // canonical members are disjoint and cover exactly the same area as the input
            List<String> members = sa.cells();
            for (int i = 0; i + 1 < members.size(); i++) {
                assertThat(GeoHash.overlaps(members.get(i), members.get(i + 1))).isFalse();
            }
            assertThat(RegionSet.of(members)).isEqualTo(sa);
            assertThat(sa.union(sa)).isEqualTo(sa);
            assertThat(sa.intersection(sa)).isEqualTo(sa);
            assertThat(sa.intersection(RegionSet.empty()).isEmpty()).isTrue();
            assertThat(sa.union(RegionSet.empty())).isEqualTo(sa);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void siblingsMergeIntoTheirParentAndNestedCellsAreAbsorbed() {
        assertThat(RegionSet.of(GeoHash.children("u33")).cells()).containsExactly("u33");
        assertThat(RegionSet.of("u33", "u33d", "u33dbc", "U33E").cells()).containsExactly("u33");
        assertThat(RegionSet.of("u33d", "u33e").size()).isEqualTo(2);
        List<String> all = new ArrayList<>();
        for (String top : ALPHABET.split("")) {
            all.add(top);
        }
        RegionSet world = RegionSet.of(all);
        assertThat(world.cells()).hasSize(32);
        assertThat(world.contains(-90, -180)).isTrue();
        assertThat(world.contains("zzzzzzzzzzzz")).isTrue();
        assertThat(world.overlaps("u")).isTrue();
        assertThat(world.intersection(RegionSet.of("u33d"))).isEqualTo(RegionSet.of("u33d"));
    }

    @Test
    void brokerOverlapSemantics() {
        RegionSet claims = RegionSet.of("u33d", "u281");
        assertThat(claims.overlaps("u33")).isTrue();       // node cell contains a claim
        assertThat(claims.overlaps("u33dbc")).isTrue();    // claim contains the node cell
        assertThat(claims.overlaps("u33e")).isFalse();     // neighbour, touching only
        assertThat(claims.contains("u33")).isFalse();
        assertThat(claims.contains("u33dbc")).isTrue();
        assertThat(RegionSet.empty().overlaps("u")).isFalse();
        assertThat(RegionSet.empty().contains(0, 0)).isFalse();
    }

    @Test
    void pointQueries() {
        RegionSet berlin = RegionSet.of("u33d");
        LatLon inside = GeoHash.centre("u33d");
        assertThat(berlin.contains(inside)).isTrue();
        assertThat(berlin.contains(48.85, 2.35)).isFalse();
        BoundingBox box = GeoHash.decode("u33d");
        assertThat(berlin.contains(box.minLat(), box.minLon())).isTrue();   // owns south-west corner
        assertThat(berlin.contains(box.maxLat(), box.centre().lon())).isFalse(); // north edge is the next cell's
        assertThatThrownBy(() -> berlin.contains(Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesBadInput() {
        assertThatThrownBy(() -> RegionSet.of((List<String>) null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RegionSet.of("u33", null)).hasMessageContaining("null");
        assertThatThrownBy(() -> RegionSet.of("u3a")).hasMessageContaining("\"a\"");
        assertThatThrownBy(() -> RegionSet.of("u33").overlaps("")).hasMessageContaining("empty");
    }

    @Test
    void largeSetsStayCorrect() {
        Random rnd = new Random(3);
        List<String> cells = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            cells.add(GeoHash.encode(rnd.nextDouble() * 180 - 90, rnd.nextDouble() * 360 - 180, 3 + rnd.nextInt(6)));
        }
        RegionSet set = RegionSet.of(cells);
        for (String c : cells) {
            assertThat(set.contains(c)).isTrue();
            assertThat(set.contains(GeoHash.centre(c))).isTrue();
        }
        assertThat(RegionSet.of(set.cells())).isEqualTo(set);
    }
}

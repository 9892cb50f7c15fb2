package io.edgeauth.geo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeoHashTest {

    /** Textbook bisection with the documented rule (v >= mid goes up): the reference for encode. */
    static String reference(double lat, double lon, int precision) {
        double[] la = {-90, 90};
        double[] lo = {-180, 180};
        StringBuilder b = new StringBuilder();
        int bits = 0;
        int ch = 0;
        boolean lonTurn = true;
        while (b.length() < precision) {
            double[] r = lonTurn ? lo : la;
            double v = lonTurn ? lon : lat;
            double mid = (r[0] + r[1]) / 2;
            ch <<= 1;
            if (v >= mid) {
                ch |= 1;
                r[0] = mid;
            } else {
                r[1] = mid;
            }
            lonTurn = !lonTurn;
            if (++bits == 5) {
                b.append("0123456789bcdefghjkmnpqrstuvwxyz".charAt(ch));
                bits = 0;
                ch = 0;
            }
        }
        return b.toString();
    }

    @Test
    void propertyEncodeMatchesBisectionAndDecodeContainsThePoint() {
        Random rnd = new Random(20261124L);
        for (int i = 0; i < 100_000; i++) {
            double lat = rnd.nextDouble() * 180 - 90;
            double lon = rnd.nextDouble() * 360 - 180;
            if (i % 4 == 0) {
                // snap to a grid boundary so the boundary rule is exercised, not just random points
                int k = 1 + rnd.nextInt(30);
                lat = Math.floor(lat * (1 << k) / 180) * 180 / (1 << k);
                lon = Math.floor(lon * (1 << k) / 360) * 360 / (1 << k);
            }
            String full = GeoHash.encode(lat, lon, 12);
            assertThat(full).isEqualTo(reference(lat, lon, 12));
            int p = 1 + rnd.nextInt(12);
            String cell = full.substring(0, p);
            assertThat(GeoHash.encode(lat, lon, p)).isEqualTo(cell);
            BoundingBox box = GeoHash.decode(cell);
            assertThat(box.contains(LatLon.of(lat, lon))).isTrue();
            // the cell owns its south/west edge: the point is never on the north/east edge (except at 90/180)
            assertThat(lat < box.maxLat() || lat == 90).isTrue();
            assertThat(lon < box.maxLon() || lon == 180).isTrue();
            assertThat(GeoHash.contains(cell, lat, lon)).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void roundTripsAtEveryPrecision(int p) {
        Random rnd = new Random(p);
        for (int i = 0; i < 2_000; i++) {
            String cell = GeoHash.encode(rnd.nextDouble() * 180 - 90, rnd.nextDouble() * 360 - 180, p);
            BoundingBox box = GeoHash.decode(cell);
            assertThat(GeoHash.encode(box.centre(), p)).isEqualTo(cell);
            assertThat(GeoHash.encode(box.minLat(), box.minLon(), p)).isEqualTo(cell);
            assertThat(GeoHash.centre(cell)).isEqualTo(box.centre());
            double latSpan = 180.0 / (1L << (5 * p / 2));
            double lonSpan = 360.0 / (1L << ((5 * p + 1) / 2));
            assertThat(box.maxLat() - box.minLat()).isEqualTo(latSpan);
            assertThat(box.maxLon() - box.minLon()).isEqualTo(lonSpan);
        }
    }

    @Test
    void extremeCoordinatesFallIntoTheLastCell() {
        assertThat(GeoHash.encode(90, 180, 12)).isEqualTo("zzzzzzzzzzzz");
        assertThat(GeoHash.encode(-90, -180, 12)).isEqualTo("000000000000");
        assertThat(GeoHash.encode(0, 0, 1)).isEqualTo("s");
        assertThat(GeoHash.encode(-0.0, -0.0, 1)).isEqualTo("s");
        assertThat(GeoHash.encode(90, -180, 1)).isEqualTo("b");
        assertThat(GeoHash.encode(-90, 180, 1)).isEqualTo("p");
        assertThat(GeoHash.decode("zzzzzzzzzzzz").maxLat()).isEqualTo(90.0);
    }

    @Test
    void neighboursWrapAcrossTheAntimeridian() {
        String east = GeoHash.encode(10, 179.99, 5);
        String west = GeoHash.encode(10, -179.99, 5);
        assertThat(GeoHash.neighbour(east, Direction.E)).contains(west);
        assertThat(GeoHash.neighbour(west, Direction.W)).contains(east);
        assertThat(GeoHash.neighbour(east, Direction.NE)).contains(GeoHash.neighbour(west, Direction.N).orElseThrow());
        assertThat(GeoHash.neighbour(west, Direction.SW)).contains(GeoHash.neighbour(east, Direction.S).orElseThrow());
        // precision 1 has 8 columns: z's east neighbour is b
        assertThat(GeoHash.neighbour("z", Direction.E)).contains("b");
    }

    @Test
    void cellsOnThePolesHaveNoNorthOrSouthNeighbours() {
        String north = GeoHash.encode(90, 12, 6);
        assertThat(GeoHash.neighbours(north)).containsOnlyKeys(Direction.E, Direction.SE, Direction.S, Direction.SW, Direction.W);
        assertThat(GeoHash.neighbour(north, Direction.N)).isEmpty();
        String south = GeoHash.encode(-89.999, -170, 6);
        assertThat(GeoHash.neighbours(south)).containsOnlyKeys(Direction.N, Direction.NE, Direction.E, Direction.W, Direction.NW);
        assertThat(GeoHash.neighbour(south, Direction.SE)).isEmpty();
        // just below the top row everything exists
        String below = GeoHash.neighbour(north, Direction.S).orElseThrow();
        assertThat(GeoHash.neighbours(below)).hasSize(8).containsEntry(Direction.N, north);
    }

    @Test
    void neighboursAreAdjacentAndSymmetric() {
        Random rnd = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            String cell = GeoHash.encode(rnd.nextDouble() * 170 - 85, rnd.nextDouble() * 360 - 180, 1 + rnd.nextInt(12));
            for (var e : GeoHash.neighbours(cell).entrySet()) {
                Direction back = Direction.values()[(e.getKey().ordinal() + 4) % 8];
                assertThat(GeoHash.neighbour(e.getValue(), back)).contains(cell);
            }
            BoundingBox box = GeoHash.decode(cell);
            boolean polarRow = box.maxLat() == 90 || box.minLat() == -90;
            assertThat(new HashSet<>(GeoHash.neighbours(cell).values())).hasSize(polarRow ? 5 : 8).doesNotContain(cell);
        }
    }

    @Test
    void parentAndChildren() {
        assertThat(GeoHash.parent("u33d")).contains("u33");
        assertThat(GeoHash.parent("u")).isEmpty();
        List<String> kids = GeoHash.children("u33");
        assertThat(kids).hasSize(32).startsWith("u330").endsWith("u33z").doesNotHaveDuplicates();
        BoundingBox parent = GeoHash.decode("u33");
        double area = kids.stream().mapToDouble(k -> GeoHash.decode(k).areaSquareMetres()).sum();
        assertThat(area).isCloseTo(parent.areaSquareMetres(), org.assertj.core.data.Percentage.withPercentage(1e-9));
        for (String k : kids) {
            assertThat(GeoHash.parent(k)).contains("u33");
            assertThat(GeoHash.encode(GeoHash.centre(k), 3)).isEqualTo("u33");
        }
        assertThatThrownBy(() -> GeoHash.children("u33du33du33d"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maximum precision");
    }

    @Test
    void overlapsIsThePrefixRelation() {
        assertThat(GeoHash.overlaps("u33d", "u33")).isTrue();
        assertThat(GeoHash.overlaps("u33", "u33dbc")).isTrue();
        assertThat(GeoHash.overlaps("u33d", "u33d")).isTrue();
        assertThat(GeoHash.overlaps("u33d", "u33e")).isFalse();
        assertThat(GeoHash.overlaps("u33d", "u33e4")).isFalse();
        assertThat(GeoHash.overlaps("U33D", "u33")).isTrue();
        assertThat(GeoHash.contains("u33", 52.52, 13.40)).isTrue();
        assertThat(GeoHash.contains("u33", 48.85, 2.35)).isFalse();
    }

    @Test
    void upperCaseIsAcceptedAndFoldedToLowerCase() {
        assertThat(GeoHash.normalize("U33DbC")).isEqualTo("u33dbc");
        assertThat(GeoHash.decode("U33D")).isEqualTo(GeoHash.decode("u33d"));
        assertThat(GeoHash.neighbour("U33D", Direction.N)).contains(GeoHash.neighbour("u33d", Direction.N).orElseThrow());
        assertThat(GeoHash.isValid("U33D")).isTrue();
    }

    @Test
    void refusesBadCellsClearly() {
        assertBad(null, "must not be null");
        assertBad("", "must not be empty");
        assertBad("u33da", "invalid geohash character \"a\" at index 4");
        for (String bad : List.of("i", "l", "o", "A", "I", "L", "O", " ", "-", "u33d ", "é", "\u0000")) {
            assertBad(bad, "invalid geohash character");
        }
        assertBad("0123456789bcd", "longer than 12");
        String huge = "u".repeat(1_000_000);
        assertThatThrownBy(() -> GeoHash.decode(huge)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 12").hasMessageContaining("1000000 chars")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(120));
        assertThatThrownBy(() -> GeoHash.decode("u3\n3")).hasMessageContaining("\\u000a");
        assertThat(GeoHash.isValid(null)).isFalse();
        assertThat(GeoHash.isValid("")).isFalse();
        assertThat(GeoHash.isValid("abc")).isFalse();
        assertThat(GeoHash.isValid(huge)).isFalse();
        assertThat(GeoHash.isValid("0123456789bc")).isTrue();
    }

    private static void assertBad(String cell, String message) {
        assertThatThrownBy(() -> GeoHash.decode(cell)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
        assertThatThrownBy(() -> GeoHash.overlaps("u", cell)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeoHash.neighbours(cell)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeoHash.parent(cell)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RegionSet.of("u").contains(cell)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesBadCoordinatesAndPrecisions() {
        assertThatThrownBy(() -> GeoHash.encode(90.0001, 0, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("latitude out of range [-90, 90]: 90.0001");
        assertThatThrownBy(() -> GeoHash.encode(0, -180.5, 5)).hasMessage("longitude out of range [-180, 180]: -180.5");
        assertThatThrownBy(() -> GeoHash.encode(Double.NaN, 0, 5)).hasMessage("latitude must be a finite number, got NaN");
        assertThatThrownBy(() -> GeoHash.encode(0, Double.POSITIVE_INFINITY, 5)).hasMessage("longitude must be a finite number, got Infinity");
        assertThatThrownBy(() -> GeoHash.encode(0, 0, 0)).hasMessage("precision out of range [1, 12]: 0");
        assertThatThrownBy(() -> GeoHash.encode(0, 0, 13)).hasMessage("precision out of range [1, 12]: 13");
        assertThatThrownBy(() -> LatLon.of(-91, 0)).hasMessageContaining("-91");
        assertThatThrownBy(() -> new BoundingBox(10, 0, 0, 1)).hasMessageContaining("minLat 10.0 must be < maxLat 0.0");
        assertThatThrownBy(() -> new BoundingBox(0, 1, 170, -170)).hasMessageContaining("antimeridian");
    }

    @Test
    void allTopLevelCellsAreDistinctAndTileTheWorld() {
        Set<String> seen = new HashSet<>();
        double area = 0;
        for (char c : "0123456789bcdefghjkmnpqrstuvwxyz".toCharArray()) {
            seen.add(String.valueOf(c));
            area += GeoHash.decode(String.valueOf(c)).areaSquareMetres();
        }
        assertThat(seen).hasSize(32);
        assertThat(area).isCloseTo(4 * Math.PI * 6_371_008.8 * 6_371_008.8, org.assertj.core.data.Percentage.withPercentage(1e-9));
    }
}

package io.edgeauth.geo;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared external vectors (hkwi/python-geohash, ngeohash, geohash-java). */
class GeoHashVectorsTest {

    @Test
    void encodesEveryPrefixOfTheHkwiCases() {
        List<String[]> rows = Vectors.csv("encode_cases_hkwi.csv");
        assertThat(rows).hasSize(4096);
        for (String[] r : rows) {
            double lat = Double.parseDouble(r[0]);
            double lon = Double.parseDouble(r[1]);
            for (int p = 1; p <= 12; p++) {
                assertThat(GeoHash.encode(lat, lon, p)).as("%s,%s @%d", r[0], r[1], p).isEqualTo(r[2].substring(0, p));
            }
            // the 64-bit integer form carries 4 more bits than 12 characters
            long hash60 = Long.parseUnsignedLong(r[3], 16) >>> 4;
            assertThat(GeoHash.toBits(r[2])).isEqualTo(hash60);
        }
    }

    @Test
    void decodesTheHkwiCasesExactly() {
        List<String[]> rows = Vectors.csv("decode_cases_hkwi.csv");
        assertThat(rows).hasSize(4096);
        for (String[] r : rows) {
            BoundingBox box = GeoHash.decode(r[0]);
            // the vectors are rounded to 10 decimals; our boxes are exact binary fractions
            Offset<Double> tol = Offset.offset(1e-9);
            assertThat(box.minLat()).as(r[0]).isCloseTo(Double.parseDouble(r[1]), tol);
            assertThat(box.maxLat()).as(r[0]).isCloseTo(Double.parseDouble(r[2]), tol);
            assertThat(box.minLon()).as(r[0]).isCloseTo(Double.parseDouble(r[3]), tol);
            assertThat(box.maxLon()).as(r[0]).isCloseTo(Double.parseDouble(r[4]), tol);
            assertThat(GeoHash.encode(box.centre(), r[0].length())).isEqualTo(r[0]);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void neighboursMatchNgeohash() {
        List<String> lines = Vectors.lines("neighbors_cases_ngeohash.jsonl");
        assertThat(lines).hasSize(1000);
        for (String line : lines) {
            Map<String, Object> row = (Map<String, Object>) Vectors.json(line);
            String cell = (String) row.get("geohash");
            assertThat(GeoHash.encode((Double) row.get("lat"), (Double) row.get("lon"), cell.length())).isEqualTo(cell);
            List<String> expected = (List<String>) (List<?>) row.get("neighbors_n_ne_e_se_s_sw_w_nw");
            assertThat(new ArrayList<>(GeoHash.neighbours(cell).values())).as(cell).isEqualTo(expected);
            Direction[] dirs = Direction.values();
            for (int i = 0; i < 8; i++) {
                assertThat(GeoHash.neighbour(cell, dirs[i])).contains(expected.get(i));
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void matchesGeohashJavaKnownEncodingsAndTheBoundaryRule() {
        Map<String, Object> doc = (Map<String, Object>) Vectors.jsonFile("known_encodings_geohash-java.json");
        int boundaryCases = 0;
        for (Object o : (List<Object>) doc.get("encode")) {
            Map<String, Object> e = (Map<String, Object>) o;
            int p = ((Double) e.get("precision")).intValue();
            String actual = GeoHash.encode((Double) e.get("lat"), (Double) e.get("lon"), p);
            // our documented rule is geohash-java's: a value on a boundary goes to the upper cell
            assertThat(actual).isEqualTo(e.get("geohash"));
            if (Boolean.TRUE.equals(e.get("boundary_case"))) {
                boundaryCases++;
                assertThat(actual).isNotEqualTo(e.get("ngeohash_strict_gt"));
            }
        }
        assertThat(boundaryCases).isEqualTo(2);

        for (Object o : (List<Object>) doc.get("neighbours")) {
            Map<String, Object> n = (Map<String, Object>) o;
            String cell = (String) n.get("geohash");
            checkNeighbour(n, "north", cell, Direction.N);
            checkNeighbour(n, "south", cell, Direction.S);
            checkNeighbour(n, "east", cell, Direction.E);
            checkNeighbour(n, "west", cell, Direction.W);
            if (n.containsKey("east_of_east")) {
                assertThat(GeoHash.neighbour(GeoHash.neighbour(cell, Direction.E).orElseThrow(), Direction.E))
                        .contains((String) n.get("east_of_east"));
            }
            if (n.containsKey("west_of_west")) {
                assertThat(GeoHash.neighbour(GeoHash.neighbour(cell, Direction.W).orElseThrow(), Direction.W))
                        .contains((String) n.get("west_of_west"));
            }
        }

        for (Object o : (List<Object>) doc.get("adjacent_sets")) {
            Map<String, Object> a = (Map<String, Object>) o;
            assertThat(GeoHash.neighbours((String) a.get("geohash")).values())
                    .containsExactlyInAnyOrderElementsOf((List<String>) (List<?>) a.get("adjacent_any_order"));
        }
    }

    private static void checkNeighbour(Map<String, Object> n, String key, String cell, Direction d) {
        if (n.containsKey(key)) {
            assertThat(GeoHash.neighbour(cell, d)).as("%s of %s", key, cell).contains((String) n.get(key));
        }
    }
}

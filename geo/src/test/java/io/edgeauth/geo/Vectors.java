package io.edgeauth.geo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Access to the repository's test vectors ({@code testdata/}), plus a minimal JSON reader (tests only, no dependency). */
final class Vectors {
    private Vectors() {
    }

    static Path geohash(String file) {
        return testdataDir().resolve("geohash").resolve(file);
    }

    /**
     * The repository's {@code testdata/} folder: the {@code testdata.dir} property that surefire sets
     * (inside the checkout), else {@code ../testdata} from the module directory. Never outside the repository.
     */
    static Path testdataDir() {
        String prop = System.getProperty("testdata.dir");
        Path dir = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("..", "testdata");
        if (!Files.isDirectory(dir.resolve("geohash"))) {
            throw new IllegalStateException("test vectors not found in " + dir.toAbsolutePath().normalize()
                    + " (the repository's testdata/ folder)");
        }
        return dir;
    }

    static List<String> lines(String file) {
        try {
            return Files.readAllLines(geohash(file), StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CSV rows without the header line, split on commas. */
    static List<String[]> csv(String file) {
        return lines(file).stream().skip(1).map(l -> l.split(",")).toList();
    }

    static Object json(String text) {
        Json j = new Json(text);
        Object v = j.value();
        j.skipWs();
        if (j.pos != text.length()) {
            throw new IllegalArgumentException("trailing JSON at " + j.pos);
        }
        return v;
    }

    static Object jsonFile(String file) {
        try {
            return json(Files.readString(geohash(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Objects become LinkedHashMap, arrays List, numbers Double (as text: String kept exact). */
    private static final class Json {
        private final String s;
        int pos;

        Json(String s) {
            this.s = s;
        }

        Object value() {
            skipWs();
            char c = s.charAt(pos);
            if (c == '{') {
                return object();
            }
            if (c == '[') {
                return array();
            }
            if (c == '"') {
                return string();
            }
            if (s.startsWith("true", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("null", pos)) {
                pos += 4;
                return null;
            }
            int start = pos;
            while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            return Double.parseDouble(s.substring(start, pos));
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            pos++;
            skipWs();
            if (s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                skipWs();
                String key = string();
                skipWs();
                expect(':');
                m.put(key, value());
                skipWs();
                if (s.charAt(pos++) == '}') {
                    return m;
                }
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            pos++;
            skipWs();
            if (s.charAt(pos) == ']') {
                pos++;
                return l;
            }
            while (true) {
                l.add(value());
                skipWs();
                if (s.charAt(pos++) == ']') {
                    return l;
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (s.charAt(pos) != '"') {
                char c = s.charAt(pos++);
                if (c == '\\') {
                    char e = s.charAt(pos++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                            pos += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            pos++;
            return b.toString();
        }

        private void expect(char c) {
            if (s.charAt(pos++) != c) {
                throw new IllegalArgumentException("expected " + c + " at " + (pos - 1));
            }
        }

        void skipWs() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }
    }
}

package io.edgeauth.geo;

import io.edgeauth.geo.internal.Base32;
import io.edgeauth.geo.internal.Bits;
import io.edgeauth.geo.internal.Checks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * A set of GeoHash cells read as the area they cover, stored as a trie over the 32-character
 * alphabet. Immutable and thread-safe; queries cost O(length of the cell) and allocate nothing.
 *
 * <p>The trie is kept canonical: a cell absorbs the cells inside it, and 32 sibling cells are
 * replaced by their parent. So two sets covering the same area are {@link #equals equal}, and "is
 * this cell inside the set" is just "is some member a prefix of it".
 */
public final class RegionSet {
    private static final RegionSet EMPTY = new RegionSet(null);

    /** A node is either FULL (its whole cell is in the set, no children) or has 1..32 children. */
    private static final class Node {
        final int mask;
        final Node[] kids;

        Node(int mask, Node[] kids) {
            this.mask = mask;
            this.kids = kids;
        }

        Node child(int c) {
            return (mask & (1 << c)) == 0 ? null : kids[Integer.bitCount(mask & ((1 << c) - 1))];
        }
    }

    private static final Node FULL = new Node(0, new Node[0]);

    private final Node root;

    private RegionSet(Node root) {
        this.root = root;
    }

    public static RegionSet empty() {
        return EMPTY;
    }

    /** The set covering the given cells (validated; any case). */
    public static RegionSet of(Collection<String> cells) {
        if (cells == null) {
            throw new IllegalArgumentException("cells must not be null");
        }
        String[] sorted = new String[cells.size()];
        int i = 0;
        for (String c : cells) {
            sorted[i++] = GeoHash.normalize(c);
        }
        // the alphabet is in ASCII order, so String order is cell order and a prefix sorts first
        Arrays.sort(sorted);
        return sorted.length == 0 ? EMPTY : new RegionSet(build(sorted, 0, sorted.length, 0));
    }

    public static RegionSet of(String... cells) {
        return of(Arrays.asList(cells));
    }

    /** Whether the whole of {@code cell} lies inside the set. */
    public boolean contains(String cell) {
        String c = GeoHash.normalize(cell);
        Node n = root;
        for (int i = 0; n != null && n != FULL; i++) {
            if (i == c.length()) {
                return false;
            }
            n = n.child(Base32.indexOf(c.charAt(i)));
        }
        return n == FULL;
    }

    /** Whether the point lies inside the set (boundary rule as in {@link GeoHash}). */
    public boolean contains(double lat, double lon) {
        long hash = Bits.encode60(Checks.latitude(lat), Checks.longitude(lon));
        Node n = root;
        for (int shift = 55; n != null && n != FULL; shift -= 5) {
            n = n.child((int) (hash >>> shift) & 31);
        }
        return n == FULL;
    }

    public boolean contains(LatLon point) {
        return contains(point.lat(), point.lon());
    }

    /**
     * The broker's test: some member is a prefix of {@code cell} or {@code cell} is a prefix of
     * some member, i.e. the areas share a cell. Same as {@link GeoHash#overlaps} against each member.
     */
    public boolean overlaps(String cell) {
        String c = GeoHash.normalize(cell);
        Node n = root;
        for (int i = 0; i < c.length() && n != null && n != FULL; i++) {
            n = n.child(Base32.indexOf(c.charAt(i)));
        }
        return n != null;
    }

    public RegionSet union(RegionSet other) {
        return new RegionSet(union(root, other.root));
    }

    public RegionSet intersection(RegionSet other) {
        return new RegionSet(intersection(root, other.root));
    }

    public boolean isEmpty() {
        return root == null;
    }

    /** Number of member cells in canonical form. */
    public int size() {
        return cells().size();
    }

    /** Member cells in canonical form, in alphabet order. */
    public List<String> cells() {
        List<String> out = new ArrayList<>();
        collect(root, new StringBuilder(), out);
        return List.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegionSet r && cells().equals(r.cells());
    }

    @Override
    public int hashCode() {
        return cells().hashCode();
    }

    @Override
    public String toString() {
        List<String> cells = cells();
        return "RegionSet" + (cells.size() <= 16 ? cells : cells.subList(0, 16) + "... (" + cells.size() + " cells)");
    }

    /** Trie for sorted[from, to), all of which share their first {@code depth} characters. */
    private static Node build(String[] sorted, int from, int to, int depth) {
        if (sorted[from].length() == depth) {
            return FULL;
        }
        Node[] kids = new Node[32];
        for (int i = from; i < to; ) {
            char c = sorted[i].charAt(depth);
            int j = i;
            while (j < to && sorted[j].charAt(depth) == c) {
                j++;
            }
            kids[Base32.indexOf(c)] = build(sorted, i, j, depth + 1);
            i = j;
        }
        return node(kids);
    }

    /** Canonical node from 32 optional children: null if none, FULL if all are FULL. */
    private static Node node(Node[] kids) {
        int mask = 0;
        int full = 0;
        for (int c = 0; c < 32; c++) {
            if (kids[c] != null) {
                mask |= 1 << c;
                full += kids[c] == FULL ? 1 : 0;
            }
        }
        if (mask == 0) {
            return null;
        }
        if (full == 32) {
            return FULL;
        }
        Node[] compact = new Node[Integer.bitCount(mask)];
        int k = 0;
        for (Node kid : kids) {
            if (kid != null) {
                compact[k++] = kid;
            }
        }
        return new Node(mask, compact);
    }

    private static Node union(Node a, Node b) {
        if (a == null || b == FULL) {
            return b;
        }
        if (b == null || a == FULL) {
            return a;
        }
        Node[] kids = new Node[32];
        for (int c = 0; c < 32; c++) {
            kids[c] = union(a.child(c), b.child(c));
        }
        return node(kids);
    }

    private static Node intersection(Node a, Node b) {
        if (a == null || b == FULL) {
            return a;
        }
        if (b == null || a == FULL) {
            return b;
        }
        Node[] kids = new Node[32];
        for (int c = 0; c < 32; c++) {
            kids[c] = intersection(a.child(c), b.child(c));
        }
        return node(kids);
    }

    private static void collect(Node n, StringBuilder prefix, List<String> out) {
        if (n == FULL && prefix.length() == 0) {
            // the whole world: list it as the 32 top cells, "" is not a cell
            for (int c = 0; c < 32; c++) {
                out.add(String.valueOf(Base32.charAt(c)));
            }
            return;
        }
        if (n == FULL) {
            out.add(prefix.toString());
            return;
        }
        if (n == null) {
            return;
        }
        for (int c = 0; c < 32; c++) {
            Node kid = n.child(c);
            if (kid != null) {
                prefix.append(Base32.charAt(c));
                collect(kid, prefix, out);
                prefix.setLength(prefix.length() - 1);
            }
        }
    }
}

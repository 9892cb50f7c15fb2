package io.edgeauth.simulator.report;

import java.util.List;
import java.util.Locale;

/**
 * A line chart as inline SVG (no script, no external resource): axes with round ticks, one polyline per
 * series, a legend. Enough for rates and percentiles over time.
 */
final class SvgChart {
    static final int WIDTH = 920;
    static final int HEIGHT = 260;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 40;
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

    /**
     * One line: its label, x (seconds) and y values, its colour (an index into the palette: the same quantity
     * keeps its colour in both runs of a comparison) and whether it is drawn dashed (the second run).
     */
    record Series(String label, double[] x, double[] y, int color, boolean dashed) {
    }

    private SvgChart() {
    }

    static String color(int i) {
        return COLORS[i % COLORS.length];
    }

    /** The chart, or a short note when there is nothing to draw. */
    static String render(String title, String unit, List<Series> series) {
        double maxX = 1;
        double maxY = 0;
        boolean any = false;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                maxX = Math.max(maxX, s.x()[i]);
                maxY = Math.max(maxY, s.y()[i]);
                any = true;
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("<figure class=\"chart\"><figcaption>").append(Html.escape(title)).append("</figcaption>");
        if (!any) {
            return b.append("<p class=\"empty\">no data</p></figure>").toString();
        }
        double yTop = niceCeiling(maxY);
        double xTop = maxX;
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        b.append("<rect x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT).append("\" fill=\"#fff\"/>");
        for (int i = 0; i <= 5; i++) {
            double v = yTop * i / 5;
            double y = TOP + plotH - plotH * i / 5.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>", LEFT, y, LEFT + plotW, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>", LEFT - 6, y + 4, label(v)));
        }
        for (int i = 0; i <= 6; i++) {
            double v = xTop * i / 6;
            double x = LEFT + plotW * i / 6.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%ss</text>", x, TOP + plotH + 16, label(v)));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT, TOP + plotH, LEFT + plotW, TOP + plotH));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT, TOP, LEFT, TOP + plotH));
        b.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">%s</text>",
                TOP + plotH / 2, TOP + plotH / 2, Html.escape(unit)));
        int legendX = LEFT + 8;
        for (int s = 0; s < series.size(); s++) {
            Series line = series.get(s);
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < line.x().length; i++) {
                double x = LEFT + plotW * line.x()[i] / xTop;
                double y = TOP + plotH - plotH * (yTop == 0 ? 0 : line.y()[i] / yTop);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String c = color(line.color());
            b.append("<polyline class=\"series\" fill=\"none\" stroke-width=\"1.8\" stroke=\"").append(c).append('"')
                    .append(line.dashed() ? " stroke-dasharray=\"6 3\"" : "")
                    .append(" points=\"").append(pts.toString().trim()).append("\"/>");
            if (line.x().length == 1) {
                double x = LEFT + plotW * line.x()[0] / xTop;
                double y = TOP + plotH - plotH * (yTop == 0 ? 0 : line.y()[0] / yTop);
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", x, y, c));
            }
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"10\" width=\"12\" height=\"4\" fill=\"%s\"/>", legendX, c));
            String text = Html.escape(line.label());
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"11\">%s</text>", legendX + 16, text));
            legendX += 28 + Math.min(40, line.label().length()) * 6;
        }
        return b.append("</svg></figure>").toString();
    }

    /** 1, 2, 5 times a power of ten at or above {@code v}. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String label(double v) {
        if (v >= 1e9) {
            return String.format(Locale.ROOT, "%.1fG", v / 1e9);
        }
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (v >= 1e4) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}

package org.moma.reports.internal;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.slf4j.LoggerFactory;

/** Line charts written as PNG with JFreeChart, in one style for every report. */
public final class Charts {
  private static final Color[] PALETTE = {
    new Color(30, 30, 30), new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44),
    new Color(148, 103, 189), new Color(255, 127, 14), new Color(140, 86, 75), new Color(227, 119, 194)
  };

  private Charts() {}

  /**
   * Draws the chart, or says in the log why it could not: on a machine without fonts (a bare GPU
   * node, say) Java's font stack fails to load, and a finished run must not fail for a picture.
   *
   * @param series name → {xs, ys}; points whose y is not finite are left out
   * @return whether the PNG was written
   */
  public static boolean lines(Path file, String title, String xLabel, String yLabel, Map<String, double[][]> series) throws IOException {
    try {
      draw(file, title, xLabel, yLabel, series);
      return true;
    } catch (Error | RuntimeException e) {
      // seen on a GPU node: UnsatisfiedLinkError (libfontmanager without libharfbuzz), then "Fontconfig head is null" (no fonts)
      LoggerFactory.getLogger(Charts.class).warn("{} not drawn: {} (this machine lacks fonts: install fontconfig and a font,"
          + " e.g. fonts-dejavu-core)", file.getFileName(), e.toString());
      return false;
    }
  }

  private static void draw(Path file, String title, String xLabel, String yLabel, Map<String, double[][]> series) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Map.Entry<String, double[][]> e : series.entrySet()) {
      XYSeries s = new XYSeries(e.getKey());
      double[] xs = e.getValue()[0];
      double[] ys = e.getValue()[1];
      for (int i = 0; i < xs.length; i++) {
        if (Double.isFinite(ys[i])) {
          s.add(xs[i], ys[i]);
        }
      }
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(220, 220, 220));
    plot.setDomainGridlinePaint(new Color(220, 220, 220));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < series.size(); i++) {
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      renderer.setSeriesStroke(i, new BasicStroke(i == 0 ? 2.2f : 1.6f));
    }
    plot.setRenderer(renderer);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 480);
  }
}

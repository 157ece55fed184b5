#include "savant/figures/line_chart.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/figures/figure_canvas.hpp"

namespace savant {

std::string line_chart_figure(const std::string& title, const std::string& x_label,
                              const std::string& y_label, const std::vector<ChartSeries>& series,
                              double y_min, double y_max, FigureFormat format, FigureSize size) {
  std::set<double> xs;
  for (const auto& s : series)
    for (const auto& p : s.points) xs.insert(p.x);
  if (xs.empty() || !(*xs.begin() > 0)) throw Error("a chart needs positive x values");
  const FigureType type = figure_type(size);
  const double u = type.tick / 11;
  // The screen's layout: the legend right of the plot. A print size: the legend under it, the
  // title wrapped to the width.
  double width = 760, height = 470, left = 70, right = 230, top = 48, bottom = 58;
  const std::size_t newline = title.find('\n');
  std::vector<std::string> title_lines{title.substr(0, newline)};
  std::vector<std::string> subtitle_lines;
  if (newline != std::string::npos) subtitle_lines.push_back(title.substr(newline + 1));
  std::vector<std::string> x_label_lines{x_label};
  double legend_x = 0, legend_y = 0;
  if (type.print()) {
    TextRuler ruler;
    width = type.width;
    title_lines = wrap_text(ruler.cr(), title_lines[0], type.title, width - 8);
    if (!subtitle_lines.empty()) {
      subtitle_lines = wrap_text(ruler.cr(), subtitle_lines[0], type.note, width - 8);
    }
    left = 20 * u + 4 * type.tick;
    right = 8;
    top = 6 + static_cast<double>(title_lines.size()) * type.title * 1.2 +
          static_cast<double>(subtitle_lines.size()) * type.note * 1.25 + 6;
    const double plot_h = std::min(width - left - right, 3 * kPointsPerInch) * 0.62;
    x_label_lines = wrap_text(ruler.cr(), x_label, type.label, width - 8);
    bottom = 18 * u + static_cast<double>(x_label_lines.size()) * type.label * 1.3;
    legend_x = left;
    legend_y = top + plot_h + bottom + type.label;
    height = legend_y + static_cast<double>(series.size() + 1) * type.label * 1.5 + 4;
    bottom = height - top - plot_h;
  }
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  if (!type.print()) {
    legend_x = left + plot_w + 14;
    legend_y = top + 10;
  }
  const double lx0 = std::log(*xs.begin()), lx1 = std::log(*xs.rbegin());
  const double pad = (lx1 > lx0 ? lx1 - lx0 : 1.0) * 0.06;
  auto px = [&](double x) {
    return left + (std::log(x) - lx0 + pad) / (lx1 - lx0 + 2 * pad) * plot_w;
  };
  auto py = [&](double y) { return top + (1 - (y - y_min) / (y_max - y_min)) * plot_h; };

  // Screen text: ticks 12, labels 13 (a print size's own).
  const double tick = type.print() ? type.tick : 12, label = type.print() ? type.label : 13;
  FigureCanvas canvas(format, width, height, type.pixels_per_point);
  cairo_t* cr = canvas.cr();

  // Grid lines and axes.
  cairo_set_line_width(cr, u);
  const std::vector<double> y_ticks = nice_ticks(100 * y_min, 100 * y_max);
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;
  for (double t : y_ticks) {
    const double y = std::round(py(t / 100)) + 0.5;
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, left, y);
    cairo_line_to(cr, left + plot_w, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw_text(cr, left - 8 * u, y + 4 * u, tick_label(t, y_step) + "%", tick, 1);
  }
  for (double x : xs) {
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw_text(cr, px(x), top + plot_h + 18 * u, fmt::format("{}", x), tick, 0.5);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, left + 0.5, top + 0.5, plot_w, plot_h);
  cairo_stroke(cr);
  if (type.print()) {
    for (std::size_t i = 0; i < x_label_lines.size(); ++i) {
      draw_text(cr, width / 2, top + plot_h + 18 * u + static_cast<double>(i + 1) * label * 1.3,
                x_label_lines[i], label, 0.5);
    }
  } else {
    draw_text(cr, left + plot_w / 2, height - 16, x_label, label, 0.5);
  }
  // The title's first line large, a second line (after '\n') smaller, as a subtitle.
  if (type.print()) {
    double y = 6;
    for (const std::string& line : title_lines) {
      y += type.title * 1.2;
      draw_text(cr, width / 2.0, y - type.title * 0.2, line, type.title, 0.5);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    for (const std::string& line : subtitle_lines) {
      y += type.note * 1.25;
      draw_text(cr, width / 2.0, y, line, type.note, 0.5);
    }
  } else {
    draw_text(cr, width / 2.0, subtitle_lines.empty() ? 28 : 20, title_lines[0], 15, 0.5);
    if (!subtitle_lines.empty()) {
      cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      draw_text(cr, width / 2.0, 38, subtitle_lines[0], 12, 0.5);
    }
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  draw_vertical_text(cr, 20 * u, top + plot_h / 2, y_label, label);

  const double dash[] = {7 * u, 4 * u};
  for (const ChartSeries& s : series) {
    // The band: upper edge left to right, lower edge back.
    bool band = !s.points.empty();
    for (const auto& p : s.points) band = band && std::isfinite(p.low) && std::isfinite(p.high);
    if (band && s.points.size() > 1) {
      set_rgb(cr, s.colour, 0.18);
      cairo_move_to(cr, px(s.points.front().x), py(s.points.front().high));
      for (const auto& p : s.points) cairo_line_to(cr, px(p.x), py(p.high));
      for (auto it = s.points.rbegin(); it != s.points.rend(); ++it) {
        cairo_line_to(cr, px(it->x), py(it->low));
      }
      cairo_close_path(cr);
      cairo_fill(cr);
    }
    set_rgb(cr, s.colour);
    cairo_set_line_width(cr, 2.2 * u);
    cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0);
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      const auto& p = s.points[i];
      if (i == 0) {
        cairo_move_to(cr, px(p.x), py(p.mean));
      } else {
        cairo_line_to(cr, px(p.x), py(p.mean));
      }
    }
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    for (const auto& p : s.points) {
      cairo_arc(cr, px(p.x), py(p.mean), 3.2 * u, 0, 2 * M_PI);
      cairo_fill(cr);
    }
  }

  // Legend.
  double ly = legend_y;
  const double legend_step = type.print() ? type.label * 1.5 : 24;
  for (const ChartSeries& s : series) {
    set_rgb(cr, s.colour);
    cairo_set_line_width(cr, 2.2 * u);
    cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0);
    cairo_move_to(cr, legend_x, ly);
    cairo_line_to(cr, legend_x + 30 * u, ly);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_text(cr, legend_x + 36 * u, ly + 4 * u, s.label, type.print() ? type.label : 12);
    ly += legend_step;
  }
  cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
  draw_text(cr, legend_x, ly + (type.print() ? 0 : 10), "bands: 95% CI over seeds",
            type.print() ? type.note : 11);
  return canvas.finish();
}

}  // namespace savant

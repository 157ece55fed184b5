#include "savant/figures/line_chart.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/figures/figure_canvas.hpp"

namespace savant {

std::string line_chart_figure(const std::string& title, const std::string& x_label,
                              const std::string& y_label, const std::vector<ChartSeries>& series,
                              double y_min, double y_max, FigureFormat format) {
  std::set<double> xs;
  for (const auto& s : series)
    for (const auto& p : s.points) xs.insert(p.x);
  if (xs.empty() || !(*xs.begin() > 0)) throw Error("a chart needs positive x values");
  const int width = 760, height = 470;
  const double left = 70, right = 230, top = 48, bottom = 58;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  const double lx0 = std::log(*xs.begin()), lx1 = std::log(*xs.rbegin());
  const double pad = (lx1 > lx0 ? lx1 - lx0 : 1.0) * 0.06;
  auto px = [&](double x) {
    return left + (std::log(x) - lx0 + pad) / (lx1 - lx0 + 2 * pad) * plot_w;
  };
  auto py = [&](double y) { return top + (1 - (y - y_min) / (y_max - y_min)) * plot_h; };

  FigureCanvas canvas(format, width, height);
  cairo_t* cr = canvas.cr();

  // Grid lines and axes.
  cairo_set_line_width(cr, 1);
  const std::vector<double> y_ticks = nice_ticks(100 * y_min, 100 * y_max);
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;
  for (double t : y_ticks) {
    const double y = std::round(py(t / 100)) + 0.5;
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, left, y);
    cairo_line_to(cr, left + plot_w, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw_text(cr, left - 8, y + 4, tick_label(t, y_step) + "%", 12, 1);
  }
  for (double x : xs) {
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw_text(cr, px(x), top + plot_h + 18, fmt::format("{}", x), 12, 0.5);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, left + 0.5, top + 0.5, plot_w, plot_h);
  cairo_stroke(cr);
  draw_text(cr, left + plot_w / 2, height - 16, x_label, 13, 0.5);
  // The title's first line large, a second line (after '\n') smaller, as a subtitle.
  const std::size_t newline = title.find('\n');
  draw_text(cr, width / 2.0, newline == std::string::npos ? 28 : 20, title.substr(0, newline), 15,
            0.5);
  if (newline != std::string::npos) {
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    draw_text(cr, width / 2.0, 38, title.substr(newline + 1), 12, 0.5);
  }
  draw_vertical_text(cr, 20, top + plot_h / 2, y_label, 13);

  const double dash[] = {7, 4};
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
    cairo_set_line_width(cr, 2.2);
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
      cairo_arc(cr, px(p.x), py(p.mean), 3.2, 0, 2 * M_PI);
      cairo_fill(cr);
    }
  }

  // Legend.
  double ly = top + 10;
  for (const ChartSeries& s : series) {
    set_rgb(cr, s.colour);
    cairo_set_line_width(cr, 2.2);
    cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0);
    cairo_move_to(cr, left + plot_w + 14, ly);
    cairo_line_to(cr, left + plot_w + 44, ly);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_text(cr, left + plot_w + 50, ly + 4, s.label, 12);
    ly += 24;
  }
  cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
  draw_text(cr, left + plot_w + 14, ly + 10, "bands: 95% CI over seeds", 11);
  return canvas.finish();
}

}  // namespace savant

#include "savant/sweep_plot.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "savant/error.hpp"

namespace savant {
namespace {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void text(cairo_t* cr, double x, double y, const std::string& s, double size, double align = 0) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  cairo_move_to(cr, x - align * ext.width - ext.x_bearing, y);
  cairo_show_text(cr, s.c_str());
}

void set_rgb(cairo_t* cr, std::array<std::uint8_t, 3> rgb, double alpha = 1) {
  cairo_set_source_rgba(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0, alpha);
}

}  // namespace

std::string line_chart_png(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<ChartSeries>& series,
                           double y_min, double y_max) {
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

  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  std::unique_ptr<cairo_t, ContextDeleter> context(cairo_create(surface.get()));
  cairo_t* cr = context.get();
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  // Grid lines and axes.
  cairo_set_line_width(cr, 1);
  for (int i = 0; i <= 5; ++i) {
    const double y = y_min + (y_max - y_min) * i / 5.0;
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, left, std::round(py(y)) + 0.5);
    cairo_line_to(cr, left + plot_w, std::round(py(y)) + 0.5);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(cr, left - 8, py(y) + 4, fmt::format("{:.0f}%", 100 * y), 12, 1);
  }
  for (double x : xs) {
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(cr, px(x), top + plot_h + 18, fmt::format("{}", x), 12, 0.5);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, left + 0.5, top + 0.5, plot_w, plot_h);
  cairo_stroke(cr);
  text(cr, left + plot_w / 2, height - 16, x_label, 13, 0.5);
  text(cr, width / 2.0 - right / 2, 28, title, 15, 0.5);
  cairo_save(cr);
  cairo_translate(cr, 20, top + plot_h / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, 0, 0, y_label, 13, 0.5);
  cairo_restore(cr);

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
    const double dash[] = {7, 4};
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
    const double dash[] = {7, 4};
    cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0);
    cairo_move_to(cr, left + plot_w + 14, ly);
    cairo_line_to(cr, left + plot_w + 44, ly);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, left + plot_w + 50, ly + 4, s.label, 12);
    ly += 24;
  }
  cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
  text(cr, left + plot_w + 14, ly + 10, "bands: 95% CI over seeds", 11);

  std::string bytes;
  cairo_surface_flush(surface.get());
  if (cairo_surface_write_to_png_stream(surface.get(), append_bytes, &bytes) !=
      CAIRO_STATUS_SUCCESS) {
    throw Error("cannot encode the chart as PNG");
  }
  return bytes;
}

std::string grid_accuracy_png(const std::vector<StatsEntry>& entries) {
  // Among derange configurations of the original and shuffled regimes, pick the (width, depth,
  // epochs, batch, lr, data) with the most grid sizes.
  using Shape = std::tuple<std::size_t, std::size_t, std::size_t, std::size_t, float, std::size_t,
                           std::uint32_t>;
  std::map<Shape, std::set<int>> grids;
  auto shape_of = [](const JobConfig& c) {
    return Shape{c.hidden,        c.layers,      c.epochs,     c.batch,
                 c.learning_rate, c.train_limit, c.data_digest};
  };
  auto eligible = [](const JobConfig& c) {
    return c.shuffle == ShuffleMode::kDerange &&
           (c.train_on.kind == RegimeKind::kOriginal || c.train_on.kind == RegimeKind::kShuffled);
  };
  for (const StatsEntry& e : entries) {
    if (eligible(e.config)) grids[shape_of(e.config)].insert(e.config.grid);
  }
  if (grids.empty()) {
    throw Error(
        "the sweep has no original or shuffled models with --shuffle derange to chart; run "
        "e.g. savant sweep --grid 2,4,7,14,28 --train-on original,shuffled");
  }
  const Shape best = std::max_element(grids.begin(), grids.end(), [](const auto& a, const auto& b) {
                       return a.second.size() < b.second.size();
                     })->first;
  const std::array<std::uint8_t, 3> blue{31, 119, 180}, orange{230, 120, 20};
  std::vector<ChartSeries> series = {
      {"original model, original test", blue, false, {}},
      {"original model, shuffled test", blue, true, {}},
      {"shuffled model, shuffled test", orange, false, {}},
      {"shuffled model, original test", orange, true, {}},
  };
  std::size_t seeds = 0;
  for (const StatsEntry& e : entries) {
    if (!eligible(e.config) || shape_of(e.config) != best) continue;
    const bool shuffled_model = e.config.train_on.kind == RegimeKind::kShuffled;
    const bool shuffled_test = e.test == "shuffled_test";
    ChartSeries& s = series[shuffled_model ? (shuffled_test ? 2 : 3) : (shuffled_test ? 1 : 0)];
    s.points.push_back({static_cast<double>(e.config.grid), e.accuracy.mean, e.accuracy.ci95_low,
                        e.accuracy.ci95_high});
    seeds = std::max(seeds, e.accuracy.n);
  }
  for (ChartSeries& s : series) {
    std::sort(s.points.begin(), s.points.end(),
              [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
  }
  const auto& [hidden, layers, epochs, batch, lr, limit, digest] = best;
  (void)batch, (void)lr, (void)limit, (void)digest;
  return line_chart_png(fmt::format("Test accuracy against grid size ({} seeds, {} epochs, {}x{})",
                                    seeds, epochs, hidden, layers),
                        "grid size g (image cut into g x g blocks, log scale)", "test accuracy",
                        series, 0.0, 1.0);
}

}  // namespace savant

#include "savant/io/plot.hpp"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/io/cairo_canvas.hpp"

namespace savant {
namespace {

using canvas::Context;
using canvas::set_rgb;
using canvas::Surface;
using canvas::text;
using canvas::to_png;

// The image of a grey-scale picture, scaled without smoothing.
Surface grey_image(std::span<const std::uint8_t> pixels, std::size_t rows, std::size_t cols) {
  Surface img(cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(cols),
                                         static_cast<int>(rows)));
  cairo_surface_flush(img.get());
  unsigned char* data = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  for (std::size_t r = 0; r < rows; ++r) {
    auto* row = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(r) * stride);
    for (std::size_t c = 0; c < cols; ++c) {
      const std::uint32_t v = 255u - pixels[r * cols + c];  // dark garment on white, as printed
      row[c] = (v << 16) | (v << 8) | v;
    }
  }
  cairo_surface_mark_dirty(img.get());
  return img;
}

}  // namespace

std::array<std::uint8_t, 3> viridis(double t) {
  t = std::clamp(t, 0.0, 1.0);
  static constexpr std::array<std::array<double, 3>, 7> c = {{
      {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
      {0.1050930431085774, 1.404613529898575, 1.384590162594685},
      {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
      {-4.634230498983486, -5.799100973351585, -19.33244095627987},
      {6.228269936347081, 14.17993336680509, 56.69055260068105},
      {4.776384997670288, -13.74514537774601, -65.35303263337234},
      {-5.435455855934631, 4.645852612178535, 26.3124352495832},
  }};
  std::array<std::uint8_t, 3> rgb{};
  for (int ch = 0; ch < 3; ++ch) {
    double v = c[6][ch];
    for (int k = 5; k >= 0; --k) v = v * t + c[k][ch];
    rgb[ch] = static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
  }
  return rgb;
}

std::array<std::uint8_t, 3> diverging(double t) {
  // Blue (t = 0) through white (0.5) to red (1), linear in RGB between the three.
  static constexpr std::array<double, 3> blue = {33, 102, 172}, white = {247, 247, 247},
                                         red = {178, 24, 43};
  t = std::clamp(std::isnan(t) ? 0.5 : t, 0.0, 1.0);
  const std::array<double, 3>& end = t < 0.5 ? blue : red;
  const double f = std::abs(t - 0.5) * 2;
  std::array<std::uint8_t, 3> rgb{};
  for (int ch = 0; ch < 3; ++ch) {
    rgb[ch] = static_cast<std::uint8_t>(std::lround(white[ch] + f * (end[ch] - white[ch])));
  }
  return rgb;
}

ColourScale colour_scale_of(std::initializer_list<std::span<const double>> maps) {
  ColourScale scale{std::numeric_limits<double>::infinity(),
                    -std::numeric_limits<double>::infinity()};
  for (std::span<const double> map : maps) {
    for (double v : map) {
      if (std::isnan(v)) continue;
      scale.min = std::min(scale.min, v);
      scale.max = std::max(scale.max, v);
    }
  }
  if (!(scale.min <= scale.max)) return {-1, 1};
  return scale;
}

std::string heatmap_png(std::span<const double> values, std::size_t rows, std::size_t cols,
                        ColourScale scale, const std::string& title, int cell) {
  const int map_w = static_cast<int>(cols) * cell, map_h = static_cast<int>(rows) * cell;
  const int margin = 16, title_h = 34, bar_gap = 18, bar_w = 22, label_w = 60;
  const int width = margin + map_w + bar_gap + bar_w + label_w;
  const int height = title_h + map_h + margin;
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  Context cr(cairo_create(surface.get()));
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());

  const double span = scale.max > scale.min ? scale.max - scale.min : 1.0;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const double v = values[r * cols + c];
      if (std::isnan(v)) {
        cairo_set_source_rgb(cr.get(), 0.75, 0.75, 0.75);
      } else {
        set_rgb(cr.get(), viridis((v - scale.min) / span));
      }
      cairo_rectangle(cr.get(), margin + static_cast<double>(c) * cell,
                      title_h + static_cast<double>(r) * cell, cell, cell);
      cairo_fill(cr.get());
    }
  }
  cairo_set_source_rgb(cr.get(), 0, 0, 0);
  text(cr.get(), margin + map_w / 2.0, 23, title, 15, 0.5);

  // Colour bar: max at the top, min at the bottom, five labelled ticks.
  const int bar_x = margin + map_w + bar_gap;
  for (int y = 0; y < map_h; ++y) {
    set_rgb(cr.get(), viridis(1.0 - static_cast<double>(y) / (map_h - 1)));
    cairo_rectangle(cr.get(), bar_x, title_h + y, bar_w, 1);
    cairo_fill(cr.get());
  }
  cairo_set_source_rgb(cr.get(), 0, 0, 0);
  cairo_set_line_width(cr.get(), 1);
  cairo_rectangle(cr.get(), bar_x + 0.5, title_h + 0.5, bar_w - 1, map_h - 1);
  cairo_stroke(cr.get());
  for (int i = 0; i <= 4; ++i) {
    const double frac = i / 4.0;
    const double y = title_h + (1.0 - frac) * (map_h - 1);
    cairo_move_to(cr.get(), bar_x + bar_w, y + 0.5);
    cairo_line_to(cr.get(), bar_x + bar_w + 5, y + 0.5);
    cairo_stroke(cr.get());
    text(cr.get(), bar_x + bar_w + 8, y + 4.5, fmt::format("{:.2f}", scale.min + frac * span), 12);
  }
  return to_png(surface.get());
}

std::string samples_png(const std::vector<SampleRow>& samples, std::size_t rows, std::size_t cols,
                        int scale) {
  const int img_w = static_cast<int>(cols) * scale, img_h = static_cast<int>(rows) * scale;
  const int margin = 12, header = 26, caption_w = 120, gap = 12;
  const int width = margin + caption_w + img_w + gap + img_w + margin;
  const int height = header + static_cast<int>(samples.size()) * (img_h + gap) + margin;
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  Context cr(cairo_create(surface.get()));
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  cairo_set_source_rgb(cr.get(), 0, 0, 0);
  const double col1 = margin + caption_w, col2 = col1 + img_w + gap;
  text(cr.get(), col1 + img_w / 2.0, 18, "original", 13, 0.5);
  text(cr.get(), col2 + img_w / 2.0, 18, "shuffled", 13, 0.5);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double y = header + static_cast<double>(i) * (img_h + gap);
    cairo_set_source_rgb(cr.get(), 0, 0, 0);
    text(cr.get(), margin, y + img_h / 2.0 + 4, samples[i].caption, 12);
    for (int which = 0; which < 2; ++which) {
      Surface img = grey_image(which == 0 ? samples[i].original : samples[i].shuffled, rows, cols);
      cairo_save(cr.get());
      cairo_translate(cr.get(), which == 0 ? col1 : col2, y);
      cairo_scale(cr.get(), scale, scale);
      cairo_set_source_surface(cr.get(), img.get(), 0, 0);
      cairo_pattern_set_filter(cairo_get_source(cr.get()), CAIRO_FILTER_NEAREST);
      cairo_paint(cr.get());
      cairo_restore(cr.get());
    }
  }
  return to_png(surface.get());
}

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

  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  Context context(cairo_create(surface.get()));
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

  return to_png(surface.get());
}

}  // namespace savant
